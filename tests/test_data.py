"""The data files shipped in the package: the hand-labelled reasoning questions."""

import collections
import json
import re

from bert_qa_reasoning.reasoning import REASONING_LABELS, load_reasoning_questions, reasoning_data_path
from bert_qa_reasoning.squad import SQUAD_SPLITS, load_squad_split
from tests.conftest import SQUAD

FIELDS = {
    "id", "split", "article", "title", "paragraph", "context", "question", "answer_text", "answer_start", "label",
    "cue_text", "cue_start", "cue_end",
}  # fmt: skip


def _raw_rows() -> list[dict]:
    with open(reasoning_data_path(), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_schema_spans_and_cues():
    rows = _raw_rows()
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == FIELDS, r["id"]
        assert r["label"] in REASONING_LABELS
        context = r["context"]
        start = r["answer_start"]
        assert r["answer_text"] and context[start : start + len(r["answer_text"])] == r["answer_text"], r[
            "id"
        ]
        if r["label"] == "factual":
            assert r["cue_text"] is None and r["cue_start"] is None and r["cue_end"] is None, r["id"]
        else:
            assert 0 <= r["cue_start"] < r["cue_end"] <= len(context), r["id"]
            assert context[r["cue_start"] : r["cue_end"]] == r["cue_text"], r["id"]
        assert r["question"].endswith("?")


def _is_document_row(row: dict) -> bool:
    return row["id"].startswith("bqr-doc")


def test_split_discipline_never_touches_the_test_articles():
    rows = [r for r in _raw_rows() if not _is_document_row(r)]
    test_first, _ = SQUAD_SPLITS["test"]
    for r in rows:
        assert r["article"] < test_first, r["id"]  # articles 40-47 are our test split
        expected = "train" if r["article"] < SQUAD_SPLITS["validation"][0] else "validation"
        assert r["split"] == expected, r["id"]
    # each paragraph is the paragraph of that SQuAD article
    squad_contexts = {(r["title"], r["context"]) for r in load_squad_split(SQUAD)}
    assert all((r["title"], r["context"]) in squad_contexts for r in rows)


def test_document_style_passages_split_by_passage():
    """The passages written for the project in the style of real documents have no SQuAD article; each passage's
    questions are all in one split, and no such passage is a SQuAD paragraph."""
    rows = [r for r in _raw_rows() if _is_document_row(r)]
    assert len(rows) >= 500
    squad_contexts = {r["context"] for r in load_squad_split(SQUAD)}
    split_of: dict[str, set[str]] = collections.defaultdict(set)
    for r in rows:
        assert r["article"] is None and r["paragraph"] is None, r["id"]
        assert r["context"] not in squad_contexts, r["id"]
        split_of[r["context"]].add(r["split"])
    assert all(len(splits) == 1 for splits in split_of.values())
    assert {s for splits in split_of.values() for s in splits} == {"train", "validation"}


def test_sizes_balance_and_variety():
    rows = _raw_rows()
    counts = collections.Counter((r["split"], r["label"]) for r in rows)
    for label in REASONING_LABELS:
        assert counts[("train", label)] >= 300 and counts[("validation", label)] >= 80, counts
    for split in ("train", "validation"):
        for label in REASONING_LABELS:
            questions = [r["question"].lower() for r in rows if r["split"] == split and r["label"] == label]
            openings = {re.findall(r"[\w']+", q)[0] for q in questions}
            assert len(openings) >= 15, (split, label, len(openings))
        causal = [r["question"].lower() for r in rows if r["split"] == split and r["label"] == "causal"]
        assert sum("why" not in re.findall(r"\w+", q) for q in causal) >= 0.4 * len(causal)
        comparative = [
            r["question"].lower() for r in rows if r["split"] == split and r["label"] == "comparative"
        ]
        plain = r"\bthan\b|\b\w+est\b|\b(?:most|least|first|last|best|worst)\b"
        assert sum(not re.search(plain, q) for q in comparative) >= 0.4 * len(comparative)


def test_loader_gives_squad_rows_with_cues():
    validation = load_reasoning_questions("validation")
    assert {r["split"] for r in validation} == {"validation"}
    row = next(r for r in validation if r["reasoning_label"] == "causal")
    assert (
        row["answers"]["text"][0]
        == row["context"][row["answers"]["answer_start"][0] :][: len(row["answers"]["text"][0])]
    )
    assert row["context"][row["cue"]["start"] : row["cue"]["end"]] == row["cue"]["text"]
    assert len(load_reasoning_questions()) == len(_raw_rows())
