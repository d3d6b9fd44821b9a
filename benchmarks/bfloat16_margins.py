"""Chooses the margins below which the pipeline's bfloat16 read is checked in float32, and measures what the mix
costs in answers and saves in time (CPU, the shipped reference model, 2 threads).

On a CPU that multiplies bfloat16 in hardware (Intel AMX), a float32 model reads in bfloat16 first, and questions
whose best two distinct answers are within `BFLOAT16_ANSWER_MARGIN` (log probability ratio), or whose best two
reasoning types within `BFLOAT16_REASONING_MARGIN` (logits), are read again in float32
(`pipeline_qa_with_reasoning`). For each set, this script reads every question twice, all float32 and all
bfloat16 (with each question's two margins), and prints, per pair of margins, the share read again, how many top
answers and reasoning types agree with all-float32 reading, EM/F1 against the gold answers, and the time the mix
would take (bfloat16 time plus the re-read share of float32 time).

Sets: SQuAD `validation` questions with their paragraphs (pairs), the same over the split's paragraph pool (the
default hybrid retrieval, re-ranked), and the 703 hand-written validation questions of the reasoning set with their
paragraphs; `--split test` reports the test split with the margins chosen (never tune on it).

    python benchmarks/bfloat16_margins.py --squad dev-v1.1.json [--split validation] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import math
import time

from common import SRC  # noqa: F401  (puts src/ on the path)

ANSWER_MARGINS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
REASONING_MARGINS = (0.0, 0.25, 0.5, 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--squad", required=True)
    parser.add_argument("--split", default="validation", choices=["validation", "test"])
    parser.add_argument("--sets", default="pairs,pool,hand", help="comma-separated: pairs, pool, hand")
    parser.add_argument("--limit", type=int, default=None, help="first N questions of each set")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="write every question's answers and margins here")
    args = parser.parse_args()

    import torch
    from transformers import pipeline

    import bert_qa_reasoning
    from bert_qa_reasoning import pipeline_qa_with_reasoning as module
    from bert_qa_reasoning.metrics import exact_match_score, f1_score
    from bert_qa_reasoning.reasoning import load_reasoning_questions
    from bert_qa_reasoning.squad import load_squad_split

    torch.set_num_threads(args.threads)
    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path(), fast_path=None)
    if not qa.cpu_bfloat16:
        raise SystemExit(
            "this CPU does not run the model's linear layers faster in bfloat16: nothing to measure"
        )
    squad = load_squad_split(args.squad, args.split)
    sets = {}
    if "pairs" in args.sets:
        sets["pairs"] = (squad, {"context": [r["context"] for r in squad]})
    if "pool" in args.sets:
        paragraphs = list(dict.fromkeys(r["context"] for r in squad))
        sets["pool"] = (squad, {"pool": paragraphs})
    if "hand" in args.sets and args.split == "validation":
        hand = load_reasoning_questions("validation")  # SQuAD-shaped rows
        sets["hand"] = (hand, {"context": [r["context"] for r in hand]})

    grabbed: list = []
    answer_groups = qa._answer_groups

    def grab(*call):  # keeps the margins list of the bfloat16 read
        answer_groups(*call)
        if call[-1] is not None:
            grabbed.append(list(call[-1]))

    qa._answer_groups = grab
    report = {}
    for name, (rows, extra) in sets.items():
        rows = rows[: args.limit] if args.limit else rows
        extra = {k: (v[: args.limit] if k == "context" and args.limit else v) for k, v in extra.items()}
        questions = [r["question"] for r in rows]
        # a few questions first, outside the timing: the first calls make the index, caches and the bfloat16 copy
        warm = {k: (v[:8] if k == "context" else v) for k, v in extra.items()}
        qa.cpu_bfloat16 = False
        qa(question=questions[:8], batch_size=64, **warm)
        start = time.perf_counter()
        full = qa(question=questions, batch_size=64, **extra)
        seconds_fp32 = time.perf_counter() - start
        qa.cpu_bfloat16 = True
        names = ("BFLOAT16_ANSWER_MARGIN", "BFLOAT16_RERANKED_ANSWER_MARGIN", "BFLOAT16_REASONING_MARGIN")
        saved = {constant: getattr(module, constant) for constant in names}
        for constant in names:
            setattr(module, constant, -math.inf)  # nothing read again
        qa(question=questions[:8], batch_size=64, **warm)
        grabbed.clear()
        start = time.perf_counter()
        half = qa(question=questions, batch_size=64, **extra)
        seconds_bf16 = time.perf_counter() - start
        for constant, value in saved.items():
            setattr(module, constant, value)
        margins = grabbed[0]

        def top(answers):
            return (answers[0]["answer"], answers[0]["reasoning"]) if answers else ("", "")

        a32 = [top(a) for a in full]
        a16 = [top(a) for a in half]
        golds = [r["answers"]["text"] for r in rows]
        print(
            f"\n## {name}: {len(rows)} questions ({args.split}); float32 {len(rows) / seconds_fp32:.1f} q/s, "
            f"bfloat16 {len(rows) / seconds_bf16:.1f} q/s"
        )
        print(
            "| answer margin | reasoning margin | read again | same answer | same reasoning | EM | F1 | "
            "q/s (estimate) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        em32 = 100 * sum(max(exact_match_score(a[0], g) for g in gs) for a, gs in zip(a32, golds)) / len(rows)
        f132 = 100 * sum(max(f1_score(a[0], g) for g in gs) for a, gs in zip(a32, golds)) / len(rows)
        table = []
        for am in ANSWER_MARGINS:
            for rm in REASONING_MARGINS:
                again = [m is not None and (m[0] < am or m[1] < rm) for m in margins]
                mixed = [x if r else y for x, y, r in zip(a32, a16, again)]
                same_answer = sum(m[0] == x[0] for m, x in zip(mixed, a32))
                same_reasoning = sum(m[1] == x[1] for m, x in zip(mixed, a32))
                em = 100 * sum(max(exact_match_score(a[0], g) for g in gs) for a, gs in zip(mixed, golds))
                f1 = 100 * sum(max(f1_score(a[0], g) for g in gs) for a, gs in zip(mixed, golds))
                share = sum(again) / len(rows)
                rate = len(rows) / (seconds_bf16 + share * seconds_fp32)
                table.append(
                    {
                        "answer_margin": am,
                        "reasoning_margin": rm,
                        "read_again": share,
                        "same_answer": same_answer,
                        "same_reasoning": same_reasoning,
                        "em": em / len(rows),
                        "f1": f1 / len(rows),
                        "qps_estimate": rate,
                    }
                )
                print(
                    f"| {am} | {rm} | {100 * share:.1f} % | {same_answer} ({100 * same_answer / len(rows):.2f} %) | "
                    f"{same_reasoning} ({100 * same_reasoning / len(rows):.2f} %) | {em / len(rows):.2f} | "
                    f"{f1 / len(rows):.2f} | {rate:.1f} |"
                )
        print(
            f"| float32 only | | 100 % | {len(rows)} | {len(rows)} | {em32:.2f} | {f132:.2f} | {len(rows) / seconds_fp32:.1f} |"
        )
        # the margins the pipeline ships (the re-ranked questions of a pool have their own answer margin)
        again = [m is not None and module._close(*m) for m in margins]
        mixed = [x if r else y for x, y, r in zip(a32, a16, again)]
        shipped = {
            "answer_margin": module.BFLOAT16_ANSWER_MARGIN,
            "reranked_answer_margin": module.BFLOAT16_RERANKED_ANSWER_MARGIN,
            "reasoning_margin": module.BFLOAT16_REASONING_MARGIN,
            "read_again": sum(again) / len(rows),
            "same_answer": sum(m[0] == x[0] for m, x in zip(mixed, a32)),
            "same_reasoning": sum(m[1] == x[1] for m, x in zip(mixed, a32)),
            "em": sum(max(exact_match_score(a[0], g) for g in gs) for a, gs in zip(mixed, golds))
            / len(rows)
            * 100,
            "f1": sum(max(f1_score(a[0], g) for g in gs) for a, gs in zip(mixed, golds)) / len(rows) * 100,
        }
        print(
            f"shipped margins (answer {shipped['answer_margin']}, re-ranked {shipped['reranked_answer_margin']}, "
            f"reasoning {shipped['reasoning_margin']}): read again {100 * shipped['read_again']:.1f} %, same answer "
            f"{shipped['same_answer']} ({100 * shipped['same_answer'] / len(rows):.2f} %), same reasoning "
            f"{shipped['same_reasoning']}, EM {shipped['em']:.2f}, F1 {shipped['f1']:.2f} (float32: {em32:.2f} / "
            f"{f132:.2f})"
        )
        # the pipeline itself with the shipped margins (re-reads in their own batches), against all-float32
        start = time.perf_counter()
        real = qa(question=questions, batch_size=64, **extra)
        pipeline_qps = shipped["pipeline_qps"] = len(rows) / (time.perf_counter() - start)
        shipped["pipeline_same_answer"] = sum(top(a) == x for a, x in zip(real, a32))
        score_diffs = [abs(a[0]["score"] - b[0]["score"]) for a, b in zip(real, full) if a and b]
        shipped["pipeline_max_score_diff"] = max(score_diffs, default=0.0)
        shipped["pipeline_median_score_diff"] = (
            sorted(score_diffs)[len(score_diffs) // 2] if score_diffs else 0.0
        )
        print(
            f"the pipeline with the shipped margins: {pipeline_qps:.1f} q/s, same top "
            f"answer and reasoning as all-float32 for {shipped['pipeline_same_answer']} of {len(rows)}; top scores "
            f"differ by {shipped['pipeline_median_score_diff']:.4f} (median), {shipped['pipeline_max_score_diff']:.4f} "
            "(max)"
        )
        changed = [
            {"question": r["question"], "float32": x, "bfloat16": y, "margins": m}
            for r, x, y, m in zip(rows, a32, a16, margins)
            if x != y
        ]
        report[name] = {
            "questions": len(rows),
            "seconds_float32": seconds_fp32,
            "seconds_bfloat16": seconds_bf16,
            "table": table,
            "shipped": shipped,
            "changed": changed,
            "margins": margins,
        }
        print(
            f"{len(changed)} questions answer differently in bfloat16 alone; their margins (answer, reasoning):"
        )
        for c in changed[:40]:
            print(f"  {c['margins'][0]:.3f} {c['margins'][1]:.3f}  {c['float32']} -> {c['bfloat16']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
