"""Chooses the default retrieval settings on SQuAD split `validation`, then reports them once on `test`.

Sweeps BM25's k1/b, the hybrid fusion (min-max, z-score, reciprocal-rank) and BM25's share, with
all-MiniLM-L6-v2 mean pooling as the dense side. Selection uses validation recall@1 (ties: recall@5) only;
`test` is scored for the chosen setting and for the previous default, never used to choose. Runs on CPU.

    python benchmarks/retrieval_sweep.py --squad dev-v1.1.json --minilm <dir>
"""

from __future__ import annotations

import itertools

import torch
from common import base_parser, pool, recall  # noqa: E402

from bert_qa_reasoning.retrieval import BM25, combine_hybrid, embed_texts  # noqa: E402
from bert_qa_reasoning.squad import load_squad_split  # noqa: E402


def main() -> None:
    parser = base_parser(__doc__)
    args = parser.parse_args()

    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(args.minilm)
    enc = AutoModel.from_pretrained(args.minilm, dtype=torch.float32).eval()
    splits = {}
    for split in ("validation", "test"):
        rows = load_squad_split(args.squad, split)
        paragraphs, gold = pool(rows)
        questions = [r["question"] for r in rows]
        with torch.inference_mode():
            dense = embed_texts(questions, enc, tok) @ embed_texts(paragraphs, enc, tok).T
        splits[split] = (paragraphs, questions, gold, dense)
        print(
            f"{split}: {len(paragraphs)} paragraphs, {len(questions)} questions; dense {recall(dense, gold)}"
        )

    def evaluate(split, k1, b, fusion, weight):
        paragraphs, questions, gold, dense = splits[split]
        bm25 = BM25(k1=k1, b=b).fit(paragraphs).scores(questions)
        if fusion == "bm25":
            return recall(bm25, gold)
        return recall(combine_hybrid(bm25, dense, weight, method=fusion), gold)

    grid = []
    for k1, b in itertools.product((0.9, 1.2, 1.5), (0.4, 0.6, 0.75)):
        grid.append((k1, b, "bm25", 0.0))
        for fusion, weight in itertools.product(("minmax", "zscore"), (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)):
            grid.append((k1, b, fusion, weight))
        grid.append((k1, b, "rrf", 0.5))
    results = []
    for setting in grid:
        r = evaluate("validation", *setting)
        results.append((r["R@1"], r["R@5"], setting))
    results.sort(reverse=True)
    print("\nvalidation, best 10 (R@1, R@5, (k1, b, fusion, bm25 share)):")
    for r1, r5, s in results[:10]:
        print(f"  {r1:6.2f} {r5:6.2f}  {s}")
    best = results[0][2]
    best_bm25 = max(r for r in results if r[2][2] == "bm25")[2]
    print("\ntest (reported once, not used for choosing):")
    for name, setting in (
        ("previous default: k1 1.5, b 0.75, minmax, 0.4", (1.5, 0.75, "minmax", 0.4)),
        ("BM25 alone, k1 1.5, b 0.75", (1.5, 0.75, "bm25", 0.0)),
        (f"BM25 alone, validation-best {best_bm25[:2]}", best_bm25),
        (f"chosen on validation: {best}", best),
    ):
        print(f"  {name:55s} {evaluate('test', *setting)}")


if __name__ == "__main__":
    main()
