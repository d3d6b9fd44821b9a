"""Windows built from passages tokenized once are the tokenizer's own overflow windows; the tokens travel with the
index and are checked against the tokenizer; the batched span decoder finds what `best_spans` finds."""

import random

import numpy as np
import pytest
import tokenizers
import torch

from bert_qa_reasoning import PassageIndex
from bert_qa_reasoning.features import best_spans, top_spans
from bert_qa_reasoning.windows import (
    PassageTokens,
    TokenCache,
    build_windows,
    pair_template,
    tokenizer_fingerprint,
)

TEXTS = [
    "The café Grüner Löwe in Zürich was founded by Anaïs Müller in 1932 — not 1923 — as Dvořák noted.",
    "彼は小学校の国語の教科書を使って日本語を勉強しました。北京大学は1898年に設立された中国の大学です。",
    "Роман «Война и мир» написал Лев Толстой в 1869 году.",
    "  Leading and trailing spaces, tabs\tand\nnewlines stay where they were.  ",
]
QUESTIONS = [
    "Who?",
    "Who founded the café in Zürich, and in which year did it open its doors to the public for the first time?",
    "小学校で何を使いましたか?",
]
# tokenizers 0.23.1-0.23.2 cut the overflow windows of long inputs short (huggingface/tokenizers#2091): there only
# the first window can be compared, and ours must still cover the whole passage.
SHORT_OVERFLOW = tokenizers.__version__ in ("0.23.1", "0.23.2")


def _long_text(seed: int) -> str:
    rng = random.Random(seed)
    words = "river flood council vote 1911 harbour Kestrel Bay dredged lighthouse Ada Morrow naïve 北京 (2) [56] —"
    words = words.split(" ")
    return " ".join(rng.choice(words) for _ in range(rng.randint(50, 900)))


@pytest.mark.parametrize("max_seq_len, stride", [(384, 128), (128, 32), (64, 0), (200, 100)])
def test_windows_are_the_tokenizers_own(tokenizer, max_seq_len, stride):
    template = pair_template(tokenizer)
    passages = TEXTS + [_long_text(seed) for seed in range(6)]
    tokens = PassageTokens.encode(passages, tokenizer)
    checked = 0
    for q in QUESTIONS:
        question_ids = tokenizer(q, add_special_tokens=False)["input_ids"]
        for p, text in enumerate(passages):
            ids, offsets = tokens.passage(p)
            if max_seq_len - template.num_special - len(question_ids) <= stride:
                with pytest.raises(ValueError, match="doc_stride"):
                    build_windows(question_ids, ids, offsets, template, max_seq_len, stride)
                continue
            ours = build_windows(question_ids, ids, offsets, template, max_seq_len, stride)
            theirs = tokenizer(
                q,
                text,
                truncation="only_second",
                max_length=max_seq_len,
                stride=stride,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
            )
            if SHORT_OVERFLOW:
                assert (
                    ours[-1].offsets[-1].tolist() == offsets[-1].tolist()
                )  # the passage's last token is read
                theirs = {k: v[:1] for k, v in theirs.items()} | {"sequence_ids": theirs.sequence_ids}
                ours = ours[:1]
            assert len(ours) == len(theirs["input_ids"])
            for w, window in enumerate(ours):
                assert window.input_ids.tolist() == list(theirs["input_ids"][w])
                assert window.token_type_ids.tolist() == list(theirs["token_type_ids"][w])
                sequence = theirs["sequence_ids"](w) if SHORT_OVERFLOW else theirs.sequence_ids(w)
                context = [k for k, s in enumerate(sequence) if s == 1]
                assert context[0] == window.context_start and len(context) == len(window.offsets)
                assert [tuple(theirs["offset_mapping"][w][k]) for k in context] == [
                    tuple(o) for o in window.offsets
                ]
                checked += 1
    assert checked > (20 if SHORT_OVERFLOW else 40)


def test_the_template_of_a_tokenizer_without_token_types(tokenizer, tmp_path):
    from transformers import AutoTokenizer

    tokenizer.save_pretrained(tmp_path)
    plain = AutoTokenizer.from_pretrained(tmp_path, model_input_names=["input_ids", "attention_mask"])
    template = pair_template(plain)
    assert template.types is None and template.num_special == 3
    (window,) = build_windows(
        [7, 8], np.array([1, 2, 3], np.uint16), np.zeros((3, 2), np.int32), template, 16, 2
    )
    assert window.token_type_ids is None and window.input_ids.tolist()[3:6] == [tokenizer.sep_token_id, 1, 2]


def test_tokens_are_compact_saved_with_the_index_and_checked(tokenizer, tmp_path):
    index = PassageIndex(TEXTS)
    tokens = index.passage_tokens(tokenizer)
    assert tokens.ids.dtype == np.uint16  # a 30,522-word vocabulary fits
    assert tokens.offsets.dtype == np.uint16  # so do offsets in passages under 65,536 characters
    long = PassageTokens.encode(["word " * 14000], tokenizer)  # 70,000 characters
    assert long.offsets.dtype == np.int32 and int(long.offsets.max()) > 65535
    assert index.passage_tokens(tokenizer) is tokens  # tokenized once
    index.save(str(tmp_path / "idx"))
    loaded = PassageIndex.load(str(tmp_path / "idx"))
    assert loaded.tokens is not None and loaded.tokens.fingerprint == tokenizer_fingerprint(tokenizer)
    for p in range(len(TEXTS)):
        for a, b in zip(loaded.tokens.passage(p), tokens.passage(p)):
            np.testing.assert_array_equal(a, b)
    # tokens of another tokenizer are not used: a different vocabulary gives a different fingerprint
    loaded.tokens.fingerprint = "0" * 16
    fresh = loaded.passage_tokens(tokenizer)
    assert fresh.fingerprint == tokenizer_fingerprint(tokenizer)


def test_the_token_cache_reuses_passages_by_text(tokenizer, monkeypatch):
    cache = TokenCache(size=3)
    first = cache.encode(["alpha beta", "gamma"], tokenizer)
    calls = []
    original = PassageTokens.encode.__func__
    monkeypatch.setattr(
        PassageTokens,
        "encode",
        classmethod(lambda cls, texts, tok: calls.append(list(texts)) or original(cls, texts, tok)),
    )
    again = cache.encode(["gamma", "alpha beta", "delta"], tokenizer)
    assert calls == [["delta"]]  # only the new passage is tokenized
    np.testing.assert_array_equal(again.passage(1)[0], first.passage(0)[0])
    cache.encode(["epsilon", "zeta"], tokenizer)
    assert len(cache._rows) == 3  # bounded


def test_top_spans_finds_what_best_spans_finds():
    rng = np.random.default_rng(0)
    batch, width = 6, 40
    start = rng.normal(size=(batch, width)).astype(np.float32)
    end = rng.normal(size=(batch, width)).astype(np.float32)
    context_start = np.array([5, 7, 3, 10, 20, 38])
    context_length = np.array([30, 2, 36, 25, 19, 1])
    scores, starts, ends = top_spans(
        torch.from_numpy(start), torch.from_numpy(end), torch.from_numpy(context_start),
        torch.from_numpy(context_length), n_best=20, max_answer_length=8,
    )  # fmt: skip
    for b in range(batch):
        offsets = [
            (k, k + 1) if context_start[b] <= k < context_start[b] + context_length[b] else None
            for k in range(width)
        ]
        expected = best_spans(start[b], end[b], offsets, 20, 8)
        got = [(int(s), int(e)) for s, e, v in zip(starts[b], ends[b], scores[b]) if torch.isfinite(v)]
        assert got == [(c.start_token, c.end_token) for c in expected]
        np.testing.assert_allclose(
            scores[b][torch.isfinite(scores[b])].numpy(), [c.score for c in expected], rtol=1e-6
        )
