"""The `question-answering` drop-in: 4.x's call forms and outputs, and a differential test against answers that
the real transformers 4.57.3 pipeline recorded on the same weights (`benchmarks/record_hf457.py`)."""

import json
import os
import sys

import pytest
import torch
from transformers import pipeline

import bert_qa_reasoning  # noqa: F401  (registers "question-answering")

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "hf457_answers.json")
CONTEXT = "Alice Smith founded the company in 1999. Bob Jones joined it in 2004 as its first engineer."


@pytest.fixture(scope="module")
def plain_checkpoint(tmp_path_factory):
    """The reference reader as a plain BertForQuestionAnswering checkpoint: what 4.57 read when it recorded."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
    from record_hf457 import export

    out = str(tmp_path_factory.mktemp("hf457-model"))
    export(out)
    return out


@pytest.fixture(scope="module")
def qa(plain_checkpoint):
    return pipeline("question-answering", model=plain_checkpoint, device=-1)


def _as_list(output):
    return output if isinstance(output, list) else [output]


def test_the_task_is_registered_for_any_qa_checkpoint(qa, tiny_config, tokenizer):
    from transformers import BertForQuestionAnswering

    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning
    from bert_qa_reasoning.pipeline_question_answering import QuestionAnsweringPipeline

    assert isinstance(qa, QuestionAnsweringPipeline) and isinstance(qa.model, BertForQuestionAnswering)
    ours = pipeline(
        "question-answering", model=BertForQuestionAnsweringWithReasoning(tiny_config), tokenizer=tokenizer
    )
    assert set(ours(question="Who?", context=CONTEXT)) == {"score", "start", "end", "answer"}


def test_call_forms_and_output_shapes(qa):
    one = qa(question="Who founded the company?", context=CONTEXT)
    assert isinstance(one, dict) and one["answer"] == CONTEXT[one["start"] : one["end"]]
    assert qa("Who founded the company?", CONTEXT) == one
    assert qa({"question": "Who founded the company?", "context": CONTEXT}) == one
    pairs = qa(question=["Who founded the company?", "Who joined in 2004?"], context=[CONTEXT, CONTEXT])
    assert [p["answer"] for p in pairs] == [
        one["answer"],
        qa(question="Who joined in 2004?", context=CONTEXT)["answer"],
    ]
    dicts = qa([{"question": "Who founded the company?", "context": CONTEXT}] * 2)
    assert dicts == [one, one]
    assert len(qa(question="Who founded the company?", context=CONTEXT, top_k=3)) == 3
    streamed = list(qa({"question": q, "context": CONTEXT} for q in ("Who founded it?", "When?")))
    assert len(streamed) == 2 and all(isinstance(s, dict) for s in streamed)
    with pytest.raises(ValueError, match="same length"):
        qa(question=["a?", "b?"], context=[CONTEXT])
    with pytest.raises(ValueError, match="top_k"):
        qa(question="Who?", context=CONTEXT, top_k=0)


def test_a_datasets_dataset_streams_through(qa):
    datasets = pytest.importorskip("datasets")
    from transformers.pipelines.pt_utils import KeyDataset

    rows = datasets.Dataset.from_list([{"q": "Who founded the company?", "c": CONTEXT}] * 3)

    class Pairs(torch.utils.data.Dataset):
        def __len__(self):
            return len(rows)

        def __getitem__(self, i):
            return {"question": rows[i]["q"], "context": rows[i]["c"]}

    assert len(list(qa(Pairs(), batch_size=2))) == 3
    assert len(list(KeyDataset(rows, "q"))) == 3  # the 4.x helper imports and works on our datasets


def test_stride_follows_max_seq_len_and_long_contexts_keep_real_answers(qa):
    long = ("Filler text about nothing in particular. " * 60) + CONTEXT
    out = qa(question="Who founded the company?", context=long, max_seq_len=96, handle_impossible_answer=True)
    assert out["answer"] == "Alice Smith"  # the null answer is the lowest over windows, as in 4.x
    with pytest.raises(ValueError, match="doc_stride"):
        qa(question="Who?", context=CONTEXT, max_seq_len=64, doc_stride=100)


def test_differential_against_transformers_4_57(plain_checkpoint):
    with open(FIXTURE, encoding="utf-8") as f:
        fixture = json.load(f)
    assert fixture["transformers"] == "4.57.3" and len(fixture["cases"]) >= 230
    as_4x = pipeline("question-answering", model=plain_checkpoint, device=-1)
    as_4x.sum_duplicates_across_windows = True  # 4.x's behaviour, to show the decoding is the same
    as_4x.per_window_softmax = True
    fixed = pipeline("question-answering", model=plain_checkpoint, device=-1)
    same = scores_close = 0
    for case in fixture["cases"]:
        kwargs = {k: v for k, v in case.items() if k not in ("id", "kind", "output")}
        theirs = case["output"]
        ours = as_4x(**kwargs)
        assert type(ours) is type(theirs), case["id"]  # a dict for one answer, a list for top_k > 1
        pairs = list(zip(_as_list(ours), _as_list(theirs)))
        same += all(
            (a["answer"], a["start"], a["end"]) == (b["answer"], b["start"], b["end"]) for a, b in pairs
        )
        scores_close += all(abs(a["score"] - b["score"]) <= 1e-3 for a, b in pairs)
        # with 4.x's bug fixed, one-window answers are unchanged and no score passes 1
        default = _as_list(fixed(**kwargs))
        assert all(0.0 <= a["score"] <= 1.0 for a in default), case["id"]
        if case["kind"] != "long context":
            assert [(a["answer"], a["start"]) for a in default] == [
                (a["answer"], a["start"]) for a in _as_list(theirs)
            ]
    total = len(fixture["cases"])
    assert same >= 0.99 * total, (same, total)
    assert scores_close >= 0.99 * total, (scores_close, total)


def test_pools_of_passages_bring_the_extras(qa):
    pools = [["Nothing here.", CONTEXT], ["Bob Jones joined it in 2004 as its first engineer."]]
    answers = qa(question=["Who founded the company?", "Who joined in 2004?"], context=pools)
    assert [a["answer"] for a in answers] == ["Alice Smith", "Bob Jones"]
    assert answers[0]["passage_id"] == 1 and answers[0]["reasoning_source"] == "labeler"
    assert answers[0]["reasoning_evidence"]["sentence"]["text"].startswith("Alice Smith founded")
    shared = qa(question="Who founded the company?", pool=[CONTEXT, "Nothing here."], top_k=2)
    assert isinstance(shared, list) and shared[0]["answer"] == "Alice Smith"
