"""Chooses the retrieval temperature of the pipeline's score on SQuAD `validation`, and reports how well the score is
calibrated, on SQuAD `test` and on the PDF development set (CPU, the shipped reference model).

The pipeline's score is one softmax over every candidate span of the read passages, with each passage's span logits
shifted by its retrieval log-prior, `log_softmax(retrieval_scores / retrieval_temperature)`. A low temperature lets
retrieval overrule the reader; a high one leaves the choice to the reader. One forward pass per question serves
every temperature (only the post-processing differs).

    python benchmarks/calibration.py --squad dev-v1.1.json [--pdfs ../shared/data/pdfs] [--limit N]

Prints, per temperature: end-to-end EM / F1 over the split's paragraph pool, expected calibration error (10 equal
bins of the top answer's score; "correct" = exact match), and accuracy and coverage of answers scoring >= 0.5. The
temperature is chosen by validation F1 (ties: lower ECE); `test` and the PDF set are reported, never used to choose.
"""

from __future__ import annotations

import argparse
import json
import os

from common import SRC  # noqa: F401  (puts src/ on the path)

TEMPERATURES = (0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 1e9)  # 1e9: no retrieval prior
PDF_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")


def calibration(scores: list[float], correct: list[bool], bins: int = 10) -> dict[str, float]:
    """Expected calibration error (percentage points), accuracy and coverage at score >= 0.5."""
    n = len(scores)
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [i for i, s in enumerate(scores) if lo <= s < hi or (b == bins - 1 and s == 1.0)]
        if members:
            confidence = sum(scores[i] for i in members) / len(members)
            accuracy = sum(correct[i] for i in members) / len(members)
            ece += len(members) / n * abs(confidence - accuracy)
    confident = [c for s, c in zip(scores, correct) if s >= 0.5]
    return {
        "ECE": 100 * ece,
        "acc@0.5": 100 * sum(confident) / len(confident) if confident else float("nan"),
        "coverage@0.5": 100 * len(confident) / n,
    }


def sweep(qa, questions, golds, **call) -> dict[float, dict[str, float]]:
    """Top answers for every temperature from one forward pass per question: {temperature: figures}."""
    from bert_qa_reasoning.metrics import exact_match_score, f1_score

    # the pipeline answers through `_postprocess` (answers and their margins); wrapped on the instance
    original = qa._postprocess
    # keyed by question: the pipeline answers each question when its last window is read, not in call order. A
    # question read in bfloat16 and again in float32 (on a CPU with AMX) is recorded twice, float32's answers last.
    per_temperature: dict[float, dict[str, dict]] = {t: {} for t in TEMPERATURES}

    def postprocess(model_outputs, options):
        for t in TEMPERATURES:
            answers, _ = original(model_outputs, {**options, "retrieval_temperature": t})
            per_temperature[t][model_outputs["question"]] = (
                answers[0] if answers else {"answer": "", "score": 0.0, "page": None}
            )
        return original(model_outputs, options)

    qa._postprocess = postprocess
    try:
        qa(question=questions, top_k=1, batch_size=64, **call)
    finally:
        del qa._postprocess  # the class's method again
    out = {}
    for t, by_question in per_temperature.items():
        answers = [by_question[q] for q in questions]
        em = [any(exact_match_score(a["answer"], x) for x in g) for a, g in zip(answers, golds)]
        f1 = [max(f1_score(a["answer"], x) for x in g) for a, g in zip(answers, golds)]
        out[t] = {
            "EM": 100 * sum(em) / len(em),
            "F1": 100 * sum(f1) / len(f1),
            **calibration([a["score"] for a in answers], em),
            "_answers": answers,
        }
    return out


def table(
    title: str, results: dict[float, dict[str, float]], extra: dict[float, dict[str, float]] | None = None
):
    names = [k for k in next(iter(results.values())) if not k.startswith("_")]
    head = names + (list(next(iter(extra.values()))) if extra else [])
    print(f"\n{title}\n| temperature | " + " | ".join(head) + " |")
    print("|---" * (len(head) + 1) + "|")
    for t, r in results.items():
        cells = [f"{r[k]:.1f}" for k in names] + ([f"{v:.1f}" for v in extra[t].values()] if extra else [])
        print(f"| {'none (no prior)' if t >= 1e9 else t} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--squad", required=True)
    parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
    parser.add_argument("--limit", type=int, help="questions per split (a quick run)")
    parser.add_argument(
        "--splits",
        nargs="*",
        default=["validation", "test"],
        choices=["validation", "test"],
        help="SQuAD splits to run (choosing needs validation; none: the PDF set alone)",
    )
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args()

    from transformers import pipeline

    import bert_qa_reasoning
    from bert_qa_reasoning import load_pdf_qa
    from bert_qa_reasoning.metrics import f1_score
    from bert_qa_reasoning.squad import load_squad_split

    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())
    report = {}
    for split in args.splits:
        rows = load_squad_split(args.squad, split)[: args.limit]
        paragraphs = list(dict.fromkeys(r["context"] for r in rows))
        qa.attach_index(qa.build_index([{"text": p} for p in paragraphs]))
        results = sweep(qa, [r["question"] for r in rows], [r["answers"]["text"] for r in rows])
        gold = qa(question=[r["question"] for r in rows], context=[r["context"] for r in rows], batch_size=64)
        gold_f1 = (
            100
            * sum(max(f1_score(a[0]["answer"], x) for x in r["answers"]["text"]) for a, r in zip(gold, rows))
            / len(rows)
        )
        extra = {t: {"F1 / gold-paragraph F1 (%)": 100 * r["F1"] / gold_f1} for t, r in results.items()}
        table(
            f"SQuAD {split}: {len(rows)} questions over its {len(paragraphs)}-paragraph pool (gold-paragraph F1 "
            f"{gold_f1:.1f})",
            results,
            extra,
        )
        report[split] = {
            "gold_paragraph_f1": gold_f1,
            **{str(t): {k: v for k, v in r.items() if k != "_answers"} for t, r in results.items()},
        }
        if split == "validation":
            chosen = max(TEMPERATURES, key=lambda t: (round(results[t]["F1"], 1), -results[t]["ECE"]))
            print(f"chosen on validation: retrieval_temperature {chosen}")
            report["chosen"] = chosen

    with open(PDF_DATA, encoding="utf-8") as f:
        pdf_rows = [json.loads(line) for line in f if line.strip()]
    files = sorted({r["file"] for r in pdf_rows})
    passages = load_pdf_qa([os.path.join(args.pdfs, f) for f in files], name="passages")
    qa.attach_index(qa.build_index(passages))
    results = sweep(qa, [r["question"] for r in pdf_rows], [[r["answer"]] for r in pdf_rows])
    # the same questions given only their gold page's passages: reading the right page must never hurt
    on_page = {}
    texts = [p for p in passages]
    for t in TEMPERATURES:
        on_page[t] = []
    for row in pdf_rows:
        page = [p["text"] for p in texts if p["source"] == row["file"] and row["page"] in p["pages"]]
        page_results = sweep(qa, [row["question"]], [[row["answer"]]], pool=page)
        for t in TEMPERATURES:
            on_page[t].append(page_results[t]["F1"])
    extra = {}
    for t, r in results.items():
        right_page = [
            a.get("source") == row["file"] and a.get("page") == row["page"]
            for a, row in zip(r["_answers"], pdf_rows)
        ]
        extra[t] = {
            "right file and page": 100 * sum(right_page) / len(pdf_rows),
            "F1 given only the gold page": sum(on_page[t]) / len(on_page[t]),
        }
    table(
        f"PDF development set: {len(pdf_rows)} questions over {len(passages)} passages of {len(files)} PDFs",
        results,
        extra,
    )
    report["pdf"] = {
        str(t): {**{k: v for k, v in r.items() if k != "_answers"}, **extra[t]} for t, r in results.items()
    }
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
