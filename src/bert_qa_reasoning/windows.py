"""Question + passage windows built from passages tokenized once.

A pipeline call used to run the tokenizer on every (question, passage) pair it read. Passages are read again and
again, so they are tokenized once, when they are indexed (`PassageTokens`, stored compactly and saved with the
index), and a question's windows are put together from its own token ids and the passage's: the special tokens of
the tokenizer's pair template, then the same windows as the tokenizer's own `truncation="only_second"`,
`return_overflowing_tokens=True` with a stride (`build_windows`; `tests/test_windows.py` checks they are identical).

This file travels to the Hub beside the pipeline: it imports only the standard library and numpy.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def tokenizer_fingerprint(tokenizer) -> str:
    """A hash of what decides a tokenizer's ids and offsets (its full serialisation for fast tokenizers), kept on
    the tokenizer so it is computed once."""
    cached = tokenizer.__dict__.get("_bqr_fingerprint")
    if cached is not None:
        return cached
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        state = backend.to_str()
    else:  # a slow tokenizer: its class, vocabulary and casing
        vocab = sorted(tokenizer.get_vocab().items())
        state = f"{type(tokenizer).__name__}|{getattr(tokenizer, 'do_lower_case', None)}|{vocab}"
    fingerprint = hashlib.sha256(state.encode("utf-8")).hexdigest()[:16]
    tokenizer.__dict__["_bqr_fingerprint"] = fingerprint
    return fingerprint


@dataclass(frozen=True)
class PairTemplate:
    """Where a tokenizer puts its special tokens around a (question, passage) pair: `prefix + question + middle +
    passage + suffix` (BERT: `[CLS] q [SEP] p [SEP]`; RoBERTa: `<s> q </s></s> p </s>`), with their token type ids
    (`None` for a tokenizer without them)."""

    prefix: tuple[int, ...]
    middle: tuple[int, ...]
    suffix: tuple[int, ...]
    types: tuple[int, int, int, int, int] | None  # prefix, question, middle, passage, suffix

    @property
    def num_special(self) -> int:
        return len(self.prefix) + len(self.middle) + len(self.suffix)


def pair_template(tokenizer) -> PairTemplate:
    """The tokenizer's pair template, read off the encoding of a probe pair (any model family)."""
    cached = tokenizer.__dict__.get("_bqr_pair_template")
    if cached is not None:
        return cached
    enc = tokenizer("a", "b", return_token_type_ids=True)
    ids, seq = enc["input_ids"], enc.sequence_ids()
    first_q, last_q = seq.index(0), len(seq) - 1 - seq[::-1].index(0)
    first_p, last_p = seq.index(1), len(seq) - 1 - seq[::-1].index(1)
    types = None
    if "token_type_ids" in enc and "token_type_ids" in tokenizer.model_input_names:
        tt = enc["token_type_ids"]
        types = (
            tt[0] if first_q > 0 else tt[first_q],
            tt[first_q],
            tt[last_q + 1] if first_p > last_q + 1 else tt[first_p],
            tt[first_p],
            tt[last_p + 1] if last_p + 1 < len(tt) else tt[last_p],
        )
    template = PairTemplate(
        prefix=tuple(ids[:first_q]),
        middle=tuple(ids[last_q + 1 : first_p]),
        suffix=tuple(ids[last_p + 1 :]),
        types=types,
    )
    tokenizer.__dict__["_bqr_pair_template"] = template
    return template


class PassageTokens:
    """Token ids and character offsets of a pool's passages, tokenized once without special tokens.

    Stored flat: `ids` (`(N,)` uint16 when the vocabulary fits, else uint32), `offsets` (`(N, 2)`, characters in the
    passage: uint16 when every passage is shorter than 65,536 characters, else int32), `starts` (`(P + 1,)` int64:
    passage p's tokens are `ids[starts[p]:starts[p + 1]]`).
    `fingerprint` is the tokenizer's (`tokenizer_fingerprint`): tokens saved with one tokenizer are not used with
    another.
    """

    def __init__(self, ids: np.ndarray, offsets: np.ndarray, starts: np.ndarray, fingerprint: str):
        self.ids, self.offsets, self.starts, self.fingerprint = ids, offsets, starts, fingerprint

    def __len__(self) -> int:
        return len(self.starts) - 1

    @classmethod
    def encode(cls, texts: Sequence[str], tokenizer, batch_size: int = 1024) -> PassageTokens:
        """Tokenizes `texts` in batches (one call per batch; fast tokenizers use their threads)."""
        dtype = np.uint16 if len(tokenizer) <= np.iinfo(np.uint16).max + 1 else np.uint32
        ids, offsets, lengths = [], [], [0]
        for s in range(0, len(texts), batch_size):
            enc = tokenizer(
                list(texts[s : s + batch_size]),
                add_special_tokens=False,
                return_offsets_mapping=True,
                return_attention_mask=False,
                return_token_type_ids=False,
            )
            for row_ids, row_offsets in zip(enc["input_ids"], enc["offset_mapping"]):
                ids.append(np.asarray(row_ids, dtype=dtype))
                offsets.append(np.asarray(row_offsets, dtype=np.int32).reshape(-1, 2))
                lengths.append(len(row_ids))
        flat_offsets = np.concatenate(offsets) if offsets else np.zeros((0, 2), np.int32)
        if not flat_offsets.size or flat_offsets.max() <= np.iinfo(np.uint16).max:
            flat_offsets = flat_offsets.astype(np.uint16)  # half the memory: offsets are most of it
        return cls(
            np.concatenate(ids) if ids else np.zeros(0, dtype),
            flat_offsets,
            np.cumsum(lengths, dtype=np.int64),
            tokenizer_fingerprint(tokenizer),
        )

    def passage(self, p: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids `(n,)`, offsets `(n, 2)`) of passage `p`."""
        a, b = self.starts[p], self.starts[p + 1]
        return self.ids[a:b], self.offsets[a:b]

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.offsets.nbytes + self.starts.nbytes

    def tensors(self) -> dict[str, np.ndarray]:
        return {"tok.ids": self.ids, "tok.offsets": self.offsets, "tok.starts": self.starts}

    @classmethod
    def from_tensors(cls, tensors: dict, fingerprint: str) -> PassageTokens:
        def array(name):
            t = tensors[name]
            return t.numpy() if hasattr(t, "numpy") else np.asarray(t)

        ids = array("tok.ids")
        return cls(ids, array("tok.offsets"), array("tok.starts").astype(np.int64), fingerprint)


class TokenCache:
    """Tokens of ad-hoc passages (`context=` pools and pairs), by text, for the last `size` distinct passages."""

    def __init__(self, size: int = 4096):
        self.size = size
        self._rows: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def encode(self, texts: Sequence[str], tokenizer) -> PassageTokens:
        fingerprint = tokenizer_fingerprint(tokenizer)
        keys = [(fingerprint, hashlib.sha1(t.encode("utf-8")).hexdigest()) for t in texts]
        rows = {k: self._rows[k] for k in keys if k in self._rows}
        missing = {k: t for k, t in zip(keys, texts) if k not in rows}
        if missing:
            fresh = PassageTokens.encode(list(missing.values()), tokenizer)
            rows.update({k: fresh.passage(j) for j, k in enumerate(missing)})
        for k in keys:  # most recently used last; the oldest beyond `size` leave
            self._rows[k] = rows[k]
            self._rows.move_to_end(k)
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)
        ordered = [rows[k] for k in keys]
        dtype = np.uint16 if len(tokenizer) <= np.iinfo(np.uint16).max + 1 else np.uint32
        return PassageTokens(
            np.concatenate([r[0] for r in ordered]) if ordered else np.zeros(0, dtype),
            np.concatenate([r[1].astype(np.int32) for r in ordered])
            if ordered
            else np.zeros((0, 2), np.int32),
            np.cumsum([0] + [len(r[0]) for r in ordered], dtype=np.int64),
            fingerprint,
        )


@dataclass
class Window:
    """One model input: `input_ids` (and `token_type_ids`), the passage tokens it holds (`context_start`: where they
    begin in `input_ids`; `offsets` `(n, 2)`: their characters in the passage)."""

    input_ids: np.ndarray
    token_type_ids: np.ndarray | None
    context_start: int
    offsets: np.ndarray


def build_windows(
    question_ids: Sequence[int],
    passage_ids: np.ndarray,
    passage_offsets: np.ndarray,
    template: PairTemplate,
    max_seq_len: int,
    stride: int,
) -> list[Window]:
    """The windows of one (question, passage) pair, as the tokenizer's own `truncation="only_second"` overflow with
    `stride` makes them: passage chunks of `max_seq_len - len(question) - specials` tokens, each starting `stride`
    tokens before the previous one ended.

    Raises:
        `ValueError`: when the question leaves no room for the passage, or no room beyond the stride.
    """
    question_ids = list(question_ids)
    budget = max_seq_len - template.num_special - len(question_ids)
    if budget <= stride:
        raise ValueError(
            f"max_seq_len {max_seq_len} leaves {budget} passage tokens per window after the question "
            f"({len(question_ids)} tokens) and special tokens, which must be more than doc_stride ({stride}); "
            "raise max_seq_len or lower doc_stride or max_question_len."
        )
    head = np.asarray([*template.prefix, *question_ids, *template.middle], dtype=np.int64)
    tail = np.asarray(template.suffix, dtype=np.int64)
    head_types = tail_types = None
    if template.types is not None:
        t_prefix, t_question, t_middle, t_passage, t_suffix = template.types
        head_types = np.asarray(
            [t_prefix] * len(template.prefix)
            + [t_question] * len(question_ids)
            + [t_middle] * len(template.middle),
            dtype=np.int64,
        )
        tail_types = np.full(len(tail), t_suffix, dtype=np.int64)
    windows = []
    n, start = len(passage_ids), 0
    while True:
        chunk = passage_ids[start : start + budget].astype(np.int64)
        ids = np.concatenate([head, chunk, tail])
        types = None
        if head_types is not None:
            types = np.concatenate([head_types, np.full(len(chunk), t_passage, dtype=np.int64), tail_types])
        windows.append(Window(ids, types, len(head), passage_offsets[start : start + budget]))
        if start + budget >= n:
            return windows
        start += budget - stride


__all__ = [
    "PairTemplate",
    "PassageTokens",
    "TokenCache",
    "Window",
    "build_windows",
    "pair_template",
    "tokenizer_fingerprint",
]
