"""SQuAD v1.1 exact match / F1 (official normalisation, max over reference answers) and reasoning metrics."""

from __future__ import annotations

import collections
import re
import string
from collections.abc import Mapping, Sequence

_PUNCT = set(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lower-case, strip punctuation, articles (a/an/the) and extra whitespace — the official SQuAD v1.1 rule."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match_score(prediction: str, ground_truth: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(ground_truth))


def f1_score(prediction: str, ground_truth: str) -> float:
    pred_tokens = normalize_answer(prediction).split()
    truth_tokens = normalize_answer(ground_truth).split()
    common = collections.Counter(pred_tokens) & collections.Counter(truth_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(truth_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_scores(
    predictions: Mapping[str, str], references: Mapping[str, Sequence[str]], strict: bool = True
) -> dict[str, float]:
    """Exact match and F1 in percent, each the max over an example's reference answers.

    Args:
        strict: raise when a reference has no prediction (the default); with `strict=False` a missing prediction
            scores 0, as the official SQuAD script and `evaluate`'s `squad` metric count it.

    Raises:
        `ValueError` when `strict` and a reference id has no prediction (naming the first missing ids).
    """
    missing = [k for k in references if k not in predictions]
    if missing and strict:
        raise ValueError(f"No prediction for {len(missing)} example(s), e.g. {missing[:3]}.")
    if not references:
        raise ValueError("squad_scores: no references given.")
    em = f1 = 0.0
    for qid, golds in references.items():
        if qid not in predictions:
            continue  # non-strict: a missing prediction scores 0
        pred = predictions[qid]
        golds = list(golds) or [""]
        em += max(exact_match_score(pred, g) for g in golds)
        f1 += max(f1_score(pred, g) for g in golds)
    n = len(references)
    return {"exact_match": 100.0 * em / n, "f1": 100.0 * f1 / n, "num_examples": n}


def classification_scores(
    predictions: Sequence[int], labels: Sequence[int], num_classes: int
) -> dict[str, float]:
    """Accuracy and macro-F1 (percent) over the labelled examples (labels of -100 are skipped)."""
    pairs = [(int(p), int(y)) for p, y in zip(predictions, labels) if int(y) != -100]
    if not pairs:
        return {"reasoning_accuracy": float("nan"), "reasoning_macro_f1": float("nan")}
    accuracy = sum(p == y for p, y in pairs) / len(pairs)
    f1s = []
    for c in range(num_classes):
        tp = sum(p == c and y == c for p, y in pairs)
        fp = sum(p == c and y != c for p, y in pairs)
        fn = sum(p != c and y == c for p, y in pairs)
        if tp + fp + fn == 0:
            continue  # class absent from both: not part of the macro average
        f1s.append(2 * tp / (2 * tp + fp + fn))
    return {"reasoning_accuracy": 100.0 * accuracy, "reasoning_macro_f1": 100.0 * sum(f1s) / len(f1s)}


def qa_with_reasoning_scores(
    predictions: Mapping[str, str],
    references: Mapping[str, Sequence[str]],
    reasoning_predictions: Sequence[int] | None = None,
    reasoning_labels: Sequence[int] | None = None,
    num_reasoning_classes: int = 3,
    strict: bool = True,
) -> dict[str, float]:
    """EM/F1 plus reasoning accuracy and macro-F1 and the count of examples (`strict` as for `squad_scores`)."""
    scores = squad_scores(predictions, references, strict=strict)
    if reasoning_predictions is not None and reasoning_labels is not None:
        scores.update(classification_scores(reasoning_predictions, reasoning_labels, num_reasoning_classes))
    return scores


def metrics_path() -> str:
    """Directory of the local `evaluate` module: `evaluate.load(metrics_path())` needs no Hub."""
    import os

    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "squad_with_reasoning")


__all__ = [
    "classification_scores",
    "exact_match_score",
    "f1_score",
    "metrics_path",
    "normalize_answer",
    "qa_with_reasoning_scores",
    "squad_scores",
]
