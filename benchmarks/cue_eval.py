"""How often `reasoning_evidence` finds the cue that the hand-labelled reasoning questions mark.

For every causal and comparative question of one part, the evidence is computed from the passage, the gold answer
span and the gold type; a found cue counts as right when it overlaps the marked cue.

    python benchmarks/cue_eval.py --split validation
"""

from __future__ import annotations

import argparse

from common import SRC  # noqa: F401  (puts src/ on the path)

from bert_qa_reasoning.evidence import reasoning_evidence
from bert_qa_reasoning.reasoning import load_reasoning_questions


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=["train", "validation"], default="validation")
    args = parser.parse_args()
    print(
        f"| {args.split} | questions | a cue found | overlaps the marked cue | marked cue in the answer's sentence |"
    )
    print("|---|---|---|---|---|")
    for label in ("causal", "comparative"):
        rows = [r for r in load_reasoning_questions(args.split) if r["reasoning_label"] == label]
        found = hit = inside = 0
        for r in rows:
            start = r["answers"]["answer_start"][0]
            end = start + len(r["answers"]["text"][0])
            evidence = reasoning_evidence(r["context"], start, end, label)
            cue, gold, sentence = evidence["cue"], r["cue"], evidence["sentence"]
            found += cue is not None
            hit += cue is not None and cue["start"] < gold["end"] and gold["start"] < cue["end"]
            inside += sentence["start"] <= gold["start"] and gold["end"] <= sentence["end"]
        n = len(rows)
        print(
            f"| {label} | {n} | {100 * found / n:.0f} % | {100 * hit / n:.0f} % | {100 * inside / n:.0f} % |"
        )


if __name__ == "__main__":
    main()
