"""Passage retrieval: BM25, dense (mean pooling), the seed's pooled-[CLS] cosine, and a hybrid of BM25 + dense.

A `PassageIndex` embeds a passage pool once (batched, on the encoder's device) and keeps it; it saves to a
directory (`embeddings.safetensors`, `passages.parquet` — JSON lines where pyarrow is missing —, `index_config.json`) and refuses an encoder other than the
one it was built with. Search is brute force on the device (`torch.topk` over a matrix product), which stays fast
to about a million passages; beyond that, `faiss` can be used through `search_faiss` when it is installed.

This file travels to the Hub beside the pipeline: standard library, torch and transformers only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from .windows import PassageTokens, tokenizer_fingerprint

logger = logging.getLogger(__name__)

RETRIEVERS = ("cls", "dense", "bm25", "hybrid")
DEFAULT_RETRIEVER = "hybrid"
INDEX_CONFIG = "index_config.json"
INDEX_EMBEDDINGS = "embeddings.safetensors"
INDEX_PASSAGES = "passages.parquet"  # written with pyarrow (a dependency of datasets)
INDEX_PASSAGES_JSONL = "passages.jsonl"  # the fallback where pyarrow is missing, and older indexes

_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)
_TOKEN = re.compile(r"\w+", re.UNICODE)


def bm25_tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without English stopwords, with a light plural/suffix folding."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in _STOPWORDS:
            continue
        if len(tok) > 4 and tok.endswith("ies"):
            tok = tok[:-3] + "y"
        elif len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out


class BM25:
    """Okapi BM25 (Lucene idf) over an inverted index held as torch tensors.

    Args:
        k1, b: the usual BM25 parameters (defaults chosen on our SQuAD `validation` split by
            `benchmarks/retrieval_sweep.py`).
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.num_docs = 0
        self.postings_doc: torch.Tensor = torch.empty(0, dtype=torch.long)
        self.postings_weight: torch.Tensor = torch.empty(0)
        self.offsets: torch.Tensor = torch.zeros(1, dtype=torch.long)

    def fit(self, texts: Sequence[str]) -> BM25:
        docs = [Counter(bm25_tokenize(t)) for t in texts]
        self.num_docs = len(docs)
        lengths = torch.tensor([sum(d.values()) for d in docs], dtype=torch.float32)
        avg_len = float(lengths.mean()) if len(docs) else 1.0
        postings: dict[str, list[tuple[int, int]]] = {}
        for doc_id, counts in enumerate(docs):
            for term, tf in counts.items():
                postings.setdefault(term, []).append((doc_id, tf))
        self.vocab = {term: i for i, term in enumerate(postings)}
        doc_ids, weights, offsets = [], [], [0]
        for term in self.vocab:
            plist = postings[term]
            df = len(plist)
            idf = math.log(1.0 + (self.num_docs - df + 0.5) / (df + 0.5))
            for doc_id, tf in plist:
                norm = self.k1 * (1 - self.b + self.b * float(lengths[doc_id]) / max(avg_len, 1e-6))
                doc_ids.append(doc_id)
                weights.append(idf * tf * (self.k1 + 1) / (tf + norm))
            offsets.append(len(doc_ids))
        self.postings_doc = torch.tensor(doc_ids, dtype=torch.long)
        self.postings_weight = torch.tensor(weights, dtype=torch.float32)
        self.offsets = torch.tensor(offsets, dtype=torch.long)
        return self

    def scores(self, queries: Sequence[str]) -> torch.Tensor:
        """(Q, N) BM25 scores."""
        out = torch.zeros(len(queries), self.num_docs)
        for qi, query in enumerate(queries):
            for term in set(bm25_tokenize(query)):
                t = self.vocab.get(term)
                if t is None:
                    continue
                lo, hi = int(self.offsets[t]), int(self.offsets[t + 1])
                out[qi].index_add_(0, self.postings_doc[lo:hi], self.postings_weight[lo:hi])
        return out

    def state_dict(self) -> dict[str, Any]:
        return {
            "k1": self.k1,
            "b": self.b,
            "vocab": list(self.vocab),
            "num_docs": self.num_docs,
        }

    def tensors(self) -> dict[str, torch.Tensor]:
        return {
            "bm25.postings_doc": self.postings_doc,
            "bm25.postings_weight": self.postings_weight,
            "bm25.offsets": self.offsets,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> BM25:
        bm25 = cls(state["k1"], state["b"])
        bm25.vocab = {term: i for i, term in enumerate(state["vocab"])}
        bm25.num_docs = state["num_docs"]
        bm25.postings_doc = tensors["bm25.postings_doc"]
        bm25.postings_weight = tensors["bm25.postings_weight"]
        bm25.offsets = tensors["bm25.offsets"]
        return bm25


# ------------------------------------------------------------------------------------------------------------------
# Encoders
# ------------------------------------------------------------------------------------------------------------------
def _base_encoder(model):
    """The bare encoder of a QA model (`model.bert`), or the model itself."""
    prefix = getattr(model, "base_model_prefix", "")
    return getattr(model, prefix, model) if prefix else model


def encoder_fingerprint(encoder) -> str:
    """Identifies an encoder's weights: name, shape and a checksum of its word embeddings."""
    encoder = _base_encoder(encoder)
    emb = encoder.get_input_embeddings().weight
    with torch.no_grad():
        probe = emb[:: max(1, emb.shape[0] // 64), :64].detach().float().cpu().flatten()
    digest = hashlib.sha256(repr([round(x, 3) for x in probe.tolist()]).encode()).hexdigest()[:16]
    return f"{type(encoder).__name__}:{tuple(emb.shape)}:{digest}"


@torch.no_grad()
def embed_texts(
    texts: Sequence[str],
    encoder,
    tokenizer,
    pooling: str | Sequence[str] = "mean",
    batch_size: int = 64,
    max_length: int = 256,
    show_progress: bool = False,
) -> torch.Tensor | dict[str, torch.Tensor]:
    """L2-normalised embeddings (N, C) of `texts`: mean of the last hidden states over real tokens (`"mean"`), or the
    pooled [CLS] output (`"cls"`). Runs in batches on the encoder's device. With several poolings (`("mean",
    "cls")`), one pass of the encoder gives all of them, as a dict by pooling."""
    poolings = [pooling] if isinstance(pooling, str) else list(pooling)
    encoder = _base_encoder(encoder)
    device = next(encoder.parameters()).device
    was_training = encoder.training
    encoder.eval()
    chunks: dict[str, list[torch.Tensor]] = {p: [] for p in poolings}
    starts = range(0, len(texts), batch_size)
    if show_progress:
        try:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=f"embedding ({', '.join(poolings)})", unit="batch")
        except ImportError:
            pass
    # sort by length so each batch pads little
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.no_grad():
        for s in starts:
            batch = [texts[i] for i in order[s : s + batch_size]]
            enc = tokenizer(
                batch, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
            ).to(device)
            out = encoder(**enc)
            for p in poolings:
                if p == "cls":
                    pooled = (
                        out.pooler_output
                        if getattr(out, "pooler_output", None) is not None
                        else out.last_hidden_state[:, 0]
                    )  # (B, C)
                else:
                    mask = enc["attention_mask"].unsqueeze(-1).to(out.last_hidden_state.dtype)  # (B, T, 1)
                    pooled = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1)  # (B, C)
                chunks[p].append(F.normalize(pooled.float(), dim=-1))
    encoder.train(was_training)
    inverse = torch.empty(len(order), dtype=torch.long)
    inverse[torch.tensor(order, dtype=torch.long)] = torch.arange(len(order))
    result = {p: torch.cat(c)[inverse.to(c[0].device)] if c else torch.empty(0, 0) for p, c in chunks.items()}
    return result[poolings[0]] if isinstance(pooling, str) else result


def _minmax(x: torch.Tensor) -> torch.Tensor:
    lo = x.min(dim=-1, keepdim=True).values
    hi = x.max(dim=-1, keepdim=True).values
    return (x - lo) / (hi - lo).clamp(min=1e-6)


def _zscore(x: torch.Tensor) -> torch.Tensor:
    return (x - x.mean(dim=-1, keepdim=True)) / x.std(dim=-1, keepdim=True).clamp(min=1e-6)


def _reciprocal_rank(x: torch.Tensor, k: int = 60) -> torch.Tensor:
    ranks = torch.empty_like(x)
    ranks.scatter_(
        -1, x.argsort(dim=-1, descending=True), torch.arange(x.shape[-1], dtype=x.dtype).expand_as(x)
    )
    return 1.0 / (k + 1 + ranks)


FUSIONS = {"minmax": _minmax, "zscore": _zscore, "rrf": _reciprocal_rank}
# Chosen on our SQuAD `validation` split (benchmarks/retrieval_sweep.py): recall@1 83.6 there.
DEFAULT_HYBRID_WEIGHT = 0.3
DEFAULT_HYBRID_METHOD = "zscore"


def combine_hybrid(
    bm25_scores: torch.Tensor,
    dense_scores: torch.Tensor,
    weight: float = DEFAULT_HYBRID_WEIGHT,
    method: str = DEFAULT_HYBRID_METHOD,
) -> torch.Tensor:
    """Hybrid score per query over the pool: `weight * norm(bm25) + (1 - weight) * norm(dense)`.

    `method` picks `norm`: `"minmax"` (scaled to [0, 1]), `"zscore"` (standardised), or `"rrf"` (reciprocal rank,
    1 / (61 + rank)).
    """
    if method not in FUSIONS:
        raise ValueError(f"Unknown hybrid fusion {method!r}; choose from {sorted(FUSIONS)}.")
    norm = FUSIONS[method]
    return weight * norm(bm25_scores) + (1 - weight) * norm(dense_scores.to(bm25_scores.device).float())


class PassageIndex:
    """A passage pool with its retrieval structures, built once and searched many times.

    Args:
        passages: dicts with at least `text` (optional `id`, `source`, `page`, ...) — or plain strings.
        retrievers: which structures to build (`bm25`, `dense`, `cls`; `hybrid` needs `bm25` and `dense`).
        hybrid_weight: BM25's share of the hybrid score (default 0.3, chosen on our SQuAD `validation` split).
        hybrid_method: how each side is normalised before mixing: `"zscore"` (default), `"minmax"` or `"rrf"`.
        allow_empty: keep empty passages in place (an ad-hoc pool whose ids are list positions); they score lowest
            and are never read.

    Use `build` to embed the pool; `save`/`load` to keep it.
    """

    def __init__(
        self,
        passages: Sequence[dict | str],
        hybrid_weight: float = DEFAULT_HYBRID_WEIGHT,
        hybrid_method: str = DEFAULT_HYBRID_METHOD,
        allow_empty: bool = False,
    ):
        if hybrid_method not in FUSIONS:
            raise ValueError(f"Unknown hybrid_method {hybrid_method!r}; choose from {sorted(FUSIONS)}.")
        if not 0.0 <= hybrid_weight <= 1.0:
            raise ValueError(f"hybrid_weight must be in [0, 1] (BM25's share), got {hybrid_weight!r}.")
        if not passages:
            raise ValueError("PassageIndex: the passage pool is empty; give at least one passage.")
        rows = []
        for i, p in enumerate(passages):
            row = {"text": p} if isinstance(p, str) else dict(p)
            if not isinstance(row.get("text"), str) or not (row["text"].strip() or allow_empty):
                raise ValueError(f"PassageIndex: passage {i} has no text (got {row.get('text')!r}).")
            row.setdefault("id", str(i))
            rows.append(row)
        self.passages = rows
        self.hybrid_weight = hybrid_weight
        self.hybrid_method = hybrid_method
        self.bm25: BM25 | None = None
        self.embeddings: dict[str, torch.Tensor] = {}
        self.meta: dict[str, Any] = {}
        self.tokens: PassageTokens | None = (
            None  # the readers' tokens of every passage (see `passage_tokens`)
        )

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def texts(self) -> list[str]:
        return [p["text"] for p in self.passages]

    def passage_tokens(self, tokenizer) -> PassageTokens:
        """Every passage's token ids and offsets for `tokenizer`, tokenized once (at build time, or on first use)
        and kept with the index; tokens stored for another tokenizer (its fingerprint differs) are replaced."""
        if self.tokens is None or self.tokens.fingerprint != tokenizer_fingerprint(tokenizer):
            if self.tokens is not None:
                logger.info(
                    "passage index: stored tokens belong to another tokenizer; tokenizing the passages again"
                )
            self.tokens = PassageTokens.encode(self.texts, tokenizer)
        return self.tokens

    @classmethod
    def build(
        cls,
        passages: Sequence[dict | str] | Any,
        encoder=None,
        tokenizer=None,
        retrievers: Sequence[str] = ("bm25", "dense", "cls"),
        dense_encoder=None,
        dense_tokenizer=None,
        batch_size: int = 64,
        max_length: int = 256,
        hybrid_weight: float = DEFAULT_HYBRID_WEIGHT,
        hybrid_method: str = DEFAULT_HYBRID_METHOD,
        show_progress: bool = True,
    ) -> PassageIndex:
        """Builds the index.

        Args:
            passages: strings, dicts, or the builder's `passages` dataset (its `source`/`page` travel along).
            encoder, tokenizer: the QA model (or its encoder) — used for `cls`, and for `dense` unless
                `dense_encoder` is given.
            retrievers: structures to build.
            dense_encoder, dense_tokenizer: any sentence-embedding checkpoint (already loaded) for `dense`.
        """
        if hasattr(passages, "column_names"):  # a datasets.Dataset
            passages = passages.to_list()
        index = cls(passages, hybrid_weight=hybrid_weight, hybrid_method=hybrid_method)
        unknown = set(retrievers) - set(RETRIEVERS)
        if unknown:
            raise ValueError(f"Unknown retriever(s) {sorted(unknown)}; choose from {list(RETRIEVERS)}.")
        texts = index.texts
        if "bm25" in retrievers or "hybrid" in retrievers:
            index.bm25 = BM25().fit(texts)
        dense_enc = dense_encoder or encoder
        dense_tok = dense_tokenizer or tokenizer
        want_dense = "dense" in retrievers or "hybrid" in retrievers
        want_cls = "cls" in retrievers
        if want_dense and (dense_enc is None or dense_tok is None):
            raise ValueError("PassageIndex.build: the dense retriever needs an encoder and its tokenizer.")
        if want_cls and (encoder is None or tokenizer is None):
            raise ValueError("PassageIndex.build: the cls retriever needs the QA model and its tokenizer.")
        # Each encoder runs once over the passages: the QA model's one pass gives both poolings when it serves both.
        passes: list[tuple[Any, Any, list[str]]] = []
        if want_dense and want_cls and dense_enc is encoder and dense_tok is tokenizer:
            passes.append((encoder, tokenizer, ["mean", "cls"]))
        else:
            if want_dense:
                passes.append((dense_enc, dense_tok, ["mean"]))
            if want_cls:
                passes.append((encoder, tokenizer, ["cls"]))
        for enc, tok, poolings in passes:
            pooled = embed_texts(texts, enc, tok, poolings, batch_size, max_length, show_progress)
            for pooling, vectors in pooled.items():
                index.embeddings["dense" if pooling == "mean" else "cls"] = vectors
        if want_dense:
            index.meta["dense_encoder"] = encoder_fingerprint(dense_enc)
            index.meta["dense_encoder_name"] = getattr(
                getattr(_base_encoder(dense_enc), "config", None), "_name_or_path", ""
            )
        if want_cls:
            index.meta["cls_encoder"] = encoder_fingerprint(encoder)
        if tokenizer is not None:  # the reader's tokens, so questions tokenize only themselves
            index.passage_tokens(tokenizer)
        index.meta.update(
            {
                "max_length": max_length,
                "hybrid_weight": hybrid_weight,
                "hybrid_method": hybrid_method,
                "retrievers": sorted(
                    set(retrievers)
                    | ({"hybrid"} if index.bm25 is not None and "dense" in index.embeddings else set())
                ),
            }
        )
        return index

    @property
    def available(self) -> list[str]:
        out = []
        if "cls" in self.embeddings:
            out.append("cls")
        if "dense" in self.embeddings:
            out.append("dense")
        if self.bm25 is not None:
            out.append("bm25")
            if "dense" in self.embeddings:
                out.append("hybrid")
        return out

    def check_encoder(self, kind: str, encoder) -> None:
        """Raises `ValueError` when `encoder` is not the one the index's `kind` embeddings were built with."""
        expected = self.meta.get(f"{kind}_encoder")
        if expected is not None and encoder is not None and encoder_fingerprint(encoder) != expected:
            raise ValueError(
                f"This passage index's {kind!r} embeddings were built with another encoder ({expected}); rebuild the "
                "index with this model (bert-qa-reasoning index ...), or pass the matching retriever_model."
            )

    def scores(
        self,
        questions: Sequence[str],
        retriever: str,
        encoder=None,
        tokenizer=None,
        dense_encoder=None,
        dense_tokenizer=None,
    ) -> torch.Tensor:
        """(Q, N) scores of every passage for every question (higher is better)."""
        if retriever not in RETRIEVERS:
            raise ValueError(f"Unknown retriever {retriever!r}; choose from {list(RETRIEVERS)}.")
        if retriever not in self.available:
            raise ValueError(
                f"This index has no {retriever!r} retriever; it was built with {self.available}."
            )
        if retriever == "bm25":
            return self.bm25.scores(questions)
        if retriever == "cls":
            self.check_encoder("cls", encoder)
            q = embed_texts(questions, encoder, tokenizer, "cls", max_length=self.meta.get("max_length", 256))
            return (q @ self.embeddings["cls"].to(q.device).T).float().cpu()
        enc, tok = (dense_encoder, dense_tokenizer) if dense_encoder is not None else (encoder, tokenizer)
        self.check_encoder("dense", enc)
        q = embed_texts(questions, enc, tok, "mean", max_length=self.meta.get("max_length", 256))
        dense = (q @ self.embeddings["dense"].to(q.device).T).float().cpu()
        if retriever == "dense":
            return dense
        return combine_hybrid(self.bm25.scores(questions), dense, self.hybrid_weight, self.hybrid_method)

    def search(
        self, questions: Sequence[str], retriever: str, top_k: int = 5, **encoders
    ) -> list[list[dict]]:
        """Per question, `[{"passage_id", "score"}]` best first."""
        scores = self.scores(questions, retriever, **encoders)
        k = min(top_k, scores.shape[1])
        values, indices = torch.topk(scores, k, dim=1)
        return [
            [{"passage_id": int(i), "score": float(v)} for v, i in zip(vals.tolist(), idx.tolist())]
            for vals, idx in zip(values, indices)
        ]

    def search_faiss(self, query_embeddings: torch.Tensor, kind: str = "dense", top_k: int = 5):
        """Inner-product search with FAISS (`pip install faiss-cpu`) for pools beyond ~1M passages."""
        try:
            import faiss
        except ImportError as exc:
            raise ImportError("search_faiss needs faiss: pip install faiss-cpu") from exc
        emb = self.embeddings[kind].float().cpu().numpy()
        index = faiss.IndexFlatIP(emb.shape[1])
        index.add(emb)
        return index.search(query_embeddings.float().cpu().numpy(), top_k)

    # -------------------------------------------------------------------------------------------------------------
    def save(self, directory: str) -> None:
        """Writes the index to `directory` (created; existing index files are replaced atomically)."""
        from safetensors.torch import save_file

        os.makedirs(directory, exist_ok=True)
        tensors = {f"emb.{k}": v.float().cpu().contiguous() for k, v in self.embeddings.items()}
        config = {
            "meta": self.meta,
            "hybrid_weight": self.hybrid_weight,
            "hybrid_method": self.hybrid_method,
            "num_passages": len(self.passages),
        }
        if self.bm25 is not None:
            tensors.update(self.bm25.tensors())
            config["bm25"] = self.bm25.state_dict()
        if self.tokens is not None:
            tensors.update({k: torch.from_numpy(v) for k, v in self.tokens.tensors().items()})
            config["tokens_fingerprint"] = self.tokens.fingerprint
        try:
            import pyarrow  # noqa: F401

            passages_file, write_passages = INDEX_PASSAGES, _write_parquet
        except ImportError:  # e.g. a Hub-only environment: transformers and torch, no datasets
            passages_file, write_passages = INDEX_PASSAGES_JSONL, _write_jsonl
        config["passages_file"] = passages_file
        for name, write in (
            (INDEX_EMBEDDINGS, lambda p: save_file(tensors, p)),
            (passages_file, lambda p: write_passages(p, self.passages)),
            (INDEX_CONFIG, lambda p: _write_json(p, config)),
        ):
            tmp = os.path.join(directory, f".{name}.tmp")
            write(tmp)
            os.replace(tmp, os.path.join(directory, name))
        for stale in {INDEX_PASSAGES, INDEX_PASSAGES_JSONL} - {passages_file}:
            if os.path.exists(os.path.join(directory, stale)):
                os.remove(os.path.join(directory, stale))

    @classmethod
    def load(cls, directory: str) -> PassageIndex:
        """Reads an index written by `save`; raises `ValueError` naming the missing file."""
        from safetensors.torch import load_file

        def path(name: str) -> str:
            if not os.path.exists(os.path.join(directory, name)):
                raise ValueError(
                    f"{directory}: not a passage index ({name} is missing); build one with PassageIndex.build."
                )
            return os.path.join(directory, name)

        with open(path(INDEX_CONFIG), encoding="utf-8") as f:
            config = json.load(f)
        passages = _read_passages(path(config.get("passages_file", INDEX_PASSAGES_JSONL)))
        tensors = load_file(path(INDEX_EMBEDDINGS))
        # Indexes saved before `hybrid_method` existed mixed min-max scores.
        index = cls(
            passages,
            hybrid_weight=config.get("hybrid_weight", DEFAULT_HYBRID_WEIGHT),
            hybrid_method=config.get("hybrid_method", "minmax"),
        )
        index.meta = config.get("meta", {})
        index.embeddings = {k[4:]: v for k, v in tensors.items() if k.startswith("emb.")}
        if "bm25" in config:
            index.bm25 = BM25.from_state(config["bm25"], tensors)
        if "tokens_fingerprint" in config and "tok.ids" in tensors:
            index.tokens = PassageTokens.from_tensors(tensors, config["tokens_fingerprint"])
        return index


def _write_json(path: str, obj: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)


def _write_parquet(path: str, rows: Sequence[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    keys = list(dict.fromkeys(k for row in rows for k in row))  # every field, in first-seen order
    pq.write_table(pa.Table.from_pylist([{k: row.get(k) for k in keys} for row in rows]), path)


def _read_passages(path: str) -> list[dict]:
    if path.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise ValueError(
                f"{path}: reading a parquet passage file needs pyarrow (pip install pyarrow)."
            ) from exc
        return [{k: v for k, v in row.items() if v is not None} for row in pq.read_table(path).to_pylist()]
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _write_jsonl(path: str, rows: Sequence[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


__all__ = [
    "BM25",
    "DEFAULT_RETRIEVER",
    "PassageIndex",
    "RETRIEVERS",
    "bm25_tokenize",
    "combine_hybrid",
    "embed_texts",
    "encoder_fingerprint",
]
