import json

import pytest

from bert_qa_reasoning.squad import SQUAD_SPLITS, load_squad_split, read_squad_json, write_squad_json
from tests.conftest import SQUAD

ROWS = [
    {
        "id": "a",
        "context": "The river flooded because of heavy rain.",
        "question": "Why did the river flood?",
        "answers": {"text": ["heavy rain"], "answer_start": [29]},
        "reasoning_label": "causal",
    },
    {
        "id": "b",
        "context": "The river flooded because of heavy rain.",
        "question": "What flooded?",
        "answers": {"text": ["The river"], "answer_start": [0]},
    },
]


def test_write_then_read_round_trip(tmp_path):
    path = write_squad_json(str(tmp_path / "qa.json"), ROWS, title="t")
    assert not (tmp_path / "qa.json.tmp").exists()
    rows = list(read_squad_json(path))
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["answers"] == ROWS[0]["answers"] and rows[0]["reasoning_label"] == "causal"
    assert rows[1]["reasoning_label"] == "factual"  # unlabelled rows get the labeler's label
    with open(path, encoding="utf-8") as f:
        assert len(json.load(f)["data"][0]["paragraphs"]) == 1  # one paragraph, two questions


def test_bad_files_name_the_file_and_example(tmp_path):
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(ValueError, match="x.json: not a readable SQuAD JSON"):
        list(read_squad_json(str(tmp_path / "x.json")))
    bad = [{**ROWS[0], "answers": {"text": ["heavy rain"], "answer_start": [3]}}]
    path = write_squad_json(str(tmp_path / "bad.json"), bad)
    with pytest.raises(ValueError, match="example 'a'"):
        list(read_squad_json(path))
    label = [{**ROWS[0], "reasoning_label": "numeric"}]
    with pytest.raises(ValueError, match="unknown reasoning_label 'numeric'"):
        list(read_squad_json(write_squad_json(str(tmp_path / "l.json"), label)))


def test_our_splits_are_article_ranges_of_the_dev_set():
    assert SQUAD_SPLITS == {"train": (0, 32), "validation": (32, 40), "test": (40, 48)}
    with pytest.raises(ValueError, match="Unknown SQuAD split 'dev'"):
        load_squad_split(SQUAD, "dev")
    test_titles = {r["title"] for r in load_squad_split(SQUAD, "test")}
    train_titles = {r["title"] for r in load_squad_split(SQUAD, "train")}
    assert len(test_titles) == 8 and not test_titles & train_titles
