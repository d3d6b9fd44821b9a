import json

import pytest

from bert_qa_reasoning.reasoning import reasoning_data_path
from bert_qa_reasoning.recipe import balanced_class_weights, load_examples

ROW = {
    "id": "a",
    "title": "t",
    "context": "Marie Curie discovered radium because she studied uranium rays.",
    "question": "Why did Marie Curie find radium?",
    "answers": {"text": ["she studied uranium rays"], "answer_start": [38]},
}


def test_every_kind_of_squad_data_trains_as_is(tmp_path):
    datasets = pytest.importorskip("datasets")
    nested = {"version": "1.1", "data": [{"title": "t", "paragraphs": [{"context": ROW["context"], "qas": [
        {"id": "n", "question": "Who discovered radium?", "answers": [{"text": "Marie Curie", "answer_start": 0}]}
    ]}]}]}  # fmt: skip
    (tmp_path / "nested.json").write_text(json.dumps(nested))
    (tmp_path / "flat.json").write_text(json.dumps([ROW]))
    (tmp_path / "flat.jsonl").write_text(json.dumps(ROW) + "\n")
    datasets.Dataset.from_list([ROW]).to_parquet(str(tmp_path / "flat.parquet"))
    files = [str(tmp_path / n) for n in ("nested.json", "flat.json", "flat.jsonl", "flat.parquet")]
    ds = load_examples(
        [*files, datasets.Dataset.from_list([ROW]), reasoning_data_path()], cache_dir=str(tmp_path / "c")
    )
    with open(reasoning_data_path(), encoding="utf-8") as f:
        shipped = sum(1 for line in f if line.strip())
    assert len(ds) == 5 + shipped
    labels = dict(zip(ds["source"], ds["reasoning_label"]))
    assert labels["flat.parquet"] == "causal"  # unlabelled rows get the labeler's label


def test_splits_are_for_our_squad_split_only(tmp_path):
    (tmp_path / "flat.json").write_text(json.dumps([ROW]))
    with pytest.raises(ValueError, match="Unknown split 'dev'"):
        load_examples([str(tmp_path / "flat.json")], split="dev")
    with pytest.raises(ValueError, match="no test part"):
        load_examples([reasoning_data_path()], split="test", cache_dir=str(tmp_path / "c"))
    assert balanced_class_weights([0, 0, 1, 2], 3) == [0.6667, 1.3333, 1.3333]
