import evaluate
import pytest

from bert_qa_reasoning.metrics import classification_scores, metrics_path, normalize_answer, squad_scores


def test_official_normalisation_and_max_over_references():
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    scores = squad_scores(
        {"1": "the Paris", "2": "big red dog"}, {"1": ["Paris", "London"], "2": ["red dog", "cat"]}
    )
    assert scores["exact_match"] == 50.0
    assert scores["f1"] == pytest.approx((100 + 100 * 0.8) / 2)
    with pytest.raises(ValueError, match="No prediction"):
        squad_scores({}, {"1": ["x"]})


def test_reasoning_scores():
    s = classification_scores([0, 1, 1, 2], [0, 1, 2, -100], 3)
    assert s["reasoning_accuracy"] == pytest.approx(200 / 3)
    assert s["reasoning_macro_f1"] == pytest.approx(100 * (1 + 2 / 3 + 0) / 3)


def test_local_evaluate_module_needs_no_hub():
    metric = evaluate.load(metrics_path())
    out = metric.compute(
        predictions=[{"id": "1", "prediction_text": "Paris", "reasoning": 0}],
        references=[{"id": "1", "answers": {"text": ["Paris"], "answer_start": [0]}, "reasoning": 0}],
    )
    assert out["exact_match"] == 100.0 and out["reasoning_accuracy"] == 100.0 and out["num_examples"] == 1


def test_evaluate_module_takes_standard_squad_inputs_and_scores_missing_predictions_zero():
    metric = evaluate.load(metrics_path())
    out = metric.compute(
        predictions=[{"id": "1", "prediction_text": "Paris"}, {"id": "9", "prediction_text": "Rome"}],
        references=[
            {"id": "1", "answers": {"text": ["Paris"], "answer_start": [0]}},
            {"id": "2", "answers": {"text": ["Rome"], "answer_start": [0]}},
        ],
    )
    assert out["exact_match"] == 50.0 and out["num_examples"] == 2 and "reasoning_accuracy" not in out
    assert squad_scores({}, {"1": ["x"]}, strict=False)["f1"] == 0.0
