"""Chooses `CHOICE_BONUS` of the `qa-with-reasoning` pipeline: how much a candidate span that names one of the
alternatives a question offers ("Which is taller, A or B?", `choices.question_alternatives`) gains in logit.

CPU, the shipped reference model. Scored on the hand-written validation questions of `reasoning_questions.jsonl`
(each with its own passage), on SQuAD `validation` (each question with its paragraph) and on the PDF development
set (through an index, as a user asks). Chosen: the best F1 on the hand-written validation questions, among the
bonuses that cost SQuAD validation at most 0.1 F1 against none (ties: the smaller bonus). The PDF set is reported,
not used to choose; `test` is never read.

    python benchmarks/choice_bonus_sweep.py --squad dev-v1.1.json [--pdfs ../shared/data/pdfs]
"""

from __future__ import annotations

import argparse
import json
import os

from common import SRC  # noqa: F401  (puts src/ on the path)

BONUSES = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0)
PDF_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--squad", required=True, help="SQuAD v1.1 dev json (split by article as the project does)"
    )
    parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
    parser.add_argument(
        "--errors", action="store_true", help="print the choice questions whose answer changes"
    )
    args = parser.parse_args()

    from transformers import pipeline

    import bert_qa_reasoning
    import bert_qa_reasoning.pipeline_qa_with_reasoning as module
    from bert_qa_reasoning import load_pdf_qa
    from bert_qa_reasoning.choices import question_alternatives
    from bert_qa_reasoning.metrics import exact_match_score, f1_score
    from bert_qa_reasoning.reasoning import load_reasoning_questions
    from bert_qa_reasoning.squad import load_squad_split

    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())
    hand = load_reasoning_questions("validation")
    squad = load_squad_split(args.squad, "validation")
    with open(PDF_DATA, encoding="utf-8") as f:
        pdf_rows = [json.loads(line) for line in f if line.strip()]
    files = sorted({r["file"] for r in pdf_rows})
    pdf_index = qa.build_index(load_pdf_qa([os.path.join(args.pdfs, f) for f in files], name="passages"))
    qa.attach_index(pdf_index)  # pair calls (with `context`) read their own passages
    choice = [i for i, r in enumerate(hand) if question_alternatives(r["question"])]
    print(
        f"hand-written validation: {len(hand)} questions, {len(choice)} offering a choice; SQuAD validation: "
        f"{len(squad)} ({sum(bool(question_alternatives(r['question'])) for r in squad)} offering a choice); PDF "
        f"development set: {len(pdf_rows)} ({sum(bool(question_alternatives(r['question'])) for r in pdf_rows)})"
    )

    def score(answers, golds) -> tuple[float, float]:
        em = [max(exact_match_score(a[0]["answer"], g) for g in gs) for a, gs in zip(answers, golds)]
        f1 = [max(f1_score(a[0]["answer"], g) for g in gs) for a, gs in zip(answers, golds)]
        return 100 * sum(em) / len(em), 100 * sum(f1) / len(f1)

    saved = module.CHOICE_BONUS
    rows, first = [], None
    print(
        "| bonus | hand-written validation EM / F1 | its choice questions F1 | SQuAD validation EM / F1 | PDF dev EM / F1 |"
    )
    print("|---|---|---|---|---|")
    try:
        for bonus in BONUSES:
            module.CHOICE_BONUS = bonus
            hand_answers = qa(
                question=[r["question"] for r in hand], context=[r["context"] for r in hand], batch_size=64
            )
            hand_golds = [r["answers"]["text"] for r in hand]
            squad_answers = qa(
                question=[r["question"] for r in squad], context=[r["context"] for r in squad], batch_size=64
            )
            pdf_answers = qa(question=[r["question"] for r in pdf_rows], batch_size=64)
            h = score(hand_answers, hand_golds)
            c = score([hand_answers[i] for i in choice], [hand_golds[i] for i in choice])
            s = score(squad_answers, [r["answers"]["text"] for r in squad])
            p = score(pdf_answers, [[r["answer"]] for r in pdf_rows])
            rows.append((bonus, h, c, s, p))
            print(
                f"| {bonus:g} | {h[0]:.2f} / {h[1]:.2f} | {c[1]:.1f} | {s[0]:.2f} / {s[1]:.2f} | {p[0]:.1f} / {p[1]:.1f} |"
            )
            if args.errors:
                if first is None:
                    first = [a[0]["answer"] for a in hand_answers]
                else:
                    for i in choice:
                        if hand_answers[i][0]["answer"] != first[i]:
                            print(
                                f"    {hand[i]['question']} | gold {hand_golds[i][0]!r} | {first[i]!r} -> "
                                f"{hand_answers[i][0]['answer']!r}"
                            )
    finally:
        module.CHOICE_BONUS = saved
    base_squad = rows[0][3][1]
    allowed = [r for r in rows if r[3][1] >= base_squad - 0.1]
    best = max(allowed, key=lambda r: (round(r[1][1], 2), -r[0]))
    print(f"chosen: CHOICE_BONUS {best[0]:g}")


if __name__ == "__main__":
    main()
