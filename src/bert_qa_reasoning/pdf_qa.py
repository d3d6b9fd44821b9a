"""A `datasets` builder that turns PDFs into passages and QA examples, and reads SQuAD-format JSON.

Configs:

- `passages`: one row per passage (`id`, `source`, `page`, `pages`, `start`, `end`, `text`), `text` being
  `page_text[start:end]`.
- `qa`: SQuAD-style rows (`id`, `title`, `context`, `question`, `answers{text, answer_start}`, `reasoning_label`,
  `source`, `page`) generated from the passages by the chosen strategies (`main_idea`, `patterns`).
- `squad`: rows of SQuAD v1.1/v2.0 JSON files, every reference answer kept, `reasoning_label` from the labeler
  when the file has none; `article_range` selects articles (our SQuAD split is by article).
- `reasoning`: the hand-labelled reasoning questions shipped in the package (`data/reasoning_questions.jsonl`, or
  files of the same schema): the `qa` columns plus the cue that makes a question causal or comparative
  (`cue_text`, `cue_start`, `cue_end`, empty for factual rows) and `article` (empty for document-style passages);
  `article_range="train"` or `"validation"` selects a part.

datasets >= 4 refuses builder scripts, so the builder is an importable class; `load_pdf_qa` is the short way in.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

import datasets

from .pdf_text import PdfError, extract_pdf_pages, make_passages
from .question_generation import STRATEGIES, generate_questions
from .reasoning import REASONING_LABELS, load_reasoning_questions, reasoning_data_path
from .squad import SQUAD_SPLITS, read_squad_json

logger = logging.getLogger(__name__)


class NoUsablePdfError(PdfError):
    """Every PDF of a build failed; the message lists each file and why."""


@dataclass
class PdfQAConfig(datasets.BuilderConfig):
    """Settings of a `PdfQABuilder` build.

    Args:
        paths: PDF files (`passages`, `qa`) or SQuAD JSON files (`squad`).
        password: user password for encrypted PDFs.
        sentences_per_passage: sentences per passage (default 5).
        overlap: sentences shared by consecutive passages.
        strategies: question generation strategies for `qa`.
        drop_headers_footers: drop margin blocks repeated on most pages.
        allow_damaged: use the partial text of truncated/damaged PDFs instead of skipping them.
        tables: read numeric tables row by row, one passage per row that names its columns.
        article_range: `(first, last_exclusive)` article indices for `squad`, or a split name of `SQUAD_SPLITS`.
        fingerprint: filled automatically from the files' paths, sizes and modification times and from the
            extraction code, so the cache is rebuilt when a file or the code changes.
    """

    paths: tuple[str, ...] = ()
    password: str | None = None
    sentences_per_passage: int = 5
    overlap: int = 0
    strategies: tuple[str, ...] = STRATEGIES
    drop_headers_footers: bool = True
    allow_damaged: bool = False
    tables: bool = True
    article_range: tuple[int, int] | str | None = None
    fingerprint: str = ""


_PASSAGE_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "source": datasets.Value("string"),
        "page": datasets.Value("int32"),
        "pages": datasets.Sequence(datasets.Value("int32")),
        "start": datasets.Value("int32"),
        "end": datasets.Value("int32"),
        "text": datasets.Value("string"),
    }
)
_QA_FEATURES = datasets.Features(
    {
        "id": datasets.Value("string"),
        "title": datasets.Value("string"),
        "context": datasets.Value("string"),
        "question": datasets.Value("string"),
        "answers": datasets.Sequence(
            {"text": datasets.Value("string"), "answer_start": datasets.Value("int32")}
        ),
        "reasoning_label": datasets.ClassLabel(names=list(REASONING_LABELS)),
        "source": datasets.Value("string"),
        "page": datasets.Value("int32"),
    }
)

_REASONING_FEATURES = datasets.Features(
    {
        **_QA_FEATURES,
        "cue_text": datasets.Value("string"),
        "cue_start": datasets.Value("int32"),
        "cue_end": datasets.Value("int32"),
        "article": datasets.Value("int32"),
    }
)
_FEATURES = {"passages": _PASSAGE_FEATURES, "reasoning": _REASONING_FEATURES}
CONFIG_NAMES = ("passages", "qa", "squad", "reasoning")


class PdfQABuilder(datasets.GeneratorBasedBuilder):
    """Builds passages / QA examples from PDFs, or QA examples from SQuAD JSON (see the module docstring)."""

    BUILDER_CONFIG_CLASS = PdfQAConfig
    BUILDER_CONFIGS = [
        PdfQAConfig(
            name="passages", description="Passages of N sentences with source file, page and offsets."
        ),
        PdfQAConfig(name="qa", description="SQuAD-style QA examples generated from PDF passages."),
        PdfQAConfig(name="squad", description="SQuAD v1.1/v2.0 JSON with reasoning labels."),
        PdfQAConfig(
            name="reasoning", description="Hand-labelled reasoning questions with their cues (CC BY-SA 4.0)."
        ),
    ]
    DEFAULT_CONFIG_NAME = "passages"

    def _info(self) -> datasets.DatasetInfo:
        features = _FEATURES.get(self.config.name, _QA_FEATURES)
        return datasets.DatasetInfo(
            description=self.config.description or "",
            features=features,
            citation="SQuAD: Rajpurkar et al., 2016 (for the squad config).",
        )

    def _split_generators(self, dl_manager):
        if not self.config.paths:
            raise ValueError(f"PdfQABuilder({self.config.name!r}): no input files; pass paths=[...].")
        return [
            datasets.SplitGenerator(name=datasets.Split.TRAIN, gen_kwargs={"paths": list(self.config.paths)})
        ]

    def _generate_examples(self, paths: list[str]):
        if self.config.name == "squad":
            yield from self._squad_examples(paths)
            return
        if self.config.name == "reasoning":
            yield from self._reasoning_examples(paths)
            return
        failures: list[PdfError] = []
        produced = 0
        for path in paths:
            try:
                doc = extract_pdf_pages(
                    path,
                    password=self.config.password,
                    drop_headers_footers=self.config.drop_headers_footers,
                    allow_damaged=self.config.allow_damaged,
                    tables=self.config.tables,
                )
            except PdfError as exc:
                if len(paths) == 1:
                    raise
                logger.warning("Skipping %s", exc)
                failures.append(exc)
                continue
            for passage in make_passages(doc.pages, self.config.sentences_per_passage, self.config.overlap):
                if self.config.name == "passages":
                    produced += 1
                    yield (
                        passage.id,
                        {
                            "id": passage.id,
                            "source": passage.source,
                            "page": passage.page,
                            "pages": list(passage.pages),
                            "start": passage.start,
                            "end": passage.end,
                            "text": passage.text,
                        },
                    )
                    continue
                for k, qa in enumerate(
                    generate_questions(passage.text, passage.source, passage.page, self.config.strategies)
                ):
                    produced += 1
                    qid = f"{passage.id}-q{k}"
                    yield (
                        qid,
                        {
                            "id": qid,
                            "title": passage.source,
                            "context": passage.text,
                            "question": qa.question,
                            "answers": {"text": [qa.answer_text], "answer_start": [qa.answer_start]},
                            "reasoning_label": qa.reasoning_label,
                            "source": passage.source,
                            "page": passage.page,
                        },
                    )
        self.skipped_files = [{"file": f.path, "reason": str(f)} for f in failures]  # see load_pdf_qa
        if failures:
            logger.warning(
                "Skipped %d of %d PDF files: %s", len(failures), len(paths), "; ".join(map(str, failures))
            )
        if produced == 0:
            detail = (
                "; ".join(map(str, failures)) if failures else "the files hold no usable passages/questions"
            )
            raise NoUsablePdfError(
                ", ".join(os.path.basename(p) for p in paths),
                f"no {self.config.name} rows could be built ({detail}).",
            )

    def _squad_examples(self, paths: list[str]):
        article_range = self.config.article_range
        if isinstance(article_range, str):
            if article_range not in SQUAD_SPLITS:
                raise ValueError(f"Unknown SQuAD split {article_range!r}; choose from {list(SQUAD_SPLITS)}.")
            article_range = SQUAD_SPLITS[article_range]
        for path in paths:
            produced = 0
            for row in read_squad_json(path, article_range):
                produced += 1
                yield row["id"], row
            if produced == 0 and article_range is not None:
                first, last = article_range
                raise ValueError(
                    f"{os.path.basename(path)}: no questions in articles {first}-{last - 1}. The splits (train 0-31, "
                    "validation 32-39, test 40-47) are article ranges of the SQuAD v1.1 dev set; for your own file, "
                    "leave the split out to use all of it."
                )

    def _reasoning_examples(self, paths: list[str]):
        split = self.config.article_range
        if split is not None and not isinstance(split, str):
            raise ValueError("the reasoning config takes article_range='train' or 'validation'.")
        for path in paths:
            for row in load_reasoning_questions(split, path=path):
                cue = row.pop("cue") or {}
                row.pop("paragraph"), row.pop("split")
                yield (
                    row["id"],
                    {
                        **row,
                        "cue_text": cue.get("text"),
                        "cue_start": cue.get("start"),
                        "cue_end": cue.get("end"),
                    },
                )


def _code_fingerprint() -> str:
    """A hash of the code that turns PDFs into rows, so an upgrade that changes extraction rebuilds the cache."""
    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("pdf_text.py", "pdf_qa.py", "question_generation.py", "reasoning.py"):
        with open(os.path.join(here, name), "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def _fingerprint(paths: Sequence[str]) -> str:
    h = hashlib.sha256()
    h.update(_code_fingerprint().encode())
    for p in paths:
        st = os.stat(p) if os.path.exists(p) else None
        h.update(f"{os.path.abspath(p)}:{st.st_size if st else -1}:{st.st_mtime_ns if st else -1};".encode())
    return h.hexdigest()[:16]


def load_pdf_qa(
    paths: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    name: str = "passages",
    cache_dir: str | None = None,
    **config,
) -> datasets.Dataset:
    """Builds (or loads from cache) a dataset from PDFs or SQuAD JSON files.

    Args:
        paths: one file or a list of files (for `"reasoning"`, the shipped set when omitted).
        name: `"passages"`, `"qa"`, `"squad"` or `"reasoning"`.
        cache_dir: where datasets caches the build (datasets' default when unset).
        **config: fields of `PdfQAConfig` (`password`, `sentences_per_passage`, `overlap`, `strategies`,
            `article_range`, ...).

    Returns:
        `datasets.Dataset` (the single `train` split).

    Raises:
        `PdfError` subclasses for a single bad PDF; `NoUsablePdfError` when every file of a multi-file build fails
        (bad files among good ones are skipped, logged and counted).

    Example:
    ```python
    >>> from bert_qa_reasoning import load_pdf_qa
    >>> passages = load_pdf_qa(["report.pdf"], name="passages", sentences_per_passage=5)
    >>> qa = load_pdf_qa(["report.pdf"], name="qa", strategies=("patterns",))
    >>> labelled = load_pdf_qa(name="reasoning", article_range="validation")  # the shipped reasoning set
    ```
    """
    if name not in CONFIG_NAMES:
        raise ValueError(f"load_pdf_qa: unknown config {name!r}; choose one of {list(CONFIG_NAMES)}.")
    if paths is None and name == "reasoning":
        paths = reasoning_data_path()
    if paths is None:
        raise ValueError(f"load_pdf_qa({name!r}): no input files given; pass paths=[...].")
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = tuple(os.path.abspath(os.fspath(p)) for p in paths)
    if not paths:
        raise ValueError("load_pdf_qa: no input files given.")
    for key in ("strategies",):
        if key in config and isinstance(config[key], list):
            config[key] = tuple(config[key])
    if "article_range" in config and isinstance(config["article_range"], list):
        config["article_range"] = tuple(config["article_range"])
    builder = PdfQABuilder(
        config_name=name, cache_dir=cache_dir, paths=paths, fingerprint=_fingerprint(paths), **config
    )
    try:
        builder.download_and_prepare()
    except datasets.exceptions.DatasetGenerationError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, (PdfError, ValueError)):
            raise cause from None
        raise
    _report_skipped(builder, len(paths))
    return builder.as_dataset(split="train")


SKIPPED_FILE = "skipped_files.json"


def _report_skipped(builder: PdfQABuilder, total: int) -> None:
    """Keeps the list of skipped PDFs beside the cached build, and repeats its warning when the build is loaded
    from the cache, so bad files are reported on every run, not only the first."""
    import json

    record = os.path.join(builder.cache_dir, SKIPPED_FILE)
    skipped = getattr(builder, "skipped_files", None)
    if skipped is not None:  # built now: the warning was logged during the build
        tmp = record + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(skipped, f)
        os.replace(tmp, record)
    elif os.path.exists(record):  # loaded from the cache
        with open(record, encoding="utf-8") as f:
            skipped = json.load(f)
        if skipped:
            logger.warning(
                "Skipped %d of %d PDF files (cached build): %s",
                len(skipped),
                total,
                "; ".join(entry["reason"] for entry in skipped),
            )


__all__ = [
    "NoUsablePdfError",
    "PdfQABuilder",
    "PdfQAConfig",
    "SQUAD_SPLITS",
    "load_pdf_qa",
    "read_squad_json",
]
