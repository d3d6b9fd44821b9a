"""PDF text extraction (pymupdf) and passage splitting, with clear errors for PDFs that cannot give text.

A page's text is built from pymupdf's text blocks in reading order: words hyphenated across line ends are joined,
ligatures are expanded, whitespace is normalised, lines inside a block are joined with spaces and blocks are
separated by a blank line, except where a block ends mid-sentence and the next one continues it (a column or
box break), which are joined with a space. Page furniture is dropped: blocks in the top or bottom margin whose text
(digits ignored) repeats on most pages (headers, footers), short blocks repeated verbatim in the same place on most
pages wherever that place is (rotated margin stamps, "do not send this page" notices; the same block at other heights
is content the document repeats, and stays), and image-placeholder tokens ("EP06AU20.012</GPH>").

Passages are blocks of N sentences, with character offsets into their page's text, so every passage can be traced
back to its page. A sentence cut by a page break is kept whole: the passage that holds its start runs on over the
break (a form feed marks it) and records both pages.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
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
    table_start: int | None = None  # where the page's table rows begin in `text` (one row per paragraph)
    sidebar_start: int | None = None  # where the page's sidebar text begins in `text`, after the body


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
# Tokens typesetting systems leave where an image goes ("EP06AU20.012</GPH>" in the Federal Register's SGML).
_PLACEHOLDER = re.compile(r"\S*</?[A-Z]{2,6}(?:\s[^<>]*)?>\S*")
# Citation and footnote marks set as superscripts after a word ("gates5–7", "trapped11,12.", "sensor 4"): glued to the
# word they make a token no question has ("gates5"), and beside it a stray number in the sentence. A superscript of
# digits only is such a mark when a word of 3+ letters (perhaps with punctuation or a space) comes just before it;
# exponents follow a variable, a bracket or a function name ("x2", "(a+b)2", "cos2").
_SUPERSCRIPT_FLAG = 1  # bit 0 of a span's flags in PyMuPDF's "dict" text
_MARK = re.compile(r"\d{1,3}(?:\s*[–,-]\s*\d{1,3})*,?")
_WORD_BEFORE_MARK = re.compile(r"([^\W\d_]{3,})[.,;:)\]]?\s?$")
_MATH_FUNCTIONS = frozenset(
    {"sin", "cos", "tan", "cot", "sec", "csc", "log", "exp", "sinh", "cosh", "tanh",
     "arcsin", "arccos", "arctan", "det"}
)  # fmt: skip
# A block or page that ends like this has ended its sentence; one that does not, and is followed by text that starts
# in lower case, was cut by a column, box or page break.
_SENTENCE_END = re.compile(r"[.!?:;\"\u201d\u2019')\]]\s*$")
_CONTINUES = re.compile(r"^[a-z]")
# Blocks repeated on most pages, in one place wherever it is, are page furniture when they are at most this long...
MAX_FURNITURE_CHARS = 200
FURNITURE_DRIFT = 0.05  # ... and when most of them sit within this share of the page height of one another
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
    """Joins the lines of one text block: hyphenated words across line ends are merged, other breaks become spaces;
    image placeholders are dropped."""
    raw = normalize_text(raw).strip()
    raw = _HYPHEN_BREAK.sub(r"\1\2", raw)
    raw = _PLACEHOLDER.sub("", raw)
    return re.sub(r"\s+", " ", raw).strip()


def superscript_marks(page_dict: dict) -> dict[int, list[tuple[str, str]]]:
    """The superscript citation marks of a page (see `_MARK`), from PyMuPDF's `page.get_text("dict")`: per block
    number, `(text just before the mark on its line, the mark)` in reading order."""
    marks: dict[int, list[tuple[str, str]]] = {}
    for block in page_dict.get("blocks", []):
        if block.get("type") != 0:
            continue
        for line in block.get("lines", []):
            before = ""  # the line's text so far, without the marks already taken out
            spans = line.get("spans", [])
            for k, span in enumerate(spans):
                text = span.get("text", "")
                if span.get("flags", 0) & _SUPERSCRIPT_FLAG and _MARK.fullmatch(text.strip()):
                    word = _WORD_BEFORE_MARK.search(before)
                    after = spans[k + 1].get("text", "") if k + 1 < len(spans) else ""
                    if (
                        word
                        and word.group(1).lower() not in _MATH_FUNCTIONS
                        and not after.startswith(("/", "\u2044"))  # a numerator: "1/n"
                    ):
                        marks.setdefault(block["number"], []).append((before[-12:], text))
                        continue
                before += text
    return marks


def drop_marks(raw: str, marks: Sequence[tuple[str, str]]) -> str:
    """`raw` (a block's text) without the `marks` of `superscript_marks`, each found after the text before it; a
    mark not found where expected is left in place."""
    position = 0
    for before, mark in marks:
        found = raw.find(before + mark, position)
        if found < 0:
            continue
        cut = found + len(before)
        raw = raw[:cut] + raw[cut + len(mark) :]
        position = cut
    return raw


def continues(previous: str, following: str) -> bool:
    """True when `following` carries on the sentence `previous` left unfinished (no end punctuation, and the next
    text starts in lower case): the two were cut apart by a column, box or page break."""
    return bool(previous) and not _SENTENCE_END.search(previous) and bool(_CONTINUES.match(following))


def _join_blocks(blocks: list[str]) -> str:
    """Blocks separated by a blank line, except a block that continues the one before, which is joined to it."""
    parts: list[str] = []
    for block in blocks:
        if parts and continues(parts[-1], block):
            parts[-1] = parts[-1] + " " + block
        else:
            parts.append(block)
    return "\n\n".join(parts).strip()


def _repeat_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


_NUMBER = re.compile(r"[-+(]?[$€£]?\d[\d,.]*%?\)?|[-–—]")
MIN_TABLE_ROWS = 3  # a table: at least this many rows of a text label followed by numbers only
MIN_TABLE_CELLS = 3  # numbers in a table row


def _visual_lines(words: list) -> list[list]:
    """pymupdf words (x0, y0, x1, y1, text, ...) grouped into visual lines, top to bottom, each left to right."""
    lines: list[list] = []
    for word in sorted(words, key=lambda w: ((w[1] + w[3]) / 2, w[0])):
        middle = (word[1] + word[3]) / 2
        if lines and abs((lines[-1][0][1] + lines[-1][0][3]) / 2 - middle) < 2.5:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w[0]) for line in lines]


def _phrases(words: list, gap: float) -> list[tuple[float, float, str]]:
    """Words closer than `gap` points joined into phrases: (x0, x1, text)."""
    out: list[list] = []
    for w in words:
        if out and w[0] - out[-1][1] < gap:
            out[-1][1], out[-1][2] = w[2], out[-1][2] + " " + w[4]
        else:
            out.append([w[0], w[2], w[4]])
    return [(a, b, t) for a, b, t in out]


def table_rows(page) -> tuple[list[str], tuple[float, float] | None]:
    """The rows of a numeric table on a pymupdf page, each as "Header: label; Column: value; ...", and the vertical
    band (y0, y1) the table covers (`None` when the page has no such table).

    A table row is a visual line with a text label followed only by numbers (at least `MIN_TABLE_CELLS`); a table is
    at least `MIN_TABLE_ROWS` such lines. Columns come from where the numbers sit, so a header of several words
    ("Long Gun"), or a group header on the line above ("Pre-Pawn" over "Handgun"), names the column beneath it.
    """
    lines = _visual_lines(page.get_text("words"))
    rows = []
    for i, line in enumerate(lines):
        numeric = [bool(_NUMBER.fullmatch(w[4])) for w in line]
        first = numeric.index(True) if True in numeric else len(line)
        label_words = line[:first]
        if (
            label_words
            and all(numeric[first:])
            and len(line) - first >= MIN_TABLE_CELLS
            and any(ch.isalpha() for w in label_words for ch in w[4])
        ):
            rows.append((i, label_words, line[first:]))
    if len(rows) < MIN_TABLE_ROWS:
        return [], None
    # Columns: a column's numbers line up on every row, at their right edges (most tables), their centres or their
    # left edges; the alignment that gives the fewest columns is the table's. Flush-right numbers of different widths
    # ("1,204" over "96") share a right edge but not a centre.
    cells_all = [w for _, _, cells in rows for w in cells]

    def edge(w, mode: int) -> float:
        return w[2] if mode == 0 else (w[0] + w[2]) / 2 if mode == 1 else w[0]

    best: tuple[int, list[list[float]]] | None = None
    for mode in (0, 1, 2):  # right edges, centres, left edges; ties keep the earlier
        xs = sorted(edge(w, mode) for w in cells_all)
        clusters: list[list[float]] = [[xs[0]]]
        for x in xs[1:]:
            if x - clusters[-1][-1] > 6:
                clusters.append([x])
            else:
                clusters[-1].append(x)
        if best is None or len(clusters) < len(best[1]):
            best = (mode, clusters)
    mode, clusters = best
    anchors = [sum(c) / len(c) for c in clusters]

    def nearest(w) -> int:
        x = edge(w, mode)
        return min(range(len(anchors)), key=lambda k: abs(anchors[k] - x))

    # Where each column's cells lie, left to right: headers are matched to these middles.
    spans = [[float("inf"), float("-inf")] for _ in anchors]
    for w in cells_all:
        k = nearest(w)
        spans[k] = [min(spans[k][0], w[0]), max(spans[k][1], w[2])]
    middles = [(a + b) / 2 for a, b in spans]
    gaps = sorted(b - a for a, b in zip(middles, middles[1:])) or [40.0]
    spacing = gaps[len(gaps) // 2]
    label_right = min(cells[0][0] for _, _, cells in rows) - 1

    def nearest_middle(x: float) -> int:
        return min(range(len(middles)), key=lambda k: abs(middles[k] - x))

    # Headers: up to two text lines just above the first row, nearest first.
    first_row = rows[0][0]
    headers = [lines[k] for k in range(first_row - 1, max(-1, first_row - 3), -1)]
    headers = [h for h in headers if 2 * sum(bool(_NUMBER.fullmatch(w[4])) for w in h) < len(h)]
    names = [""] * len(anchors)
    label_name = ""
    if headers:
        for x0, x1, text in _phrases(headers[0], gap=3.0):
            if x1 <= label_right:
                label_name = f"{label_name} {text}".strip()
            else:
                k = nearest_middle((x0 + x1) / 2)
                names[k] = f"{names[k]} {text}".strip()
    if len(headers) > 1:
        groups = _phrases(headers[1], gap=8.0)
        for k, middle in enumerate(middles):
            x0, x1, text = min(groups, key=lambda g: abs((g[0] + g[1]) / 2 - middle))
            if abs((x0 + x1) / 2 - middle) <= 1.5 * spacing:
                names[k] = f"{text} {names[k]}".strip()
    out = []
    for _, label_words, cells in rows:
        values = [""] * len(anchors)
        for w in cells:
            k = nearest(w)
            values[k] = f"{values[k]} {w[4]}".strip()  # "98 452": a number set with a thin space
        label = " ".join(w[4] for w in label_words)
        parts = [f"{label_name}: {label}" if label_name else label]
        parts += [f"{name or f'column {k + 1}'}: {v}" for k, (name, v) in enumerate(zip(names, values)) if v]
        out.append("; ".join(parts) + ".")
    top = min(w[1] for w in (headers[-1] if headers else rows[0][1]))
    bottom = max(w[3] for _, label_words, cells in rows for w in label_words + cells)
    return out, (top, bottom)


SIDEBAR_MAX_WIDTH = 0.25  # a margin-strip sidebar is at most this share of the page width
BODY_MIN_WIDTH = 0.35  # a body block is at least this share of the page width (with BODY_MIN_CHARS)
BODY_MIN_CHARS = 100


def _boxes(page) -> list[tuple[float, float, float, float]]:
    """Drawn rectangles that can frame a sidebar: stroked or filled in a colour other than white, at least a fifth of
    the page wide and 4 % of it high, and under half of its area (a page frame is not a box)."""
    width, height = page.rect.width or 1.0, page.rect.height or 1.0
    out = []
    for d in page.get_drawings():
        fill, color = d.get("fill"), d.get("color")
        painted = (fill is not None and tuple(fill) != (1.0, 1.0, 1.0)) or color is not None
        r = d["rect"]
        if (
            painted
            and r.width >= 0.2 * width
            and r.height >= 0.04 * height
            and r.width * r.height < 0.5 * width * height
        ):
            out.append((r.x0, r.y0, r.x1, r.y1))
    return out


def sidebar_blocks(
    blocks: list[tuple[float, float, float, float, str]],
    page_width: float,
    boxes: list[tuple[float, float, float, float]],
) -> set[int]:
    """Which text blocks of a page are sidebars, to be kept apart from the body text.

    Args:
        blocks: `(x0, y0, x1, y1, text)` per text block, in points.
        page_width: the page's width in points.
        boxes: drawn rectangles (`_boxes`).

    Returns:
        The indices of the blocks that are (a) inside a drawn box that does not also hold most of the page's text (a
        boxed or shaded panel), or (b) in a narrow strip (under `SIDEBAR_MAX_WIDTH` of the page) beside the body,
        wholly left or right of every body block, and not level with a block beside it (a journal's margin column:
        "Received 3 November 2014"; a form's row label beside its row is not one).
    """
    total = sum(len(b[4]) for b in blocks) or 1
    out: set[int] = set()
    for box in boxes:
        inside = [
            i for i, b in enumerate(blocks)
            if b[0] >= box[0] - 3 and b[1] >= box[1] - 3 and b[2] <= box[2] + 3 and b[3] <= box[3] + 3
        ]  # fmt: skip
        if inside and sum(len(blocks[i][4]) for i in inside) < 0.5 * total:
            out.update(inside)
    body = [
        b for i, b in enumerate(blocks)
        if i not in out and b[2] - b[0] >= BODY_MIN_WIDTH * page_width and len(b[4]) >= BODY_MIN_CHARS
    ]  # fmt: skip
    if body:
        left, right = min(b[0] for b in body), max(b[2] for b in body)
        strip = [
            i for i, b in enumerate(blocks)
            if b[2] - b[0] <= SIDEBAR_MAX_WIDTH * page_width and (b[2] <= left + 2 or b[0] >= right - 2)
        ]  # fmt: skip
        others = [b for i, b in enumerate(blocks) if i not in strip]
        for i in strip:
            # A block level with one beside it is a row label of a table-like layout ("Alaska" beside its address),
            # not a sidebar.
            if not any(abs(blocks[i][1] - b[1]) <= 2 for b in others):
                out.add(i)
    return out


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
    tables: bool = True,
) -> PdfDocument:
    """Extracts clean page texts from a PDF.

    Args:
        path (`str` or `os.PathLike`): The PDF file.
        password (`str`, *optional*): User password for encrypted files.
        drop_headers_footers (`bool`, *optional*, defaults to `True`): Drop margin blocks repeated on most pages.
        allow_damaged (`bool`, *optional*, defaults to `False`): Return the partial text of a truncated/damaged
            file (with a warning) instead of raising `CorruptPdfError`.
        tables (`bool`, *optional*, defaults to `True`): Read numeric tables row by row (see `table_rows`): each
            row becomes a paragraph after the page's body, naming its columns, and the table's cells leave the body.

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
        raw_pages: list[tuple[int, str, list[tuple[float, float, str]], bool, list[str]]] = []
        for index in range(doc.page_count):
            try:
                page = doc.load_page(index)
                height = page.rect.height or 1.0
                blocks = page.get_text("blocks", flags=flags)
                marks = superscript_marks(page.get_text("dict", flags=flags))
                has_images = bool(page.get_images(full=False))
                label = page.get_label() if hasattr(page, "get_label") else ""
                rows, band = table_rows(page) if tables else ([], None)
            except Exception as exc:  # MuPDF format errors are not RuntimeErrors
                raise CorruptPdfError(
                    path,
                    f"page {index + 1} cannot be read ({type(exc).__name__}: {exc}); the file is corrupt.",
                ) from exc
            kept_blocks = [
                (b[0], b[1], b[2], b[3], _block_text(drop_marks(b[4], marks.get(b[5], ()))))
                for b in blocks
                if len(b) > 6
                and b[6] == 0
                and b[4].strip()
                and not (band and band[0] - 1 <= (b[1] + b[3]) / 2 <= band[1] + 1)  # the table, read as rows
            ]
            kept_blocks = [b for b in kept_blocks if b[4]]
            try:
                sidebars = (
                    sidebar_blocks(kept_blocks, page.rect.width or 1.0, _boxes(page))
                    if kept_blocks
                    else set()
                )
            except Exception as exc:  # drawings that MuPDF cannot read: no box is a sidebar
                logger.info("%s page %d: drawings not read (%s)", source, index + 1, exc)
                sidebars = set()
            texts = [(b[1] / height, b[3] / height, b[4], i in sidebars) for i, b in enumerate(kept_blocks)]
            raw_pages.append((index + 1, label or "", texts, has_images, rows))

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

        if not any(texts or rows for _, _, texts, _, rows in raw_pages):
            if any(has_images for _, _, _, has_images, _ in raw_pages):
                raise NoTextLayerError(
                    path, "scanned, no text layer: OCR is not supported; run OCR first (e.g. ocrmypdf)."
                )
            raise EmptyPdfError(path, "the pages hold no text.")

        repeated: set[str] = set()  # margin blocks repeated on most pages: headers and footers
        furniture: set[str] = set()  # short blocks repeated on most pages anywhere: stamps, notices
        if drop_headers_footers and len(raw_pages) >= 3:
            most = max(3, 0.5 * len(raw_pages))
            margin = Counter(
                key
                for _, _, texts, _, _ in raw_pages
                for key in {_repeat_key(t) for top, bottom, t, _ in texts if bottom < 0.12 or top > 0.88}
            )
            repeated = {key for key, n in margin.items() if n >= most}
            # Away from the margins only verbatim repeats count (digits included): "Question 3" on every page of a
            # form is furniture, "met on day 3" on page 3 is not.
            anywhere = Counter(
                t
                for _, _, texts, _, _ in raw_pages
                for t in {t for _, _, t, _ in texts if len(t) <= MAX_FURNITURE_CHARS}
            )
            # Furniture also sits where it sat on the other pages (a stamp, a notice). A block repeated at other heights
            # is content that the document repeats: a form's "send it to this street address" after each state.
            tops: dict[str, list[float]] = {}
            for _, _, texts, _, _ in raw_pages:
                for top, _, t, _ in texts:
                    if anywhere.get(t, 0) >= most:
                        tops.setdefault(t, []).append(top)
            medians = {t: sorted(ys)[len(ys) // 2] for t, ys in tops.items()}
            furniture = {
                t for t, ys in tops.items() if sum(abs(y - medians[t]) <= FURNITURE_DRIFT for y in ys) >= most
            }

        result = PdfDocument(source=source, path=path, warnings=warnings)
        for number, label, texts, _, rows in raw_pages:
            kept, aside = [], []
            for top, bottom, t, sidebar in texts:
                if t in furniture or ((bottom < 0.12 or top > 0.88) and _repeat_key(t) in repeated):
                    continue
                (aside if sidebar else kept).append(t)
            text = _join_blocks(kept)
            sidebar_start = table_start = None
            if aside:  # after the body, so that no passage mixes the two
                text = f"{text}\n\n" if text else ""
                sidebar_start = len(text)
                text += _join_blocks(aside)
            if rows:  # after the body and sidebars, one paragraph per row
                text = f"{text}\n\n" if text else ""
                table_start = len(text)
                text += "\n\n".join(rows)
            if text:
                result.pages.append(
                    PdfPage(
                        source=source,
                        number=number,
                        text=text,
                        label=label,
                        table_start=table_start,
                        sidebar_start=sidebar_start,
                    )
                )
        return result
    finally:
        doc.close()


# ----------------------------------------------------------------------------------------------------------------
# Sentences and passages
# ----------------------------------------------------------------------------------------------------------------
@dataclass
class Passage:
    """A block of sentences. On one page, `text == page_text[start:end]`. A passage over a page break (`pages` has two
    numbers) holds its first page's text from `start`, a form feed, and the next page's text up to `end`."""

    id: str
    source: str
    page: int
    start: int
    end: int
    text: str
    pages: tuple[int, ...] = ()

    def __post_init__(self):
        if not self.pages:
            self.pages = (self.page,)


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


def _body_end(page: PdfPage) -> int:
    """Where a page's body text ends: its sidebars and table rows follow."""
    ends = [x for x in (page.sidebar_start, page.table_start) if x is not None]
    return min(ends) if ends else len(page.text)


def _groups(spans: list[tuple[int, int]], size: int, overlap: int) -> list[list[tuple[int, int]]]:
    """Sentence spans in groups of `size`, each sharing `overlap` with the previous one."""
    groups = []
    for i in range(0, len(spans), size - overlap):
        group = spans[i : i + size]
        if i > 0 and len(group) <= overlap:
            break  # only overlap left: already covered by the previous passage
        groups.append(group)
    return groups


def make_passages(
    pages: list[PdfPage], sentences_per_passage: int = 5, overlap: int = 0, min_chars: int = 20
) -> Iterator[Passage]:
    """Yields passages of `sentences_per_passage` sentences (sharing `overlap` sentences with the previous one).

    A page whose last sentence is cut by the page break (see `continues`) lends the next page the rest of it: the
    passage holding the sentence's start runs on over the break, with a form feed at the break, and the next page's
    passages start after it. Passages shorter than `min_chars` are dropped, unless they are all their page holds (a
    short page of real text is still a passage). A page's sidebars (`PdfPage.sidebar_start`) make passages of their
    own, never shared with body sentences, and each row of its table (`PdfPage.table_start`) is a passage of its own.
    """
    if sentences_per_passage < 1:
        raise ValueError(f"sentences_per_passage must be >= 1, got {sentences_per_passage}.")
    if not 0 <= overlap < sentences_per_passage:
        raise ValueError(f"overlap must be in [0, sentences_per_passage), got {overlap}.")
    spans_of = [split_sentences(page.text[: _body_end(page)]) for page in pages]
    # leading characters of each page already read by the previous page's last passage
    skip = [0] * len(pages)
    for n, page in enumerate(pages):
        spans = [(a, b) for a, b in spans_of[n] if a >= skip[n]]
        carry_over = None  # (next page, end of its first sentence) when this page's last sentence runs on
        if spans and n + 1 < len(pages) and pages[n + 1].number == page.number + 1 and spans_of[n + 1]:
            nxt = pages[n + 1]
            first_end = spans_of[n + 1][0][1]
            if continues(page.text[spans[-1][0] : spans[-1][1]], nxt.text):  # the last sentence runs on
                carry_over = (nxt, first_end)
                skip[n + 1] = first_end
        groups = _groups(spans, sentences_per_passage, overlap)
        for k, group in enumerate(groups):
            start, end = group[0][0], group[-1][1]
            text, numbers = page.text[start:end], (page.number,)
            if carry_over is not None and k == len(groups) - 1:
                nxt, end = carry_over
                text, numbers = text + "\f" + nxt.text[:end], (page.number, nxt.number)
            if len(text) < min_chars and (groups[1:] or not text.strip()):
                continue
            yield Passage(
                id=f"{page.source}#p{page.number}-{k}",
                source=page.source,
                page=page.number,
                start=start,
                end=end,
                text=text,
                pages=numbers,
            )
        if page.sidebar_start is not None:  # sidebar sentences make passages of their own
            end = page.table_start if page.table_start is not None else len(page.text)
            base = page.sidebar_start
            spans = [(base + a, base + b) for a, b in split_sentences(page.text[base:end])]
            for k, group in enumerate(_groups(spans, sentences_per_passage, overlap)):
                start, stop = group[0][0], group[-1][1]
                if stop - start < min_chars:
                    continue
                yield Passage(
                    id=f"{page.source}#p{page.number}-side{k}",
                    source=page.source,
                    page=page.number,
                    start=start,
                    end=stop,
                    text=page.text[start:stop],
                )
        if page.table_start is not None:  # one passage per table row
            for r, row in enumerate(re.finditer(r"[^\n]+", page.text[page.table_start :])):
                yield Passage(
                    id=f"{page.source}#p{page.number}-row{r}",
                    source=page.source,
                    page=page.number,
                    start=page.table_start + row.start(),
                    end=page.table_start + row.end(),
                    text=row.group(0),
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
    "continues",
    "drop_marks",
    "extract_pdf_pages",
    "make_passages",
    "normalize_text",
    "sidebar_blocks",
    "split_sentences",
    "superscript_marks",
    "table_rows",
]
