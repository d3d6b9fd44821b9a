"""Comparisons over table rows: "Which state had the most permit checks?", "Who logged more, Illinois or Indiana?".

An extractive reader cannot answer these: the answer is the label of the row whose number wins, and the numbers sit
in rows the reader reads one at a time. Tables reach an index as one passage per row, "Header: label; Column:
value; ..." (`pdf_text.table_rows`); this module parses those rows back into tables, finds the column and the rows a
question compares, and picks the winner by its numbers.

This file travels to the Hub with saved models: standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# A row's value: "2,236,457", "3.79%", "$85", "-16.55%", "98 452" (a thin-space thousands group).
_VALUE = re.compile(r"[-−]?[$€£]?\d{1,3}(?:[, \u2009]\d{3})+(?:\.\d+)?%?|[-−]?[$€£]?\d+(?:\.\d+)?%?")
_WORD = re.compile(r"[^\W_]+")

# Comparison words: which way the winner lies. Superlatives compare every row; comparatives the rows the question
# names ("Illinois or Indiana").
_MOST = {"most", "highest", "largest", "greatest", "biggest", "maximum", "top"}
_LEAST = {"fewest", "least", "lowest", "smallest", "minimum"}
_MORE = {"more", "higher", "larger", "greater", "bigger"}
_LESS = {"fewer", "less", "lower", "smaller"}
_ASKS_FOR_A_ROW = {"which", "who", "what", "where"}
# Rows that sum or average the others ("Totals", "Total U.S.", "All States"): never compared. A row label whose first
# word is one of these is such a row.
_SUMMARY_WORDS = {"total", "grand", "sum", "all", "overall", "average", "mean", "subtotal"}
# Comparisons this module does not answer: a rank other than the first, a comparison against a named value or row
# ("more than Illinois"), or a set with exclusions.
_NOT_FIRST = {
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "runner",
    "than",
    "excluding",
    "except",
    "besides",
}
# Words that name a table's sum column when the question says only "in total".
_TOTAL_WORDS = {"total", "totals", "overall", "altogether", "combined"}
MIN_ROWS = 3  # fewer rows than this are not a table worth comparing over


@dataclass
class TableRow:
    """One parsed row passage: its label, its numeric cells, and where the label sits in the passage text."""

    passage_id: int
    label: str
    label_start: int
    values: dict[str, float]


@dataclass
class Table:
    """Rows of one table: same source, page and label header (a row may lack a cell that is not a number)."""

    key_header: str
    columns: tuple[str, ...]
    rows: list[TableRow] = field(default_factory=list)


def _words(text: str) -> list[str]:
    """Lower-cased words, plural "s" dropped ("checks" and "check" are one word)."""
    out = []
    for w in _WORD.findall(text.lower()):
        out.append(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def _number(text: str) -> float | None:
    """A cell's value, or None for a cell that is not one number ("–", "n/a", "3.79% p.a.")."""
    text = text.strip()
    if not _VALUE.fullmatch(text):
        return None
    text = text.replace("−", "-").strip("$€£%")
    return float(re.sub(r"[, \u2009$€£%]", "", text))


def parse_row(text: str) -> tuple[str, str, int, dict[str, float]] | None:
    """A table-row passage ("State / Territory: Kentucky; Permit: 264,140; ...; Totals: 1,234.") as (label header,
    label, label's offset in `text`, {column: value}); None when `text` is not such a row. Cells that are not one
    number are left out; a row needs two numeric cells at least."""
    if "; " not in text or "\n" in text:
        return None
    fields = text.rstrip(".").split("; ")
    head, cells = fields[0], fields[1:]
    key_header, sep, raw = head.partition(": ")
    if not sep:  # no label header: the whole head is the label
        key_header, raw = "", head
    label = raw.strip()
    label_start = len(key_header) + len(sep) + len(raw) - len(raw.lstrip())
    if not label or not any(ch.isalpha() for ch in label):
        return None
    values: dict[str, float] = {}
    for cell in cells:
        name, sep, value = cell.rpartition(": ")
        number = _number(value) if sep else None
        if number is not None and name.strip():
            values[name.strip()] = number
    if len(values) < 2:
        return None
    return key_header.strip(), label, label_start, values


def tables_of(passages: Sequence[dict[str, Any]]) -> tuple[list[Table], dict[int, int]]:
    """The tables among `passages` (rows `{"text", "source", "page"}`): row passages grouped by source, page and label
    header. Returns the tables and, for every row passage, the position of its table."""
    groups: dict[tuple, Table] = {}
    where: dict[int, tuple] = {}
    for pid, row in enumerate(passages):
        text = row.get("text") or ""
        if "; " not in text:
            continue
        parsed = parse_row(text)
        if parsed is None:
            continue
        key_header, label, label_start, values = parsed
        key = (row.get("source"), row.get("page"), key_header)
        table = groups.get(key)
        if table is None:
            table = groups[key] = Table(key_header=key_header, columns=tuple(values))
        else:  # columns in the order they first appear
            table.columns += tuple(c for c in values if c not in table.columns)
        table.rows.append(TableRow(pid, label, label_start, values))
        where[pid] = key
    keys = [k for k, t in groups.items() if len(t.rows) >= MIN_ROWS]
    position = {k: i for i, k in enumerate(keys)}
    return [groups[k] for k in keys], {pid: position[k] for pid, k in where.items() if k in position}


def _column(question_words: set[str], table: Table) -> str | None:
    """The column the question asks about: the one with the most words, all of which the question uses ("Redemption
    Handgun" over "Handgun" when both are there). A question that names no column but says "total" gets the table's
    total column. None when nothing fits, or when two columns fit as well ("handgun permit checks": Handgun or
    Permit)."""
    best, best_size, tied = None, 0, False
    for name in table.columns:
        words = set(_words(name))
        if words and words <= question_words:
            if len(words) > best_size:
                best, best_size, tied = name, len(words), False
            elif len(words) == best_size:
                tied = True
    if tied:
        return None
    if best is None and question_words & _TOTAL_WORDS:
        totals = [c for c in table.columns if set(_words(c)) & _TOTAL_WORDS]
        best = totals[-1] if totals else None
    return best


def _named_rows(question: str, table: Table) -> list[TableRow]:
    """The rows whose labels the question names, longest label first so that "West Virginia" is not "Virginia"."""
    text = " " + " ".join(_WORD.findall(question.lower())) + " "
    named = []
    for row in sorted(table.rows, key=lambda r: -len(r.label)):
        label = " " + " ".join(_WORD.findall(row.label.lower())) + " "
        if len(label) > 2 and label in text:
            named.append(row)
            text = text.replace(label, " ")
    return named


def _summary(row: TableRow) -> bool:
    words = _words(row.label)
    return bool(words) and words[0] in _SUMMARY_WORDS


def compare_rows(question: str, table: Table) -> dict[str, Any] | None:
    """The row `question` asks for by comparison over `table`, or None when it is not such a question of this table.

    It is one when the question asks for a row ("which", "who", ...), carries a comparison word, and names one of the
    table's columns (or its total). With a superlative ("highest", "fewest") every row but the sum rows competes, and
    the question must name what the rows are (a word of the label header: "Which *state* had the most ..."); with a
    comparative ("more", "fewer") the rows the question names, at least two. Ranks other than the first ("second
    highest"), comparisons with "than" and exclusions ("except") are left to the reader.

    Returns:
        `{"row", "column", "op", "ranked"}`: the winning `TableRow`, the column, `"max"` or `"min"`, and the
        competing rows with their values, best first.
    """
    words = _words(question)
    word_set = set(words)
    if not word_set & _ASKS_FOR_A_ROW:
        return None
    superlative = bool(word_set & (_MOST | _LEAST))
    op = "max" if word_set & (_MOST | _MORE) else "min" if word_set & (_LEAST | _LESS) else None
    if op is None or (word_set & (_MOST | _MORE) and word_set & (_LEAST | _LESS)) or word_set & _NOT_FIRST:
        return None  # no comparison, one that goes both ways ("more ... least"), or not one for the first row
    column = _column(word_set, table)
    if column is None:
        return None
    named = [r for r in _named_rows(question, table) if not _summary(r)]
    if len(named) >= 2:
        rows = named
    elif superlative and word_set & set(_words(table.key_header)):
        rows = [r for r in table.rows if not _summary(r)]
    else:
        return None
    rows = [r for r in rows if column in r.values]
    if len(rows) < 2:
        return None
    ranked = sorted(rows, key=lambda r: r.values[column], reverse=op == "max")
    if ranked[0].values[column] == ranked[1].values[column]:
        return None  # a tie has no one answer
    return {
        "row": ranked[0],
        "column": column,
        "op": op,
        "ranked": [(r, r.values[column]) for r in ranked],
    }


__all__ = ["MIN_ROWS", "Table", "TableRow", "compare_rows", "parse_row", "tables_of"]
