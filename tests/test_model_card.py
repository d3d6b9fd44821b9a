import yaml
from transformers import TrainingArguments

from bert_qa_reasoning.model_card import ModelCardCallback, ModelCardData, squad_split_name
from bert_qa_reasoning.reasoning import REASONING_LABELS
from bert_qa_reasoning.trainer import QAWithReasoningTrainer


def _front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_card_renders_metrics_and_yaml_front_matter(tmp_path):
    from huggingface_hub import ModelCard

    card = ModelCardData(
        base_model="sentence-transformers/all-MiniLM-L6-v2",
        datasets=["rajpurkar/squad"],
        eval_dataset=squad_split_name("test"),
        eval_split="validation, articles 40-47",
        metrics={"eval_f1": 70.123, "eval_exact_match": 57.0, "eval_runtime": 3.0},
    )
    path = card.save(str(tmp_path))
    with open(path, encoding="utf-8") as f:
        text = f.read()
    meta = _front_matter(text)
    assert meta["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    result = meta["model-index"][0]["results"][0]
    assert result["dataset"]["name"] == "SQuAD v1.1 dev set, articles 40-47 (bert-qa-reasoning `test` split)"
    assert {m["type"]: m["value"] for m in result["metrics"]} == {"f1": 70.12, "exact_match": 57.0}
    assert "| f1 | 70.12 |" in text
    assert card.reasoning_labels == list(REASONING_LABELS)
    assert not (tmp_path / "README.md.tmp").exists()
    loaded = ModelCard.load(path)
    assert loaded.data.base_model == "sentence-transformers/all-MiniLM-L6-v2"


def test_a_card_without_evaluation_is_valid_and_says_so(tmp_path, minilm_dir):
    from huggingface_hub import ModelCard

    local = tmp_path / "local-checkpoint"
    local.mkdir()
    card = ModelCardData(base_model=str(local))  # a local path: not a Hub id, so left out
    path = card.save(str(tmp_path))
    loaded = ModelCard.load(path)
    assert "base_model" not in loaded.data.to_dict() and "model-index" not in loaded.data.to_dict()
    assert "Not evaluated" in loaded.text and "Measured on" not in loaded.text
    # the packaged all-MiniLM-L6-v2 copy is known by its Hub id
    assert (
        ModelCardData(base_model=minilm_dir).metadata()["base_model"]
        == "sentence-transformers/all-MiniLM-L6-v2"
    )


def test_callback_fills_hyperparameters_metrics_and_runtime(tmp_path, tiny_config):
    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    card = ModelCardData()
    callback = ModelCardCallback(card)
    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=3e-5, report_to=[], use_cpu=True)
    model = BertForQuestionAnsweringWithReasoning(tiny_config)
    callback.on_train_begin(args, None, None, model=model)
    callback.on_evaluate(args, None, None, metrics={"eval_f1": 1.5, "eval_note": "x"})
    state = type("State", (), {"global_step": 7})()
    callback.on_log(args, state, None, logs={"train_runtime": 120.0})
    assert card.hyperparameters["learning_rate"] == 3e-5 and card.hyperparameters["world_size"] == 1
    assert card.hyperparameters["lr_scheduler_type"] == "linear"
    assert card.metrics == {"eval_f1": 1.5} and card.train_runtime == "2.0 min, 7 steps"


def test_the_trainer_adds_its_own_card_callback(tmp_path, tiny_config):
    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    card = ModelCardData(model_name="mine")
    args = TrainingArguments(output_dir=str(tmp_path), report_to=[], use_cpu=True)
    trainer = QAWithReasoningTrainer(
        model=BertForQuestionAnsweringWithReasoning(tiny_config), args=args, model_card_data=card
    )
    callbacks = [c for c in trainer.callback_handler.callbacks if isinstance(c, ModelCardCallback)]
    assert len(callbacks) == 1 and callbacks[0].card is card is trainer.model_card_data
