"""PDF text extraction (pymupdf) and passage splitting, with clear errors for PDFs that cannot give text.

A page's text is built from pymupdf's text blocks in reading order: words hyphenated across line ends are joined,
ligatures are expanded, whitespace is normalised, lines inside a block are joined with spaces and blocks are
separated by a blank line. Headers and footers — blocks in the top or bottom margin whose text (digits ignored)
repeats on most pages — are dropped. Passages are blocks of N sentences inside one page, with character offsets
into that page's text, so every passage can be traced back to its page.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------------------------
class PdfError(ValueError):
    """A PDF that cannot give usable text. `path` names the file, `reason` says why and what to do."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{os.path.basename(self.path)}: {reason}")


class EncryptedPdfError(PdfError):
    """The PDF needs a user password (none or a wrong one was given)."""


class CorruptPdfError(PdfError):
    """The file is not a readable PDF, or it is truncated/damaged so that its text would be partial."""


class EmptyPdfError(PdfError):
    """The PDF has no pages, or its pages hold no text and no images."""


class NoTextLayerError(PdfError):
    """The PDF is scanned: images without a text layer."""


# ----------------------------------------------------------------------------------------------------------------
# Page extraction
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class PdfPage:
    """Clean text of one page. `number` is 1-based; `label` is the printed page label when the PDF defines one."""

    source: str
    number: int
    text: str
    label: str = ""


@dataclass
class PdfDocument:
    source: str
    path: str
    pages: list[PdfPage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u00ad": "",  # soft hyphen
}
_LIGATURE_RE = re.compile("|".join(map(re.escape, _LIGATURES)))
_HYPHEN_BREAK = re.compile(r"(\w)[-\u2010\u2011]\n(\w)")
# Marks that break a truncated/damaged file's content (a repaired xref alone is harmless).
_DAMAGE_WARNINGS = (
    "premature end of data",
    "ignoring broken object",
    "corrupt object stream",
    "missing 'endobj'",
    "cannot find object",
)


def normalize_text(text: str) -> str:
    """NFC, ligatures expanded, soft hyphens removed, runs of spaces collapsed (newlines kept)."""
    text = unicodedata.normalize("NFC", text)
    text = _LIGATURE_RE.sub(lambda m: _LIGATURES[m.group(0)], text)
    text = text.replace("\t", " ").replace("\u00a0", " ")
    text = re.sub(r"[ \u2000-\u200b]+", " ", text)
    return text


def _block_text(raw: str) -> str:
    """Joins the lines of one text block: hyphenated words across line ends are merged, other breaks become spaces."""
    raw = normalize_text(raw).strip()
    raw = _HYPHEN_BREAK.sub(r"\1\2", raw)
    return re.sub(r"\s*\n\s*", " ", raw).strip()


def _repeat_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _open(path: str, password: str | None):
    import pymupdf

    if not os.path.exists(path):
        raise PdfError(path, "file not found; check the path.")
    if os.path.getsize(path) == 0:
        raise CorruptPdfError(path, "empty file (0 bytes); re-download or re-export the PDF.")
    pymupdf.TOOLS.mupdf_warnings(reset=True)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # FileDataError, EmptyFileError, ...
        raise CorruptPdfError(
            path, f"not a readable PDF ({type(exc).__name__}: {exc}); the file is corrupt or not a PDF."
        ) from exc
    # needs_pass must be read once, before authenticate (reading it afterwards breaks decryption in MuPDF 1.28).
    needs_pass = bool(doc.needs_pass)
    if needs_pass:
        if password is None:
            doc.close()
            raise EncryptedPdfError(
                path, "encrypted, a user password is required; pass password=... to open it."
            )
        if not doc.authenticate(password):
            doc.close()
            raise EncryptedPdfError(path, "encrypted, and the password given is wrong.")
    return doc


def extract_pdf_pages(
    path: str | os.PathLike,
    password: str | None = None,
    drop_headers_footers: bool = True,
    allow_damaged: bool = False,
) -> PdfDocument:
    """Extracts clean page texts from a PDF.

    Args:
        path (`str` or `os.PathLike`): The PDF file.
        password (`str`, *optional*): User password for encrypted files.
        drop_headers_footers (`bool`, *optional*, defaults to `True`): Drop margin blocks repeated on most pages.
        allow_damaged (`bool`, *optional*, defaults to `False`): Return the partial text of a truncated/damaged
            file (with a warning) instead of raising `CorruptPdfError`.

    Returns:
        `PdfDocument` with one `PdfPage` per page that has text.

    Raises:
        `EncryptedPdfError`, `CorruptPdfError`, `EmptyPdfError`, `NoTextLayerError` (all `PdfError`, a `ValueError`),
        each naming the file and the cause.
    """
    import pymupdf

    path = os.fspath(path)
    source = os.path.basename(path)
    doc = _open(path, password)
    try:
        if doc.page_count == 0:
            if doc.is_repaired:
                raise CorruptPdfError(
                    path, "truncated or damaged: no page survived repair; re-download the file."
                )
            raise EmptyPdfError(path, "the document has no pages.")
        flags = (
            pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_DEHYPHENATE
        ) & ~getattr(pymupdf, "TEXT_PRESERVE_LIGATURES", 0)
        raw_pages: list[tuple[int, str, list[tuple[float, float, str]], bool]] = []
        for index in range(doc.page_count):
            try:
                page = doc.load_page(index)
                height = page.rect.height or 1.0
                blocks = page.get_text("blocks", flags=flags)
                has_images = bool(page.get_images(full=False))
                label = page.get_label() if hasattr(page, "get_label") else ""
            except Exception as exc:  # MuPDF format errors are not RuntimeErrors
                raise CorruptPdfError(
                    path,
                    f"page {index + 1} cannot be read ({type(exc).__name__}: {exc}); the file is corrupt.",
                ) from exc
            texts = [
                (b[1] / height, b[3] / height, _block_text(b[4]))
                for b in blocks
                if len(b) > 6 and b[6] == 0 and b[4].strip()
            ]
            raw_pages.append((index + 1, label or "", [t for t in texts if t[2]], has_images))

        warnings = [w for w in pymupdf.TOOLS.mupdf_warnings().splitlines() if w.strip()]
        damaged = doc.is_repaired and any(m in w for w in warnings for m in _DAMAGE_WARNINGS)
        if damaged:
            if not allow_damaged:
                raise CorruptPdfError(
                    path,
                    "truncated or damaged (objects lost during repair), so its text would be partial; "
                    "re-download it, or pass allow_damaged=True to use the partial text.",
                )
            logger.warning("%s is truncated or damaged; its text is partial.", source)

        if not any(texts for _, _, texts, _ in raw_pages):
            if any(has_images for *_, has_images in raw_pages):
                raise NoTextLayerError(
                    path, "scanned, no text layer: OCR is not supported; run OCR first (e.g. ocrmypdf)."
                )
            raise EmptyPdfError(path, "the pages hold no text.")

        repeated: set[str] = set()
        if drop_headers_footers and len(raw_pages) >= 3:
            counts = Counter(
                key
                for _, _, texts, _ in raw_pages
                for key in {_repeat_key(t) for top, bottom, t in texts if bottom < 0.12 or top > 0.88}
            )
            repeated = {key for key, n in counts.items() if n >= max(3, 0.5 * len(raw_pages))}

        result = PdfDocument(source=source, path=path, warnings=warnings)
        for number, label, texts, _ in raw_pages:
            kept = [
                t
                for top, bottom, t in texts
                if not ((bottom < 0.12 or top > 0.88) and _repeat_key(t) in repeated)
            ]
            text = "\n\n".join(kept).strip()
            if text:
                result.pages.append(PdfPage(source=source, number=number, text=text, label=label))
        return result
    finally:
        doc.close()


# ----------------------------------------------------------------------------------------------------------------
# Sentences and passages
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class Passage:
    """A block of sentences inside one page; `text == page_text[start:end]`."""

    id: str
    source: str
    page: int
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of `text`, whitespace trimmed.

    Paragraph breaks (blank lines) always end a sentence; inside a paragraph pysbd decides, which keeps
    abbreviations ("e.g.", "Dr.", "U.S.") and decimals ("3.14") inside their sentence.
    """
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        base = para.start()
        for seg in _segmenter().segment(para.group(0)):
            start, end = base + seg.start, base + seg.end
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                spans.append((start, end))
    return spans


def make_passages(
    pages: list[PdfPage], sentences_per_passage: int = 5, overlap: int = 0, min_chars: int = 20
) -> Iterator[Passage]:
    """Yields passages of `sentences_per_passage` sentences (sharing `overlap` sentences with the previous one)."""
    if sentences_per_passage < 1:
        raise ValueError(f"sentences_per_passage must be >= 1, got {sentences_per_passage}.")
    if not 0 <= overlap < sentences_per_passage:
        raise ValueError(f"overlap must be in [0, sentences_per_passage), got {overlap}.")
    step = sentences_per_passage - overlap
    for page in pages:
        spans = split_sentences(page.text)
        for k, i in enumerate(range(0, len(spans), step)):
            group = spans[i : i + sentences_per_passage]
            if i > 0 and len(group) <= overlap:
                break  # only overlap left: already covered by the previous passage
            start, end = group[0][0], group[-1][1]
            text = page.text[start:end]
            if len(text) < min_chars:
                continue
            yield Passage(
                id=f"{page.source}#p{page.number}-{k}",
                source=page.source,
                page=page.number,
                start=start,
                end=end,
                text=text,
            )


__all__ = [
    "CorruptPdfError",
    "EmptyPdfError",
    "EncryptedPdfError",
    "NoTextLayerError",
    "Passage",
    "PdfDocument",
    "PdfError",
    "PdfPage",
    "extract_pdf_pages",
    "make_passages",
    "normalize_text",
    "split_sentences",
]
