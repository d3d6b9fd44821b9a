import yaml
from transformers import TrainingArguments

from bert_qa_reasoning.model_card import ModelCardCallback, ModelCardData
from bert_qa_reasoning.reasoning import REASONING_LABELS
from bert_qa_reasoning.trainer import QAWithReasoningTrainer


def _front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_card_renders_metrics_and_yaml_front_matter(tmp_path):
    card = ModelCardData(base_model="sentence-transformers/all-MiniLM-L6-v2", metrics={"eval_f1": 70.123})
    path = card.save(str(tmp_path))
    with open(path, encoding="utf-8") as f:
        text = f.read()
    meta = _front_matter(text)
    assert meta["base_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert "| f1 | 70.12 |" in text
    assert card.reasoning_labels == list(REASONING_LABELS)
    assert not (tmp_path / "README.md.tmp").exists()


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
