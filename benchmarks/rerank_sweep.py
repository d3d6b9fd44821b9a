"""Chooses how the reader re-ranks retrieved passages (`rerank_depth`, `RERANK_RETRIEVAL_WEIGHT` of the
`qa-with-reasoning` pipeline), on our development sets: SQuAD split `validation` (its paragraph pool) and the PDF
development set `benchmarks/data/pdf_qa_dev.jsonl`. CPU, the shipped reference model, the default hybrid retriever.

Each question's deepest candidate list is retrieved and read once; every (depth, weight) is then scored from the same
reader outputs. A passage's re-rank score is `margin + weight * z(retrieval)`: the reader's best span logit minus its
null logit, plus the retrieval score standardised over the question's candidates. The setting with the best mean
hit@1 of the two sets is chosen (ties: the smaller depth); `test` is never read.

    python benchmarks/rerank_sweep.py --squad dev-v1.1.json [--pdfs ../shared/data/pdfs] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import random

import numpy as np
from common import SRC  # noqa: F401  (puts src/ on the path)

DEPTHS = (3, 5, 10, 20)
WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, float("inf"))  # inf: the retriever's own order
PDF_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")


def reader_margins(qa, index, questions: list[str], depth: int) -> list[tuple[list[dict], np.ndarray]]:
    """Each question's `depth` hits and the reader's margin in each (best span logit - null logit; -inf: none)."""
    qa.attach_index(index)
    options = qa._options({"rerank_depth": 0, "top_k_passages": depth})
    read = qa._retrieve_and_read(
        index, questions, qa._question_ids(questions), qa._default_retriever(index), options, 64
    )
    return [(hits, qa.reader_margins(len(hits), windows)) for hits, windows, _ in read]


def hit_at_1(read, is_gold, depth: int, weight: float) -> float:
    right = 0
    for q, (hits, margin) in enumerate(read):
        hits, margin = hits[:depth], margin[:depth]
        if weight == float("inf"):
            top = hits[0]
        else:
            retrieval = np.array([h["score"] for h in hits])
            z = (retrieval - retrieval.mean()) / (retrieval.std() + 1e-6)
            top = hits[int(np.argmax(np.where(np.isfinite(margin), margin + weight * z, -np.inf)))]
        right += is_gold(q, top["passage_id"])
    return 100 * right / len(read)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--squad", required=True, help="SQuAD v1.1 dev json (split by article as the project does)"
    )
    parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
    parser.add_argument(
        "--limit", type=int, default=None, help="a random sample of this many validation questions"
    )
    args = parser.parse_args()

    from transformers import pipeline

    import bert_qa_reasoning
    from bert_qa_reasoning import load_pdf_qa
    from bert_qa_reasoning.metrics import normalize_answer
    from bert_qa_reasoning.squad import load_squad_split

    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())
    depth = max(DEPTHS)
    sets = {}

    rows = load_squad_split(args.squad, "validation")
    paragraphs = list(dict.fromkeys(r["context"] for r in rows))
    if args.limit:
        rows = random.Random(0).sample(rows, min(args.limit, len(rows)))
    index = qa.build_index([{"text": p} for p in paragraphs])
    gold = [paragraphs.index(r["context"]) for r in rows]
    read = reader_margins(qa, index, [r["question"] for r in rows], depth)
    sets["SQuAD validation"] = (read, lambda q, pid, gold=gold: pid == gold[q])

    with open(PDF_DATA, encoding="utf-8") as f:
        pdf_rows = [json.loads(line) for line in f if line.strip()]
    files = sorted({r["file"] for r in pdf_rows})
    pdf_index = qa.build_index(load_pdf_qa([os.path.join(args.pdfs, f) for f in files], name="passages"))

    def pdf_gold(q: int, pid: int) -> bool:  # a passage of the gold page that holds the answer
        row, p = pdf_rows[q], pdf_index.passages[pid]
        return (
            p.get("source") == row["file"]
            and row["page"] in (p.get("pages") or [p.get("page")])
            and normalize_answer(row["answer"]) in normalize_answer(p["text"])
        )

    sets["PDF development set"] = (
        reader_margins(qa, pdf_index, [r["question"] for r in pdf_rows], depth),
        pdf_gold,
    )

    names = list(sets)
    print(
        f"hit@1 by re-ranking depth and retrieval weight ({', '.join(f'{n}: {len(sets[n][0])} questions' for n in names)})"
    )
    print("| depth | weight | " + " | ".join(names) + " | mean |")
    print("|---" * (len(names) + 3) + "|")
    results = []
    for d in DEPTHS:
        for w in WEIGHTS:
            scores = [hit_at_1(read, is_gold, d, w) for read, is_gold in sets.values()]
            results.append((sum(scores) / len(scores), -d, d, w, scores))
            label = "retriever alone" if w == float("inf") else f"{w:g}"
            print(
                f"| {d} | {label} | " + " | ".join(f"{s:.1f}" for s in scores) + f" | {results[-1][0]:.1f} |"
            )
    best = max(results, key=lambda r: (r[0], r[1]))
    print(f"chosen: rerank_depth {best[2]}, weight {best[3]:g} (mean hit@1 {best[0]:.1f})")


if __name__ == "__main__":
    main()
