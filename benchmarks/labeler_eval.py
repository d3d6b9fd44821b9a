"""The rule-based labeler (`label_question`) against the hand-labelled reasoning questions.

Prints accuracy, per-class precision/recall and the confusion matrix for one part of the shipped set. Rules may
be changed only by looking at `--split train`; `validation` is reported, never tuned on.

    python benchmarks/labeler_eval.py --split validation [--with-context] [--errors 20]
"""

from __future__ import annotations

import argparse
import collections

from common import SRC  # noqa: F401  (puts src/ on the path)

from bert_qa_reasoning.reasoning import REASONING_LABELS, label_question, load_reasoning_questions


def confusion_report(gold: list[str], pred: list[str], title: str) -> str:
    """Accuracy, per-class recall/precision and the confusion matrix (rows: gold, columns: predicted) as Markdown."""
    labels = list(REASONING_LABELS)
    matrix = collections.Counter(zip(gold, pred))
    accuracy = 100 * sum(g == p for g, p in zip(gold, pred)) / len(gold)
    lines = [f"{title}: accuracy {accuracy:.1f} % on {len(gold)} questions", ""]
    lines.append("| gold \\ predicted | " + " | ".join(labels) + " | recall | precision |")
    lines.append("|---" * (len(labels) + 3) + "|")
    f1s = []
    for label in labels:
        row = [matrix[(label, p)] for p in labels]
        support = sum(row)
        predicted = sum(matrix[(g, label)] for g in labels)
        recall = 100 * matrix[(label, label)] / support if support else 0.0
        precision = 100 * matrix[(label, label)] / predicted if predicted else 0.0
        f1s.append(2 * recall * precision / (recall + precision) if recall + precision else 0.0)
        lines.append(f"| {label} | " + " | ".join(map(str, row)) + f" | {recall:.1f} | {precision:.1f} |")
    lines.append("")
    lines.append(f"macro-F1 {sum(f1s) / len(f1s):.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=["train", "validation"], default="validation")
    parser.add_argument(
        "--with-context", action="store_true", help="give the labeler the passage and answer too"
    )
    parser.add_argument("--errors", type=int, default=0, help="print this many misclassified questions")
    args = parser.parse_args()
    rows = load_reasoning_questions(args.split)
    pred = [
        label_question(r["question"], r["context"], r["answers"])
        if args.with_context
        else label_question(r["question"])
        for r in rows
    ]
    gold = [r["reasoning_label"] for r in rows]
    print(confusion_report(gold, pred, f"label_question on the hand-labelled {args.split} part"))
    shown = 0
    for r, p in zip(rows, pred):
        if p != r["reasoning_label"] and shown < args.errors:
            print(f"  gold {r['reasoning_label']:11s} got {p:11s} {r['question']}")
            shown += 1


if __name__ == "__main__":
    main()
