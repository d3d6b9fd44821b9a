import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bert_qa_reasoning.features import (
    postprocess_qa_predictions,
    prepare_eval_features,
    prepare_train_features,
)
from bert_qa_reasoning.reasoning import LABEL2ID

WORDS = [
    "river",
    "flood",
    "Paris",
    "1890",
    "museum",
    "rain",
    "larger",
    "city",
    "because",
    "the",
    "of",
    "a",
    "Lyon",
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=5, max_size=220), st.data())
def test_labelled_tokens_decode_back_to_the_answer(tokenizer, words, data):
    context = " ".join(words)
    i = data.draw(st.integers(0, len(words) - 1))
    j = data.draw(st.integers(i, min(len(words) - 1, i + 4)))
    start = len(" ".join(words[:i])) + (1 if i else 0)
    answer = " ".join(words[i : j + 1])
    assert context[start : start + len(answer)] == answer
    ex = {
        "id": ["x"],
        "question": ["what?"],
        "context": [context],
        "answers": [{"text": [answer], "answer_start": [start]}],
        "reasoning_label": ["causal"],
    }
    feats = prepare_train_features(ex, tokenizer, max_length=64, doc_stride=24, reasoning_label2id=LABEL2ID)
    enc = tokenizer(
        ["what?"],
        [context],
        truncation="only_second",
        max_length=64,
        stride=24,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
    )
    found = False
    for k, (s, e) in enumerate(zip(feats["start_positions"], feats["end_positions"])):
        assert feats["reasoning_labels"][k] == LABEL2ID["causal"]
        if s == 0 and e == 0:
            continue
        offsets = enc["offset_mapping"][k]
        assert context[offsets[s][0] : offsets[e][1]].lower() == answer.lower()
        found = True
    assert found


def test_bad_answer_names_the_example(tokenizer):
    ex = {
        "id": ["q7"],
        "question": ["q"],
        "context": ["abc def"],
        "answers": [{"text": ["xyz"], "answer_start": [0]}],
    }
    with pytest.raises(ValueError, match="q7"):
        prepare_train_features(ex, tokenizer)
    with pytest.raises(ValueError, match="unknown reasoning label"):
        prepare_train_features(
            {**ex, "answers": [{"text": ["abc"], "answer_start": [0]}], "reasoning_label": ["odd"]},
            tokenizer,
            reasoning_label2id=LABEL2ID,
        )
    with pytest.raises(ValueError, match="missing column"):
        prepare_train_features({"id": ["a"]}, tokenizer)


def test_postprocess_best_over_windows(tokenizer):
    context = "alpha beta gamma delta " * 30 + "Marie Curie discovered radium."
    ex = {"id": ["a"], "question": ["who?"], "context": [context]}
    feats = prepare_eval_features(ex, tokenizer, max_length=48, doc_stride=16)
    n = len(feats["input_ids"])
    assert n > 2 and feats["example_id"] == ["a"] * n
    start = np.full((n, 48), -10.0)
    end = np.full((n, 48), -10.0)
    last = n - 1
    offsets = feats["offset_mapping"][last]
    target = context.index("Marie")
    s_tok = next(k for k, o in enumerate(offsets) if o and o[0] == target)
    e_tok = next(k for k, o in enumerate(offsets) if o and o[1] == target + len("Marie Curie"))
    start[last, s_tok] = 5.0
    end[last, e_tok] = 5.0
    preds = postprocess_qa_predictions(ex, feats, start, end)
    assert preds["a"]["text"] == "Marie Curie"
    assert preds["a"]["start"] == target
    null = postprocess_qa_predictions(
        ex,
        {**feats},
        np.where(True, start, 0) * 0 - 10 + np.eye(1, 48) * 30,
        end * 0 - 10 + np.eye(1, 48) * 30,
        version_2_with_negative=True,
    )
    assert null["a"]["text"] == ""
