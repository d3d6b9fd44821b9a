"""Answers over real PDFs: the hand-written development set `benchmarks/data/pdf_qa_dev.jsonl` (72 questions over
five PDFs of the shared corpus, with file, page and exact answer), asked through the public API (`load_pdf_qa` ->
`build_index` -> `pipe(question)`), on the CPU.

    python benchmarks/pdf_qa_eval.py --pdfs ../shared/data/pdfs [--retriever-model none]

Prints top-answer EM / F1 (official SQuAD normalisation), best F1 among the top 5, right file / right file and page
of the top answer, retrieval hit@1 / @5 (a retrieved passage from the gold page holding the answer), by type.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from common import SRC  # noqa: F401  (puts src/ on the path)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
    parser.add_argument("--model", help="the reader (default: the shipped reference model)")
    parser.add_argument("--length-prior", type=float, help="the pipeline's length_prior (default: its own)")
    parser.add_argument("--retriever-model", default=None, help="'none' for no sentence-embedding model")
    parser.add_argument("--retriever", default=None, help="force one retriever (bm25, dense, hybrid, cls)")
    parser.add_argument(
        "--qa-encoder-dense",
        action="store_true",
        help="the old default: dense vectors from the QA model's own encoder (with --retriever-model none)",
    )
    parser.add_argument(
        "--errors", action="store_true", help="print each question whose top answer is not exact"
    )
    args = parser.parse_args()

    from transformers import pipeline

    import bert_qa_reasoning
    from bert_qa_reasoning import load_pdf_qa
    from bert_qa_reasoning.metrics import exact_match_score, f1_score, normalize_answer

    with open(DATA, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    files = sorted({r["file"] for r in rows})
    passages = load_pdf_qa([os.path.join(args.pdfs, f) for f in files], name="passages")
    retriever_model = False if args.retriever_model == "none" else args.retriever_model
    qa = pipeline(
        "qa-with-reasoning",
        model=args.model or bert_qa_reasoning.reference_model_path(),
        retriever_model=retriever_model,
        **({} if args.length_prior is None else {"length_prior": args.length_prior}),
    )
    start = time.time()
    index = qa.build_index(passages, retrievers=("bm25", "dense", "cls") if args.qa_encoder_dense else None)
    print(
        f"{len(index)} passages from {len(files)} PDFs indexed in {time.time() - start:.0f} s; retrievers {index.available}"
    )
    start = time.time()
    answers = qa(question=[r["question"] for r in rows], top_k=5, retriever=args.retriever)
    hits = qa.retrieve([r["question"] for r in rows], top_k=5, retriever=args.retriever)
    seconds = time.time() - start
    totals: dict[str, list[float]] = {}
    for row, found, hit in zip(rows, answers, hits):
        best = found[0]
        gold = row["answer"]
        holding = [
            h for h in hit
            if index.passages[h["passage_id"]].get("source") == row["file"]
            and row["page"] in (index.passages[h["passage_id"]].get("pages") or [index.passages[h["passage_id"]].get("page")])
            and normalize_answer(gold) in normalize_answer(index.passages[h["passage_id"]]["text"])
        ]  # fmt: skip
        scores = {
            "EM": exact_match_score(best["answer"], gold),
            "F1": f1_score(best["answer"], gold),
            "best F1 in top 5": max(f1_score(a["answer"], gold) for a in found),
            "right file": float(best.get("source") == row["file"]),
            "right file and page": float(
                best.get("source") == row["file"] and best.get("page") == row["page"]
            ),
            "hit@1": float(bool(holding) and holding[0] is hit[0]),
            "hit@5": float(bool(holding)),
        }
        if args.errors and not scores["EM"]:
            print(
                f"  [{row['id']} {row['label']}] {row['question']}\n     gold {gold!r} p{row['page']}; got "
                f"{best['answer']!r} p{best.get('page')} ({best['score']:.2f}); retrieved pages "
                f"{[index.passages[h['passage_id']].get('page') for h in hit]}"
            )
        for key in ("all", row["label"], row["file"]):
            for name, value in scores.items():
                totals.setdefault(f"{key}/{name}", []).append(value)
    names = ["EM", "F1", "best F1 in top 5", "right file", "right file and page", "hit@1", "hit@5"]
    print("| questions | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for key in ("all", "factual", "causal", "comparative", *files):
        n = len(totals[f"{key}/EM"])
        values = " | ".join(f"{100 * sum(totals[f'{key}/{m}']) / n:.1f}" for m in names)
        print(f"| {key} ({n}) | {values} |")
    print(f"{seconds / len(rows):.2f} s per question (answers and retrieval), CPU")


if __name__ == "__main__":
    main()
