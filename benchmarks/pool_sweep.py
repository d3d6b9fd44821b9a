"""Chooses how the pipeline answers over a pool together, by the top answer's F1: how deep the reader re-ranks
(`rerank_depth`), the retrieval's weight in the re-rank score (`RERANK_RETRIEVAL_WEIGHT`), how many re-ranked
passages give answers (`top_k_passages`) and the retrieval temperature of the answer's score
(`retrieval_temperature`). CPU, the shipped reference model, the default retriever.

`rerank_sweep.py` chooses depth and weight by retrieval hit@1 and `calibration.py` the temperature by F1 with the
others fixed; this sweep scores every combination by what a user gets, the top answer. Each question's deepest
candidate list is retrieved and read once (in float32); every setting is then scored from the same windows, as the
pipeline would re-rank and post-process them.

    python benchmarks/pool_sweep.py --squad dev-v1.1.json [--pdfs ../shared/data/pdfs] [--limit N]

Chosen: the best F1 on SQuAD `validation` over its paragraph pool (ties: the current default, then the shallower,
cheaper setting). The PDF development set (`benchmarks/data/pdf_qa_dev.jsonl`) is reported beside it, never used to
choose; `test` is never read.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time

from common import SRC  # noqa: F401  (puts src/ on the path)

DEPTHS = (5, 10, 20)
WEIGHTS = (2.0, 4.0, 8.0)
KEEPS = (1, 3, 5)
TEMPERATURES = (0.05, 0.1, 0.2, 0.5)
PDF_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")


def read_deep(qa, index, questions: list[str], depth: int) -> list[tuple[list[dict], list[dict]]]:
    """Each question's `depth` hits in the retriever's order and all their windows, read once."""
    qa.attach_index(index)
    options = qa._options({"rerank_depth": 0, "top_k_passages": depth})
    read = qa._retrieve_and_read(
        index, questions, qa._question_ids(questions), qa._default_retriever(index), options, 64
    )
    return [(hits, windows) for hits, windows, _ in read]


def top_answers(
    qa, index, questions, read, depth: int, weight: float, keep: int, temperature: float
) -> list[str]:
    """The pipeline's top answer per question at one setting, from the windows read once."""
    import bert_qa_reasoning.pipeline_qa_with_reasoning as module

    saved = module.RERANK_RETRIEVAL_WEIGHT
    module.RERANK_RETRIEVAL_WEIGHT = weight  # `_rerank` and `_postprocess` both read it
    try:
        options = qa._options({"top_k": 1, "retrieval_temperature": temperature})
        out = []
        for question, (hits, windows) in zip(questions, read):
            retrieved = hits = hits[:depth]
            windows = [w for w in windows if w["hit"] < depth]
            if len(hits) > keep:
                hits, windows = qa._rerank(hits, windows, keep)
            # `retrieved`: every hit retrieved, for the table comparisons (`_table_answer`)
            outputs = {
                "index": index,
                "hits": hits,
                "windows": windows,
                "question": question,
                "retrieved": retrieved,
            }
            answers, _ = qa._postprocess(outputs, options)
            out.append(answers[0]["answer"] if answers else "")
        return out
    finally:
        module.RERANK_RETRIEVAL_WEIGHT = saved


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--squad", required=True, help="SQuAD v1.1 dev json (split by article as the project does)"
    )
    parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
    parser.add_argument("--limit", type=int, help="the first N validation questions (a quick run)")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()

    from transformers import pipeline

    import bert_qa_reasoning
    import bert_qa_reasoning.pipeline_qa_with_reasoning as module
    from bert_qa_reasoning import load_pdf_qa
    from bert_qa_reasoning.metrics import f1_score
    from bert_qa_reasoning.squad import load_squad_split

    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())
    sets = {}
    rows = load_squad_split(args.squad, "validation")[: args.limit]
    paragraphs = list(dict.fromkeys(r["context"] for r in rows))
    index = qa.build_index([{"text": p} for p in paragraphs])
    questions = [r["question"] for r in rows]
    start = time.time()
    sets["SQuAD validation"] = (index, questions, [r["answers"]["text"] for r in rows])
    read = {"SQuAD validation": read_deep(qa, index, questions, max(DEPTHS))}
    print(
        f"SQuAD validation: {len(rows)} questions read at depth {max(DEPTHS)} in {time.time() - start:.0f} s"
    )

    with open(PDF_DATA, encoding="utf-8") as f:
        pdf_rows = [json.loads(line) for line in f if line.strip()]
    files = sorted({r["file"] for r in pdf_rows})
    pdf_index = qa.build_index(load_pdf_qa([os.path.join(args.pdfs, f) for f in files], name="passages"))
    pdf_questions = [r["question"] for r in pdf_rows]
    sets["PDF development set"] = (pdf_index, pdf_questions, [[r["answer"]] for r in pdf_rows])
    read["PDF development set"] = read_deep(qa, pdf_index, pdf_questions, max(DEPTHS))

    current = (
        module._DEFAULTS["rerank_depth"],
        module.RERANK_RETRIEVAL_WEIGHT,
        module._DEFAULTS["top_k_passages"],
        module._DEFAULTS["retrieval_temperature"],
    )
    names = list(sets)
    print(f"\ntop-answer F1 by setting ({', '.join(f'{n}: {len(sets[n][1])} questions' for n in names)})")
    print("| rerank_depth | weight | top_k_passages | retrieval_temperature | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 4) + "|")
    results = []
    for depth, weight, keep, temperature in itertools.product(DEPTHS, WEIGHTS, KEEPS, TEMPERATURES):
        if keep > depth:
            continue
        setting = (depth, weight, keep, temperature)
        scores = []
        for name in names:
            idx, qs, golds = sets[name]
            answers = top_answers(qa, idx, qs, read[name], *setting)
            scores.append(
                100 * sum(max(f1_score(a, g) for g in gs) for a, gs in zip(answers, golds)) / len(qs)
            )
        results.append({"setting": setting, "F1": dict(zip(names, scores))})
        mark = " (current)" if setting == current else ""
        print(
            f"| {depth} | {weight:g} | {keep} | {temperature:g}{mark} | "
            + " | ".join(f"{s:.2f}" for s in scores)
            + " |"
        )
    best = max(
        results,
        key=lambda r: (
            round(r["F1"][names[0]], 2),
            r["setting"] == current,
            -r["setting"][0],
            -r["setting"][2],
        ),
    )
    print(
        f"chosen on SQuAD validation: rerank_depth, weight, top_k_passages, retrieval_temperature = {best['setting']}"
    )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"results": results, "chosen": best["setting"], "current": current}, f, indent=1)


if __name__ == "__main__":
    main()
