"""How sure is a difference in SQuAD F1 between two models? A paired bootstrap over articles.

Reads the per-question answers that `train_compare.py --save-predictions` writes
(`<dir>/<variant>-<seed>-<split>.json`), scores every question with the official SQuAD v1.1 F1 (max over reference
answers), averages each question's F1 over the seeds of a variant, and resamples with replacement, two ways:
*articles* (our splits are drawn by article, so the questions of one article are not independent: this is the
uncertainty about another split of the same kind; each split holds only a few articles, so read it as rough) and
*questions* (the noise of these questions alone, given these articles). Prints the mean F1 difference B - A with a
95 % percentile interval and the share of resamples in which B is at least A.

    python benchmarks/paired_bootstrap.py --squad dev-v1.1.json --predictions runs/predictions --a hf --b ours-sdpa
"""

from __future__ import annotations

import argparse
import glob
import json
import os
from collections import defaultdict

import numpy as np
from common import SRC  # noqa: E402, F401  (puts src/ on the path)

from bert_qa_reasoning.metrics import f1_score  # noqa: E402
from bert_qa_reasoning.squad import load_squad_split  # noqa: E402


def per_question_f1(
    predictions_dir: str, variant: str, split: str, rows: list[dict]
) -> tuple[np.ndarray, int]:
    """F1 (0-100) of every question in `rows`, averaged over the seeds found for `variant`; and the seed count."""
    paths = sorted(glob.glob(os.path.join(predictions_dir, f"{variant}-*-{split}.json")))
    paths = [p for p in paths if os.path.basename(p)[len(variant) + 1 :].split("-")[0].isdigit()]
    if not paths:
        raise SystemExit(f"no predictions for {variant!r} on {split!r} in {predictions_dir}")
    scores = np.zeros(len(rows))
    for path in paths:
        with open(path) as f:
            answers = json.load(f)
        missing = [r["id"] for r in rows if r["id"] not in answers]
        if missing:
            raise SystemExit(f"{path}: no answer for {len(missing)} question(s), e.g. {missing[0]}")
        scores += [100.0 * max(f1_score(answers[r["id"]], g) for g in r["answers"]["text"]) for r in rows]
    return scores / len(paths), len(paths)


def cluster_bootstrap(diff: np.ndarray, clusters: list[str], resamples: int, seed: int) -> np.ndarray:
    """Mean of `diff` over questions, for `resamples` resamplings of whole clusters with replacement."""
    groups = defaultdict(list)
    for i, cluster in enumerate(clusters):
        groups[cluster].append(i)
    sums = np.array([diff[idx].sum() for idx in groups.values()])
    counts = np.array([len(idx) for idx in groups.values()])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(sums), size=(resamples, len(sums)))
    return sums[picks].sum(axis=1) / counts[picks].sum(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", required=True)
    parser.add_argument(
        "--predictions", required=True, help="directory of <variant>-<seed>-<split>.json files"
    )
    parser.add_argument("--a", default="hf")
    parser.add_argument("--b", default="ours-sdpa")
    parser.add_argument("--splits", nargs="+", default=["validation", "test"])
    parser.add_argument("--resamples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    per_split = []
    for split in args.splits:
        rows = load_squad_split(args.squad, split)
        f1_a, seeds_a = per_question_f1(args.predictions, args.a, split, rows)
        f1_b, seeds_b = per_question_f1(args.predictions, args.b, split, rows)
        per_split.append((split, rows, f1_a, seeds_a, f1_b, seeds_b))
    if len(per_split) > 1:  # every held-out article together
        per_split.append(
            (
                "+".join(args.splits),
                [row for _, rows, *_ in per_split for row in rows],
                np.concatenate([f1_a for _, _, f1_a, *_ in per_split]),
                per_split[0][3],
                np.concatenate([f1_b for *_, f1_b, _ in per_split]),
                per_split[0][5],
            )
        )
    for split, rows, f1_a, seeds_a, f1_b, seeds_b in per_split:
        diff = f1_b - f1_a
        titles = [r["title"] for r in rows]
        print(
            f"{split}: {len(rows)} questions, {len(set(titles))} articles; F1 {args.a} {f1_a.mean():.2f} "
            f"({seeds_a} seeds), {args.b} {f1_b.mean():.2f} ({seeds_b} seeds); {args.b} - {args.a} = "
            f"{diff.mean():+.2f}; questions where they differ: {(np.abs(diff) > 1e-9).sum()}"
        )
        for unit, clusters in (("articles", titles), ("questions", [r["id"] for r in rows])):
            boot = cluster_bootstrap(diff, clusters, args.resamples, args.seed)
            low, high = np.percentile(boot, [2.5, 97.5])
            print(
                f"    resampling {unit:9s}: 95 % interval [{low:+.2f}, {high:+.2f}], "
                f"P({args.b} >= {args.a}) {(boot >= 0).mean():.3f}"
            )


if __name__ == "__main__":
    main()
