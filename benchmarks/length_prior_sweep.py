"""Chooses the pipeline's `length_prior` (each span's logit gains `length_prior * log(tokens)`) on our development
sets: the PDF development set `benchmarks/data/pdf_qa_dev.jsonl` (hand-written answers, over its 5 PDFs, re-ranked
pool as by default), the hand-written questions of the reasoning set's `validation` part (hand-written answers,
each with its passage: 703 SQuAD paragraphs and, since session 14, 120 document-style passages) and a 500-question
sample of SQuAD `validation`, each with its gold paragraph. CPU, the shipped reference model. Chosen: the largest
mean of the two hand-written F1s among the settings that cost SQuAD validation F1 at most 0.5 against no prior
(`test` is not read).

    python benchmarks/length_prior_sweep.py --squad dev-v1.1.json [--pdfs ../shared/data/pdfs]
"""

from __future__ import annotations

import argparse
import json
import os
import random

from common import SRC  # noqa: F401  (puts src/ on the path)

PRIORS = (0.0, 0.125, 0.25, 0.375, 0.5, 0.75, 1.0)
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--squad", required=True)
    parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
    parser.add_argument("--sample", type=int, default=500, help="SQuAD validation questions")
    args = parser.parse_args()

    from transformers import pipeline

    import bert_qa_reasoning
    from bert_qa_reasoning import load_pdf_qa
    from bert_qa_reasoning.metrics import exact_match_score, f1_score
    from bert_qa_reasoning.reasoning import load_reasoning_questions
    from bert_qa_reasoning.squad import load_squad_split

    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())
    with open(DATA, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    files = sorted({r["file"] for r in rows})
    qa.build_index(load_pdf_qa([os.path.join(args.pdfs, f) for f in files], name="passages"))
    squad = random.Random(1).sample(load_squad_split(args.squad, "validation"), args.sample)
    hand = load_reasoning_questions("validation")

    def score(answers, golds):
        em = [
            max(exact_match_score(a[0]["answer"] if a else "", g) for g in gs)
            for a, gs in zip(answers, golds)
        ]
        f1 = [max(f1_score(a[0]["answer"] if a else "", g) for g in gs) for a, gs in zip(answers, golds)]
        return 100 * sum(em) / len(em), 100 * sum(f1) / len(f1), f1

    def with_paragraphs(squad_rows, prior):
        """EM and F1 of SQuAD-style rows, each question read with its own paragraph."""
        answers = qa(
            question=[r["question"] for r in squad_rows],
            context=[r["context"] for r in squad_rows],
            length_prior=prior,
            batch_size=64,
        )
        return score(answers, [r["answers"]["text"] for r in squad_rows])[:2]

    print(
        "| length_prior | PDF dev EM | PDF dev F1 | factual / causal / comparative F1 | hand-written validation EM | "
        "F1 | SQuAD validation EM | F1 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    results = {}
    for prior in PRIORS:
        pdf = qa(question=[r["question"] for r in rows], length_prior=prior, batch_size=64)
        pdf_em, pdf_f1, per = score(pdf, [[r["answer"]] for r in rows])
        by_type = [
            100 * sum(x for x, r in zip(per, rows) if r["label"] == t) / sum(r["label"] == t for r in rows)
            for t in ("factual", "causal", "comparative")
        ]
        sq_em, sq_f1 = with_paragraphs(squad, prior)
        hand_em, hand_f1 = with_paragraphs(hand, prior)
        results[prior] = (pdf_f1, hand_f1, sq_f1)
        print(
            f"| {prior:g} | {pdf_em:.1f} | {pdf_f1:.1f} | {' / '.join(f'{x:.1f}' for x in by_type)} | "
            f"{hand_em:.1f} | {hand_f1:.1f} | {sq_em:.1f} | {sq_f1:.1f} |",
            flush=True,
        )
    allowed = [p for p in PRIORS if results[p][2] >= results[0.0][2] - 0.5]
    chosen = max(allowed, key=lambda p: (round((results[p][0] + results[p][1]) / 2, 1), -p))
    print(f"chosen: length_prior {chosen:g}")


if __name__ == "__main__":
    main()
