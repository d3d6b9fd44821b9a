"""Checks that answers carrying the abbreviation written after them ("Network Time Protocol (NTP)",
`_with_abbreviation` of the `qa-with-reasoning` pipeline) cost nothing on our validation sets: the answers with the
rule and without it, on the hand-written validation questions (each with its passage), SQuAD `validation` (each
question with its paragraph) and the PDF development set (through an index). CPU, the shipped reference model; `test`
is never read.

    python benchmarks/abbreviation_check.py --squad dev-v1.1.json [--pdfs ../shared/data/pdfs]
"""

from __future__ import annotations

import argparse
import json
import os

from common import SRC  # noqa: F401  (puts src/ on the path)

PDF_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--squad", required=True, help="SQuAD v1.1 dev json (split by article as the project does)"
    )
    parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
    args = parser.parse_args()

    from transformers import pipeline

    import bert_qa_reasoning
    import bert_qa_reasoning.pipeline_qa_with_reasoning as module
    from bert_qa_reasoning import load_pdf_qa
    from bert_qa_reasoning.metrics import exact_match_score, f1_score
    from bert_qa_reasoning.reasoning import load_reasoning_questions
    from bert_qa_reasoning.squad import load_squad_split

    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())
    with open(PDF_DATA, encoding="utf-8") as f:
        pdf_rows = [json.loads(line) for line in f if line.strip()]
    files = sorted({r["file"] for r in pdf_rows})
    index = qa.build_index(load_pdf_qa([os.path.join(args.pdfs, f) for f in files], name="passages"))
    qa.attach_index(index)
    hand = load_reasoning_questions("validation")
    squad = load_squad_split(args.squad, "validation")
    sets = {
        "hand-written validation": (hand, lambda rows: {"context": [r["context"] for r in rows]}),
        "SQuAD validation": (squad, lambda rows: {"context": [r["context"] for r in rows]}),
        "PDF development set": (
            [{"question": r["question"], "answers": {"text": [r["answer"]]}} for r in pdf_rows],
            lambda rows: {},
        ),
    }
    rule = module._with_abbreviation
    print("| set | questions | EM / F1 without | EM / F1 with | answers changed |")
    print("|---|---|---|---|---|")
    try:
        for name, (rows, context) in sets.items():
            found = {}
            for label, fn in (("without", lambda text, start, end: end), ("with", rule)):
                module._with_abbreviation = fn
                index.__dict__.pop("_answer_spans", None)  # the spans cut by the other rule
                answers = qa(question=[r["question"] for r in rows], batch_size=64, **context(rows))
                found[label] = [a[0]["answer"] for a in answers]
            figures = []
            for label in ("without", "with"):
                em = [
                    max(exact_match_score(a, g) for g in r["answers"]["text"])
                    for a, r in zip(found[label], rows)
                ]
                f1 = [max(f1_score(a, g) for g in r["answers"]["text"]) for a, r in zip(found[label], rows)]
                figures.append(f"{100 * sum(em) / len(em):.2f} / {100 * sum(f1) / len(f1):.2f}")
            changed = [
                (r["question"], a, b) for r, a, b in zip(rows, found["without"], found["with"]) if a != b
            ]
            print(f"| {name} | {len(rows)} | {figures[0]} | {figures[1]} | {len(changed)} |")
            for question, a, b in changed:
                print(f"    {question} | {a!r} -> {b!r}")
    finally:
        module._with_abbreviation = rule


if __name__ == "__main__":
    main()
