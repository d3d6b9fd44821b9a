"""Model card: a data class filled by a Trainer callback, rendered from the template shipped in the package."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from string import Template
from typing import Any

from transformers import TrainerCallback

from .reasoning import REASONING_LABELS

_TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates", "model_card.md")
_HYPERPARAMETERS = (
    "learning_rate",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "num_train_epochs",
    "max_steps",
    "warmup_steps",
    "weight_decay",
    "lr_scheduler_type",
    "seed",
    "bf16",
    "fp16",
)


@dataclass
class ModelCardData:
    """What the model card says. Filled by `ModelCardCallback` during training; any field can be set by hand."""

    model_name: str = "bert-qa-reasoning model"
    model_id: str = "path/to/model"
    base_model: str = "unknown"
    license: str = "apache-2.0"
    datasets: list[str] = field(default_factory=lambda: ["rajpurkar/squad"])
    train_description: str = "SQuAD-style question answering examples"
    eval_dataset: str = "squad"
    eval_dataset_type: str = "rajpurkar/squad"
    eval_split: str = "validation"
    reasoning_labels: list[str] = field(default_factory=lambda: list(REASONING_LABELS))
    metrics: dict[str, float] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    train_runtime: str = "not recorded"

    def to_markdown(self) -> str:
        """Renders the card (YAML metadata + Markdown) from the packaged template."""
        from . import __version__

        with open(_TEMPLATE, encoding="utf-8") as f:
            template = Template(f.read())
        metrics = {k.removeprefix("eval_"): v for k, v in self.metrics.items() if isinstance(v, (int, float))}
        metric_names = {"exact_match": "exact_match", "f1": "f1", "reasoning_accuracy": "accuracy"}
        metrics_yaml = (
            "\n".join(
                f"    - type: {metric_names[k]}\n      name: {k}\n      value: {metrics[k]:.2f}"
                for k in metric_names
                if k in metrics
            )
            or "    []"
        )
        base_url = (
            self.base_model if os.path.isdir(self.base_model) else f"https://huggingface.co/{self.base_model}"
        )
        return template.substitute(
            license=self.license,
            base_model=self.base_model,
            base_model_url=base_url,
            datasets_yaml="\n".join(f"- {d}" for d in self.datasets) or "- none",
            model_name=self.model_name,
            model_id=self.model_id,
            eval_dataset=self.eval_dataset,
            eval_dataset_type=self.eval_dataset_type,
            eval_split=self.eval_split,
            metrics_yaml=metrics_yaml,
            reasoning_labels=", ".join(self.reasoning_labels),
            metrics_table="\n".join(f"| {k} | {v:.2f} |" for k, v in metrics.items())
            or "| (not evaluated) | |",
            train_description=self.train_description,
            hyperparameters_table="\n".join(f"| {k} | {v} |" for k, v in self.hyperparameters.items())
            or "| | |",
            train_runtime=self.train_runtime,
            library_version=__version__,
        )

    def save(self, directory: str) -> str:
        """Writes `README.md` into `directory` and returns its path."""
        path = os.path.join(directory, "README.md")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(self.to_markdown())
        os.replace(tmp, path)
        return path


class ModelCardCallback(TrainerCallback):
    """Fills a `ModelCardData` with the run's hyperparameters, evaluation metrics and runtime."""

    def __init__(self, card: ModelCardData):
        self.card = card

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        # enums (lr_scheduler_type) by their value: "linear", not "SchedulerType.LINEAR"
        self.card.hyperparameters = {
            k: getattr(getattr(args, k), "value", getattr(args, k))
            for k in _HYPERPARAMETERS
            if hasattr(args, k)
        }
        self.card.hyperparameters["world_size"] = args.world_size
        if model is not None and hasattr(model, "config"):
            self.card.reasoning_labels = list(
                getattr(model.config, "reasoning_labels", self.card.reasoning_labels)
            )

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if metrics:
            self.card.metrics.update({k: v for k, v in metrics.items() if isinstance(v, (int, float))})

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "train_runtime" in logs:
            seconds = float(logs["train_runtime"])
            self.card.train_runtime = f"{seconds / 60:.1f} min, {state.global_step} steps"


__all__ = ["ModelCardCallback", "ModelCardData"]
