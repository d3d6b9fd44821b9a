"""Model features for extractive QA and the post-processing from logits back to answer text.

`prepare_train_features` / `prepare_eval_features` are written for `datasets.Dataset.map(batched=True)`:
question + context, only the context truncated, long contexts split into windows of `max_length` tokens that
overlap by `doc_stride` tokens. `postprocess_qa_predictions` turns start/end logits back into answer text and
character offsets (n-best, max answer length, best over windows, optional null answer); `top_spans` finds the best
spans of a whole batch of windows at once, on the device where the logits are (the pipeline's decoder).

This file travels to the Hub beside the pipeline: it imports only the standard library, numpy and torch.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

DEFAULT_MAX_LENGTH = 384
DEFAULT_DOC_STRIDE = 128
IGNORE_INDEX = -100


def _check_columns(examples: Mapping[str, Any], needed: Sequence[str], where: str) -> None:
    missing = [c for c in needed if c not in examples]
    if missing:
        raise ValueError(
            f"{where}: missing column(s) {missing}; SQuAD-style rows need 'id', 'question', 'context' and "
            f"'answers' ({{'text': [...], 'answer_start': [...]}})."
        )


def _tokenize(examples, tokenizer, max_length: int, doc_stride: int, padding: bool | str):
    if tokenizer.padding_side != "right":
        raise ValueError("Feature preparation expects a tokenizer that pads on the right (question first).")
    if max_length <= doc_stride:
        raise ValueError(f"max_length ({max_length}) must be larger than doc_stride ({doc_stride}).")
    questions = [q.lstrip() for q in examples["question"]]
    return tokenizer(
        questions,
        examples["context"],
        truncation="only_second",
        max_length=max_length,
        stride=doc_stride,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        padding="max_length" if padding is True else (padding or False),
    )


def reasoning_label_id(value: Any, label2id: Mapping[str, int] | None, example_id: Any = None) -> int:
    """Maps a reasoning label (name, id, or None) to a class id; -100 for unlabelled examples."""
    if value is None or value == "" or value == IGNORE_INDEX:
        return IGNORE_INDEX
    if isinstance(value, (int, np.integer)):
        return int(value)
    if label2id is None or value not in label2id:
        known = list(label2id) if label2id else []
        raise ValueError(
            f"Example {example_id!r}: unknown reasoning label {value!r}; expected one of {known}."
        )
    return label2id[value]


def prepare_train_features(
    examples: Mapping[str, list],
    tokenizer,
    max_length: int = DEFAULT_MAX_LENGTH,
    doc_stride: int = DEFAULT_DOC_STRIDE,
    padding: bool | str = False,
    reasoning_label2id: Mapping[str, int] | None = None,
) -> dict[str, list]:
    """Training features: `input_ids`, `attention_mask`, (`token_type_ids`), `start_positions`, `end_positions`,
    `reasoning_labels`.

    Windows that do not contain the answer point both positions at the [CLS] token (index 0), as in SQuAD v2
    training. Every window of an example carries its reasoning label id (-100 when the example has none).

    Args:
        examples: a batch of SQuAD-style rows (`id`, `question`, `context`, `answers`, optional `reasoning_label`).
        tokenizer: a fast tokenizer (offset mappings are needed).
        max_length, doc_stride: window length and overlap in tokens.
        padding: `False` (dynamic padding by the collator) or `True`/`"max_length"`.
        reasoning_label2id: label name -> id (e.g. `model.config.reasoning_label2id`).

    Raises:
        `ValueError` naming the example id for answers that are not spans of their context or unknown labels.
    """
    _check_columns(examples, ("id", "question", "context", "answers"), "prepare_train_features")
    enc = _tokenize(examples, tokenizer, max_length, doc_stride, padding)
    sample_map = enc.pop("overflow_to_sample_mapping")
    offsets_all = enc.pop("offset_mapping")
    labels_col = examples.get("reasoning_label")
    starts, ends, reasoning = [], [], []
    for i, offsets in enumerate(offsets_all):
        ex = sample_map[i]
        example_id = examples["id"][ex]
        answers = examples["answers"][ex]
        reasoning.append(
            reasoning_label_id(
                labels_col[ex] if labels_col is not None else None, reasoning_label2id, example_id
            )
        )
        sequence_ids = enc.sequence_ids(i)
        cls_index = 0
        if not answers["text"]:
            starts.append(cls_index)
            ends.append(cls_index)
            continue
        start_char = int(answers["answer_start"][0])
        text = answers["text"][0]
        end_char = start_char + len(text)
        context = examples["context"][ex]
        if context[start_char:end_char] != text:
            raise ValueError(
                f"Example {example_id!r}: answer {text!r} is not the span context[{start_char}:{end_char}] "
                f"({context[start_char:end_char]!r}); fix answer_start or the answer text."
            )
        ctx_start = sequence_ids.index(1)
        ctx_end = len(sequence_ids) - 1 - sequence_ids[::-1].index(1)
        if offsets[ctx_start][0] > start_char or offsets[ctx_end][1] < end_char:
            starts.append(cls_index)
            ends.append(cls_index)
            continue
        token_start = ctx_start
        while token_start <= ctx_end and offsets[token_start][0] <= start_char:
            token_start += 1
        token_end = ctx_end
        while token_end >= ctx_start and offsets[token_end][1] >= end_char:
            token_end -= 1
        starts.append(token_start - 1)
        ends.append(token_end + 1)
    enc["start_positions"] = starts
    enc["end_positions"] = ends
    enc["reasoning_labels"] = reasoning
    return dict(enc)


def prepare_eval_features(
    examples: Mapping[str, list],
    tokenizer,
    max_length: int = DEFAULT_MAX_LENGTH,
    doc_stride: int = DEFAULT_DOC_STRIDE,
    padding: bool | str = False,
    reasoning_label2id: Mapping[str, int] | None = None,
) -> dict[str, list]:
    """Evaluation features: model inputs plus `example_id` and an `offset_mapping` that is `None` outside the
    context, so post-processing can map token spans back to context characters. `reasoning_labels` are kept (for
    the reasoning metrics) when the rows have them."""
    _check_columns(examples, ("id", "question", "context"), "prepare_eval_features")
    enc = _tokenize(examples, tokenizer, max_length, doc_stride, padding)
    sample_map = enc.pop("overflow_to_sample_mapping")
    labels_col = examples.get("reasoning_label")
    example_ids, reasoning = [], []
    for i in range(len(enc["input_ids"])):
        ex = sample_map[i]
        example_ids.append(examples["id"][ex])
        reasoning.append(
            reasoning_label_id(
                labels_col[ex] if labels_col is not None else None, reasoning_label2id, examples["id"][ex]
            )
        )
        sequence_ids = enc.sequence_ids(i)
        enc["offset_mapping"][i] = [
            tuple(o) if sequence_ids[k] == 1 else None for k, o in enumerate(enc["offset_mapping"][i])
        ]
    enc["example_id"] = example_ids
    enc["reasoning_labels"] = reasoning
    return dict(enc)


@dataclass
class SpanCandidate:
    """A candidate answer span inside one window."""

    start_char: int
    end_char: int
    score: float  # start logit + end logit (comparable across windows of the same model)
    start_token: int
    end_token: int


def best_spans(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    offsets: Sequence[tuple[int, int] | None],
    n_best: int = 20,
    max_answer_length: int = 30,
) -> list[SpanCandidate]:
    """The `n_best` highest-scoring valid spans of one window: start <= end, both inside the context, at most
    `max_answer_length` tokens long. Scores are raw `start + end` logits."""
    start_logits = np.asarray(start_logits, dtype=np.float32)
    end_logits = np.asarray(end_logits, dtype=np.float32)
    length = min(len(offsets), len(start_logits))
    valid = np.array([offsets[k] is not None for k in range(length)] + [False] * (len(start_logits) - length))
    if not valid.any():
        return []
    s = np.where(valid, start_logits, -np.inf)
    e = np.where(valid, end_logits, -np.inf)
    k = min(n_best, int(valid.sum()))
    start_idx = np.argsort(s)[::-1][:k]
    end_idx = np.argsort(e)[::-1][:k]
    out: list[SpanCandidate] = []
    for si in start_idx:
        for ei in end_idx:
            if ei < si or ei - si + 1 > max_answer_length or not valid[si] or not valid[ei]:
                continue
            out.append(
                SpanCandidate(
                    int(offsets[si][0]), int(offsets[ei][1]), float(s[si] + e[ei]), int(si), int(ei)
                )
            )
    out.sort(key=lambda c: c.score, reverse=True)
    return out[:n_best]


def top_spans(
    start_logits: torch.Tensor,
    end_logits: torch.Tensor,
    context_start: torch.Tensor,
    context_length: torch.Tensor,
    n_best: int = 20,
    max_answer_length: int = 30,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """`best_spans` for a whole batch of windows at once, on the logits' device.

    Args:
        start_logits, end_logits (`torch.Tensor` of shape `(B, T)`): the model's span logits.
        context_start, context_length (`torch.LongTensor` of shape `(B,)`): where each window's passage tokens
            are (the only positions an answer can start or end at).
        n_best (`int`): spans kept per window, from its `n_best` best starts and `n_best` best ends.
        max_answer_length (`int`): longest span, in tokens.

    Returns:
        `(scores, starts, ends)`, each of shape `(B, n_best)`, best first: raw `start + end` logits (`-inf` where a
        window has fewer valid spans) and token positions in the window. Only these cross to the host.
    """
    batch, width = start_logits.shape
    positions = torch.arange(width, device=start_logits.device)  # (T,)
    inside = (positions >= context_start[:, None]) & (
        positions < (context_start + context_length)[:, None]
    )  # (B, T)
    s = start_logits.float().masked_fill(~inside, float("-inf"))  # (B, T)
    e = end_logits.float().masked_fill(~inside, float("-inf"))  # (B, T)
    k = min(n_best, width)
    s_val, s_idx = s.topk(k, dim=1)  # (B, k)
    e_val, e_idx = e.topk(k, dim=1)  # (B, k)
    scores = s_val[:, :, None] + e_val[:, None, :]  # (B, k, k): start i with end j
    length = e_idx[:, None, :] - s_idx[:, :, None]  # (B, k, k)
    scores = scores.masked_fill((length < 0) | (length >= max_answer_length), float("-inf"))
    flat_val, flat = scores.reshape(batch, k * k).topk(min(n_best, k * k), dim=1)  # (B, n)
    starts = s_idx.gather(1, flat // k)  # (B, n)
    ends = e_idx.gather(1, flat % k)  # (B, n)
    return flat_val, starts, ends


def postprocess_qa_predictions(
    examples: Mapping[str, list] | Any,
    features: Mapping[str, list] | Any,
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    n_best_size: int = 20,
    max_answer_length: int = 30,
    version_2_with_negative: bool = False,
    null_score_diff_threshold: float = 0.0,
) -> dict[Any, dict[str, Any]]:
    """Best answer of every example, over all of its windows.

    Args:
        examples: rows (or columns) with `id` and `context`.
        features: the output of `prepare_eval_features` (`example_id`, `offset_mapping`).
        start_logits, end_logits: arrays of shape `(num_features, seq_len)`.
        n_best_size: spans considered per window.
        max_answer_length: longest answer in tokens.
        version_2_with_negative: allow the empty (null) answer when it beats the best span by
            `null_score_diff_threshold`.

    Returns:
        `{example_id: {"text", "start", "end", "score", "n_best"}}` with character offsets into the context.
    """
    ids = list(examples["id"])
    contexts = list(examples["context"])
    feature_ids = list(features["example_id"])
    offsets_all = list(features["offset_mapping"])
    if len(feature_ids) != len(start_logits):
        raise ValueError(
            f"postprocess_qa_predictions: {len(feature_ids)} features but {len(start_logits)} rows of logits."
        )
    by_example: dict[Any, list[int]] = collections.defaultdict(list)
    for i, ex_id in enumerate(feature_ids):
        by_example[ex_id].append(i)
    predictions: dict[Any, dict[str, Any]] = {}
    for ex_id, context in zip(ids, contexts):
        candidates: list[SpanCandidate] = []
        null_score = None
        for fi in by_example.get(ex_id, []):
            sl, el = np.asarray(start_logits[fi]), np.asarray(end_logits[fi])
            window_null = float(sl[0] + el[0])
            null_score = window_null if null_score is None else min(null_score, window_null)
            candidates.extend(best_spans(sl, el, offsets_all[fi], n_best_size, max_answer_length))
        candidates.sort(key=lambda c: c.score, reverse=True)
        n_best = [
            {
                "text": context[c.start_char : c.end_char],
                "start": c.start_char,
                "end": c.end_char,
                "score": c.score,
            }
            for c in candidates[:n_best_size]
        ]
        best = n_best[0] if n_best else {"text": "", "start": 0, "end": 0, "score": float("-inf")}
        if (
            version_2_with_negative
            and null_score is not None
            and null_score > best["score"] - null_score_diff_threshold
        ):
            best = {"text": "", "start": 0, "end": 0, "score": null_score}
        predictions[ex_id] = {**best, "n_best": n_best}
    return predictions


__all__ = [
    "DEFAULT_DOC_STRIDE",
    "DEFAULT_MAX_LENGTH",
    "IGNORE_INDEX",
    "SpanCandidate",
    "best_spans",
    "top_spans",
    "postprocess_qa_predictions",
    "prepare_eval_features",
    "prepare_train_features",
    "reasoning_label_id",
]
