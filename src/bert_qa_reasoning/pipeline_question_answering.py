"""The `question-answering` pipeline that transformers 5.3 removed, back for any extractive-QA checkpoint.

`import bert_qa_reasoning` registers it, so code written for transformers 4.x runs unchanged:

    qa = pipeline("question-answering", model="distilbert-base-cased-distilled-squad")
    qa(question="Who?", context="...")                       # -> {"score", "start", "end", "answer"}
    qa(question=["q1", "q2"], context=["c1", "c2"], top_k=3)  # pairs -> a list of lists

It takes 4.x's call forms (question/context keywords, `{"question", "context"}` dicts and lists of them, two
positional strings, generators, `datasets.Dataset` / `KeyDataset`), its options (`top_k`, `doc_stride`,
`max_answer_len`, `max_seq_len`, `max_question_len`, `handle_impossible_answer`, `align_to_words`, `padding`) and its
outputs (a dict for one answer, a list for `top_k > 1`). Spans are decoded as 4.x decodes them: per window, softmax
of the start and end logits over the context tokens, the product of the two over spans of at most `max_answer_len`
tokens, aligned to words; the null answer is the lowest [CLS] score over the windows.

Three of 4.x's known behaviours are changed on purpose:
- an answer found in several overlapping windows kept the *sum* of its scores in 4.x, which can exceed 1
  (transformers #26286); here it keeps its best window's score. (Inside one window, token spans that align to the
  same words are one answer and their probabilities add up, as in 4.x.)
- 4.x could return fewer than `top_k` answers once duplicates were merged (#38984); here more candidates are taken
  until `top_k` distinct answers are found or the windows have no more.
- each window was its own softmax in 4.x, so spans of different windows were not comparable and a window with no
  answer in it could win with a high score; here a long context is one softmax over all its windows (a context
  that fits one window scores as in 4.x).

For retrieval over passage pools, provenance and reasoning types, use the `qa-with-reasoning` pipeline.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
from transformers.pipelines.base import ChunkPipeline


def normalize_inputs(*args, **kwargs) -> list[dict[str, str]] | Any:
    """4.x's call forms -> a list of `{"question", "context"}` dicts (or the generator / dataset itself).

    `question` and `context` lists of the same length are pairs; a list of questions with one context string asks
    each question of it. Raises `ValueError` for anything else, naming what was given.
    """
    question, context = kwargs.get("question"), kwargs.get("context")
    if args:
        if len(args) == 1:
            inputs = args[0]
        elif len(args) == 2 and all(isinstance(a, str) for a in args):
            inputs = [{"question": args[0], "context": args[1]}]
        else:
            inputs = list(args)
    elif "X" in kwargs or "data" in kwargs:
        inputs = kwargs.get("X", kwargs.get("data"))
    elif question is not None and context is not None:
        if isinstance(question, list) and isinstance(context, str):
            inputs = [{"question": q, "context": context} for q in question]
        elif isinstance(question, list) and isinstance(context, list):
            if len(question) != len(context):
                raise ValueError(
                    f"question-answering: {len(question)} questions and {len(context)} contexts; question and "
                    "context lists are pairs and must have the same length."
                )
            inputs = [{"question": q, "context": c} for q, c in zip(question, context)]
        elif isinstance(question, str) and isinstance(context, str):
            inputs = [{"question": question, "context": context}]
        else:
            raise ValueError(
                f"question-answering: question must be a string or a list of strings and context a string or a list "
                f"of strings; got {type(question).__name__} and {type(context).__name__}."
            )
    else:
        raise ValueError(
            "question-answering: give question=... and context=..., or {'question', 'context'} dicts."
        )
    if isinstance(inputs, (types.GeneratorType, torch.utils.data.Dataset)):
        return inputs  # items are checked one by one in preprocess
    if isinstance(inputs, dict):
        inputs = [inputs]
    elif isinstance(inputs, Iterable) and not isinstance(inputs, str):
        inputs = list(inputs)
    else:
        raise ValueError(
            f"question-answering: cannot read {type(inputs).__name__} as question/context inputs."
        )
    return [_example(item) for item in inputs]


def _example(item: Any) -> dict[str, str]:
    if hasattr(item, "question_text") and hasattr(item, "context_text"):  # a 4.x SquadExample
        item = {"question": item.question_text, "context": item.context_text}
    if not isinstance(item, dict):
        raise ValueError(f"question-answering: {item!r} must be a dict with 'question' and 'context'.")
    for key in ("question", "context"):
        if key not in item:
            raise KeyError("You need to provide a dictionary with keys {question:..., context:...}")
        if item[key] is None:
            raise ValueError(f"`{key}` cannot be None")
        if isinstance(item[key], str) and not item[key]:
            raise ValueError(f"`{key}` cannot be empty")
    return {"question": item["question"], "context": item["context"]}


def masked_logits(start_logits: np.ndarray, end_logits: np.ndarray, allowed: np.ndarray):
    """Logits with the tokens an answer may not use set to -10000 (as 4.x masks them), both `(T,)`."""
    return np.where(allowed, start_logits, -10000.0), np.where(allowed, end_logits, -10000.0)


def log_normalizer(logits: list[np.ndarray]) -> float:
    """log sum exp over every window's masked logits: one softmax over the whole context."""
    joined = np.concatenate(logits).astype(np.float64)
    top = joined.max()
    return float(top + np.log(np.exp(joined - top).sum()))


def span_scores(
    start_logits: np.ndarray,
    end_logits: np.ndarray,
    allowed: np.ndarray,
    max_answer_len: int,
    normalizers: tuple[float, float] | None = None,
) -> tuple[np.ndarray, float]:
    """Span probabilities of one window.

    Args:
        start_logits, end_logits (`np.ndarray` of shape `(T,)`): the model's logits.
        allowed (`np.ndarray` of shape `(T,)`, bool): tokens an answer may use (the context, and [CLS]).
        max_answer_len (`int`): the longest span in tokens.
        normalizers (`(float, float)`, *optional*): log normalizers of the start and end softmax over all windows
            (`log_normalizer`); without them each window is its own softmax, as in 4.x.

    Returns:
        `(scores, null)`: scores `(T, T)` with `scores[s, e] = p_start[s] * p_end[e]` for `s <= e < s +
        max_answer_len` (0 elsewhere, and 0 for spans through position 0), and the null score `p_start[0] * p_end[0]`.
    """
    masked_start, masked_end = masked_logits(start_logits, end_logits, allowed)
    if normalizers is None:
        p_start = np.exp(masked_start - masked_start.max())
        p_start /= p_start.sum()
        p_end = np.exp(masked_end - masked_end.max())
        p_end /= p_end.sum()
    else:
        p_start = np.exp(masked_start.astype(np.float64) - normalizers[0]).astype(np.float32)
        p_end = np.exp(masked_end.astype(np.float64) - normalizers[1]).astype(np.float32)
    null = float(p_start[0] * p_end[0])
    p_start[0] = p_end[0] = 0.0  # [CLS] is the null answer, never a span
    outer = np.outer(p_start, p_end)  # (T, T)
    return np.tril(np.triu(outer), max_answer_len - 1), null


def best_spans(scores: np.ndarray, allowed: np.ndarray, k: int) -> list[tuple[int, int, float]]:
    """The `k` best `(start, end, score)` of a `(T, T)` span-score matrix, best first, both ends allowed tokens
    (position 0 counts as allowed, as in 4.x; its spans score 0)."""
    flat = scores.ravel()
    k = min(k, flat.size)
    top = np.argpartition(-flat, k - 1)[:k] if k < flat.size else np.arange(flat.size)
    top = top[np.argsort(-flat[top], kind="stable")]
    width = scores.shape[1]
    ok = allowed.copy()
    ok[0] = True
    out = []
    for index in top:
        s, e = divmod(int(index), width)
        if ok[s] and ok[e]:
            out.append((s, e, float(flat[index])))
    return out


class QuestionAnsweringPipeline(ChunkPipeline):
    """Extractive question answering with any `AutoModelForQuestionAnswering` checkpoint, as transformers 4.x's
    `question-answering` pipeline did (see the module docstring for the call forms, options and the two bugs fixed).
    """

    # 4.x's behaviour, for comparing with it: the same answer from overlapping windows adds up (#26286), and each
    # window is its own softmax.
    sum_duplicates_across_windows = False
    per_window_softmax = False

    _load_processor = False
    _load_image_processor = False
    _load_feature_extractor = False
    _load_tokenizer = True

    def _sanitize_parameters(
        self,
        padding=None,
        topk=None,
        top_k=None,
        doc_stride=None,
        max_answer_len=None,
        max_seq_len=None,
        max_question_len=None,
        handle_impossible_answer=None,
        align_to_words=None,
        **kwargs,
    ):
        preprocess = {}
        for name, value in (
            ("padding", padding),
            ("doc_stride", doc_stride),
            ("max_question_len", max_question_len),
            ("max_seq_len", max_seq_len),
        ):
            if value is not None:
                preprocess[name] = value
        postprocess = {}
        if topk is not None and top_k is None:
            top_k = topk
        if top_k is not None:
            if top_k < 1:
                raise ValueError(f"top_k parameter should be >= 1 (got {top_k})")
            postprocess["top_k"] = top_k
        if max_answer_len is not None:
            if max_answer_len < 1:
                raise ValueError(f"max_answer_len parameter should be >= 1 (got {max_answer_len}")
            postprocess["max_answer_len"] = max_answer_len
        if handle_impossible_answer is not None:
            postprocess["handle_impossible_answer"] = handle_impossible_answer
        if align_to_words is not None:
            postprocess["align_to_words"] = align_to_words
        return preprocess, {}, postprocess

    def __call__(self, *args, **kwargs):
        """Answers question(s) from context(s); returns a dict (one answer) or a list (several), per input.

        Beyond 4.x: `context=` a list *of lists* gives each question a pool of passages to search, and `pool=[...]`
        one pool for all; those answers come from the `qa-with-reasoning` pipeline on the same model, with its
        extras (passage, source, page, reasoning type and evidence), in 4.x's shapes."""
        context = kwargs.get("context")
        pooled = "pool" in kwargs or (
            isinstance(context, list) and bool(context) and all(isinstance(c, (list, tuple)) for c in context)
        )
        if pooled and not args:
            return self._pooled(**kwargs)
        examples = normalize_inputs(*args, **kwargs)
        kwargs = {k: v for k, v in kwargs.items() if k not in ("question", "context", "X", "data")}
        if isinstance(examples, list) and len(examples) == 1:
            return super().__call__(examples[0], **kwargs)
        return super().__call__(examples, **kwargs)

    def _pooled(self, question=None, top_k: int = 1, **kwargs):
        from .pipeline_qa_with_reasoning import QAWithReasoningPipeline

        if getattr(self, "_reader", None) is None:
            self._reader = QAWithReasoningPipeline(
                model=self.model, tokenizer=self.tokenizer, device=self.device
            )
        results = self._reader(question=question, top_k=top_k, **kwargs)
        per_question = [results] if isinstance(question, str) else results
        shaped = [answers[0] if top_k == 1 and answers else answers for answers in per_question]
        return shaped[0] if isinstance(question, str) else shaped

    def preprocess(
        self, example, padding="do_not_pad", doc_stride=None, max_question_len=64, max_seq_len=None
    ):
        example = _example(example)
        if max_seq_len is None:
            max_seq_len = min(self.tokenizer.model_max_length, 384)
        if doc_stride is None:
            doc_stride = min(max_seq_len // 2, 128)  # 4.x: the stride follows max_seq_len when not given
        if doc_stride > max_seq_len:
            raise ValueError(f"`doc_stride` ({doc_stride}) is larger than `max_seq_len` ({max_seq_len})")
        question_first = self.tokenizer.padding_side == "right"
        encoded = self.tokenizer(
            text=example["question"] if question_first else example["context"],
            text_pair=example["context"] if question_first else example["question"],
            padding=padding,
            truncation="only_second" if question_first else "only_first",
            max_length=max_seq_len,
            stride=doc_stride,
            return_token_type_ids=True,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            return_special_tokens_mask=True,
        )
        windows = len(encoded["input_ids"])
        names = self.tokenizer.model_input_names
        for w in range(windows):
            ids = encoded["input_ids"][w]
            # 1 = cannot be in the answer: with the question first, everything but the context; [CLS] stays open.
            p_mask = [int(seq != 1) if question_first else 0 for seq in encoded.sequence_ids(w)]
            if self.tokenizer.cls_token_id is not None:
                for i, token in enumerate(ids):
                    if token == self.tokenizer.cls_token_id:
                        p_mask[i] = 0
            item = {
                name: torch.tensor([encoded[name][w]], dtype=torch.long)
                for name in (*names, "token_type_ids")
                if name in encoded
            }
            item["p_mask"] = torch.tensor([p_mask], dtype=torch.long)
            yield {**item, "example": example, "encoding": encoded[w], "is_last": w == windows - 1}

    def _forward(self, inputs):
        model_inputs = {k: inputs[k] for k in self.tokenizer.model_input_names if k in inputs}
        output = self.model(**model_inputs)
        start, end = (
            (output["start_logits"], output["end_logits"]) if isinstance(output, dict) else output[:2]
        )
        return {"start": start, "end": end, **inputs}

    def postprocess(
        self, model_outputs, top_k=1, handle_impossible_answer=False, max_answer_len=15, align_to_words=True
    ):
        read = []
        for output in model_outputs:
            start = output["start"].float().numpy()[0]  # (T,)
            end = output["end"].float().numpy()[0]  # (T,)
            allowed = np.array(output["p_mask"])[0] == 0  # (T,)
            if output.get("attention_mask") is not None:
                allowed &= np.array(output["attention_mask"])[0].astype(bool)
            read.append((start, end, allowed, output))
        normalizers = None
        if not self.per_window_softmax and len(read) > 1:  # one softmax over the windows: their spans compare
            masked = [masked_logits(s, e, a) for s, e, a, _ in read]
            normalizers = (log_normalizer([m[0] for m in masked]), log_normalizer([m[1] for m in masked]))
        windows = []
        null = 1000000.0
        for start, end, allowed, output in read:
            scores, window_null = span_scores(start, end, allowed, max_answer_len, normalizers)
            null = min(null, window_null)  # the null answer: the lowest over the windows, as 4.x
            offset = 0
            if self.tokenizer.padding_side == "left":  # batched windows padded on the left shift every index
                offset = int((np.array(output["input_ids"])[0] == self.tokenizer.pad_token_id).sum())
            windows.append((scores, allowed, output, offset))
        pre_k = top_k * 2 + 10 if align_to_words else top_k
        while True:
            answers = self._answers(windows, pre_k, align_to_words)
            exhausted = all(pre_k >= s.size for s, *_ in windows)
            if len(answers) >= top_k or exhausted:
                break
            pre_k *= 4  # 4.x stopped here with fewer than top_k answers (#38984)
        if handle_impossible_answer:
            answers.append({"score": null, "start": 0, "end": 0, "answer": ""})
        answers = sorted(answers, key=lambda a: a["score"], reverse=True)[:top_k]
        return answers[0] if len(answers) == 1 else answers

    def _answers(self, windows, k: int, align_to_words: bool) -> list[dict[str, Any]]:
        """Distinct answers over the windows. Inside a window, token spans that align to the same text are one
        answer and their probabilities add up (as in 4.x); across windows, which overlap, the same answer keeps its
        best window's score (4.x added those too, past 1: #26286)."""
        merged: dict[str, dict[str, Any]] = {}
        question_first = self.tokenizer.padding_side == "right"
        for scores, allowed, output, offset in windows:
            context = output["example"]["context"]
            window: dict[str, dict[str, Any]] = {}
            for s, e, score in best_spans(scores, allowed, k):
                start, end = self._chars(
                    output["encoding"], s - offset, e - offset, 1 if question_first else 0, align_to_words
                )
                text = context[start:end]
                key = text.lower()
                if key in window:
                    window[key]["score"] += score
                else:
                    window[key] = {"score": score, "start": start, "end": end, "answer": text}
            for key, answer in window.items():
                if key in merged and self.sum_duplicates_across_windows:
                    merged[key]["score"] += answer["score"]
                elif key not in merged or answer["score"] > merged[key]["score"]:
                    merged[key] = answer
        return list(merged.values())

    @staticmethod
    def _chars(encoding, s: int, e: int, sequence_index: int, align_to_words: bool) -> tuple[int, int]:
        """Character offsets of tokens s..e in the context: whole words when `align_to_words`, token offsets
        otherwise (and for tokenizers without words, as for CJK text)."""
        if align_to_words:
            try:
                start_word, end_word = encoding.token_to_word(s), encoding.token_to_word(e)
                return (
                    encoding.word_to_chars(start_word, sequence_index=sequence_index)[0],
                    encoding.word_to_chars(end_word, sequence_index=sequence_index)[1],
                )
            except Exception:  # words unknown to this tokenizer: keep to token offsets
                pass
        return encoding.offsets[s][0], encoding.offsets[e][1]


__all__ = ["QuestionAnsweringPipeline", "best_spans", "normalize_inputs", "span_scores"]
