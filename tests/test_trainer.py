import json
import os
import subprocess
import sys

import pytest
from transformers import AutoTokenizer, TrainingArguments

from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning, BertQAReasoningConfig
from bert_qa_reasoning.recipe import train_qa

from .conftest import SQUAD

ROOT = os.path.join(os.path.dirname(__file__), "..")


@pytest.fixture
def tiny_model_dir(tmp_path, minilm_dir):
    config = BertQAReasoningConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
    )
    path = tmp_path / "tiny"
    BertForQuestionAnsweringWithReasoning(config).save_pretrained(path)
    AutoTokenizer.from_pretrained(minilm_dir).save_pretrained(path)
    return str(path)


@pytest.fixture
def tiny_squad(tmp_path):
    with open(SQUAD, encoding="utf-8") as f:
        data = json.load(f)
    article = data["data"][0]
    small = {"version": "1.1", "data": [{"title": article["title"], "paragraphs": article["paragraphs"][:4]}]}
    path = tmp_path / "tiny_squad.json"
    path.write_text(json.dumps(small))
    return str(path)


def _args(out, **kw):
    return TrainingArguments(
        output_dir=out,
        per_device_train_batch_size=8,
        per_device_eval_batch_size=16,
        report_to=[],
        use_cpu=True,
        logging_steps=1,
        learning_rate=1e-3,
        disable_tqdm=True,
        **kw,
    )


def test_train_logs_both_losses_evaluates_and_saves_a_hub_model(tiny_model_dir, tiny_squad, tmp_path):
    out = str(tmp_path / "out")
    result = train_qa(
        tiny_model_dir,
        tiny_squad,
        out,
        eval_files=tiny_squad,
        training_args=_args(out, max_steps=4),
        max_length=128,
        doc_stride=48,
    )
    logs = result.trainer.state.log_history
    assert any("span_loss" in r and "reasoning_loss" in r for r in logs)
    for key in (
        "eval_exact_match",
        "eval_f1",
        "eval_reasoning_accuracy",
        "eval_reasoning_macro_f1",
        "eval_num_examples",
    ):
        assert key in result.metrics
    assert result.metrics["eval_num_examples"] > 10
    files = set(os.listdir(out))
    assert {
        "config.json",
        "model.safetensors",
        "modeling_bert_qa_reasoning.py",
        "pipeline_qa_with_reasoning.py",
        "README.md",
    } <= files
    with open(os.path.join(out, "README.md")) as f:
        card = f.read()
    assert "pipeline_tag: question-answering" in card and "type: f1" in card and "learning_rate" in card
    from huggingface_hub import ModelCard

    meta = ModelCard.load(os.path.join(out, "README.md")).data.to_dict()
    dataset = meta["model-index"][0]["results"][0]["dataset"]
    assert dataset["type"] == "custom" and "squad" in dataset["name"]  # a file of your own, named as such
    assert "base_model" not in meta  # a local checkpoint has no Hub id
    assert not [f for f in files if f.startswith("checkpoint-")]  # no optimizer state in the exported folder
    assert not [f for f in files if f.startswith(".saving-")]


def test_bad_training_data_names_the_example(tiny_model_dir, tmp_path):
    bad = {
        "data": [
            {
                "title": "t",
                "paragraphs": [
                    {
                        "context": "abc def",
                        "qas": [
                            {"id": "bad-1", "question": "q?", "answers": [{"text": "zzz", "answer_start": 0}]}
                        ],
                    }
                ],
            }
        ]
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    with pytest.raises(ValueError, match="bad-1"):
        train_qa(
            tiny_model_dir,
            str(path),
            str(tmp_path / "o"),
            training_args=_args(str(tmp_path / "o"), max_steps=1),
        )


def test_killed_run_resumes_from_its_last_checkpoint(tiny_model_dir, tiny_squad, tmp_path):
    out = str(tmp_path / "resume")
    script = f"""
import sys
from transformers import TrainerCallback, TrainingArguments
from bert_qa_reasoning.recipe import train_qa
class Kill(TrainerCallback):
    def on_step_end(self, args, state, control, **kw):
        if state.global_step == 5:
            import os; os._exit(17)
args = TrainingArguments(output_dir={out!r}, max_steps=8, save_steps=2, per_device_train_batch_size=8, report_to=[],
                         use_cpu=True, disable_tqdm=True, seed=1)
import bert_qa_reasoning.recipe as t
orig = t.QAWithReasoningTrainer if hasattr(t, "QAWithReasoningTrainer") else None
from bert_qa_reasoning import trainer as tr
class KilledTrainer(tr.QAWithReasoningTrainer):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.add_callback(Kill())
tr.QAWithReasoningTrainer = KilledTrainer
train_qa({tiny_model_dir!r}, {tiny_squad!r}, {out!r}, training_args=args, max_length=128, doc_stride=48)
"""
    killed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert killed.returncode == 17, killed.stderr[-2000:]
    checkpoints = sorted(d for d in os.listdir(out) if d.startswith("checkpoint-"))
    assert checkpoints[-1] == "checkpoint-4"
    result = train_qa(
        tiny_model_dir,
        tiny_squad,
        out,
        training_args=_args(out, max_steps=8, save_steps=2, seed=1),
        max_length=128,
        doc_stride=48,
        resume_from_checkpoint=True,
    )
    assert result.trainer.state.global_step == 8
    # resume_from_checkpoint=True found checkpoint-4 (the Trainer raises when there is none); the finished run
    # leaves no optimizer state behind
    assert result.trainer.state.log_history[-1]["step"] == 8
    assert not [d for d in os.listdir(out) if d.startswith("checkpoint-")]


@pytest.mark.slow
def test_two_process_cpu_ddp_through_accelerate_launch(tiny_model_dir, tiny_squad, tmp_path):
    out = str(tmp_path / "ddp")
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        # `--cpu` would start one process; `--multi_gpu` starts them through torchrun, and `--use_cpu` below makes
        # each join a gloo process group on the CPU.
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        os.path.join(ROOT, "recipes", "train.py"),
        "--model",
        tiny_model_dir,
        "--train",
        tiny_squad,
        "--output-dir",
        out,
        "--max-length",
        "128",
        "--doc-stride",
        "48",
        "--max_steps",
        "3",
        "--per_device_train_batch_size",
        "4",
        "--use_cpu",
        "--save_strategy",
        "no",
    ]
    run = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert os.path.exists(os.path.join(out, "model.safetensors"))
    with open(os.path.join(out, "README.md")) as f:
        card = f.read()
    assert (
        "| world_size | 2 |" in card
    )  # both ranks joined one process group and "| lr_scheduler_type | linear |" in card
