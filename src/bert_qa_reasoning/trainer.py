"""A thin `transformers.Trainer` subclass: the model's loss with its parts logged, SQuAD-style evaluation, and its
own model-card callback."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import torch
from transformers import Trainer

from .features import postprocess_qa_predictions
from .metrics import qa_with_reasoning_scores
from .model_card import ModelCardCallback, ModelCardData

logger = logging.getLogger(__name__)

LABEL_NAMES = ["start_positions", "end_positions", "reasoning_labels"]
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class QAWithReasoningTrainer(Trainer):
    """`Trainer` for [`BertForQuestionAnsweringWithReasoning`] (or any QA model returning start/end logits).

    `compute_loss` returns the loss the model computed (span loss plus `reasoning_loss_weight` times the reasoning
    loss), and logs its two parts as `span_loss` and `reasoning_loss`. The Trainer fills `model_card_data` through
    its own [`ModelCardCallback`] (hyperparameters, metrics, runtime). When `eval_examples` (the raw SQuAD-style rows) are given,
    `evaluate` decodes answers with the shared post-processing and reports `exact_match`, `f1`,
    `reasoning_accuracy`, `reasoning_macro_f1` and `num_examples`. Everything else is stock `Trainer`.

    Args:
        eval_examples: rows with `id`, `context`, `answers` matching `eval_dataset`'s `example_id`s.
        max_answer_length: longest answer in tokens at evaluation.
        n_best_size: spans considered per window at evaluation.
        model_card_data ([`ModelCardData`], *optional*): what the model card says; a new one when omitted.
        *args, **kwargs: as for `transformers.Trainer` (pass the tokenizer as `processing_class`).
    """

    def __init__(
        self,
        *args,
        eval_examples=None,
        max_answer_length: int = 30,
        n_best_size: int = 20,
        model_card_data: ModelCardData | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # Like SpanMarker's Trainer: the card is filled by a callback this Trainer adds itself.
        self.model_card_data = model_card_data if model_card_data is not None else ModelCardData()
        self.add_callback(ModelCardCallback(self.model_card_data))
        if self.args.label_names is None:
            self.label_names = LABEL_NAMES
        self.eval_examples = eval_examples
        self.max_answer_length = max_answer_length
        self.n_best_size = n_best_size
        # Detached loss tensors, averaged when Trainer logs: reading them every step would make the host wait for
        # the GPU each step, as Trainer's own loss tracking avoids.
        self._loss_parts: dict[str, list[torch.Tensor]] = {"span_loss": [], "reasoning_loss": []}

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        # The loss lives in the model (span + weighted reasoning for ours, span alone for a plain QA model such as
        # the peer); the Trainer only records our model's two parts for logging.
        outputs = model(**inputs)
        loss = outputs.get("loss")
        if loss is None:
            raise ValueError(
                "QAWithReasoningTrainer: the batch has neither span positions nor reasoning labels."
            )
        if model.training:
            for name in self._loss_parts:
                part = outputs.get(name)
                if part is not None:
                    self._loss_parts[name].append(part.detach())
        return (loss, outputs) if return_outputs else loss

    def log(self, logs: dict[str, float], *args, **kwargs) -> None:
        if "loss" in logs:
            for name, values in self._loss_parts.items():
                if values:
                    logs[name] = round(torch.stack(values).float().mean().item(), 4)
                    values.clear()
        super().log(logs, *args, **kwargs)

    def evaluate(
        self, eval_dataset=None, ignore_keys=None, metric_key_prefix: str = "eval"
    ) -> dict[str, float]:
        eval_dataset = eval_dataset if eval_dataset is not None else self.eval_dataset
        if (
            self.eval_examples is None
            or eval_dataset is None
            or "offset_mapping" not in eval_dataset.column_names
        ):
            return super().evaluate(
                eval_dataset, ignore_keys=ignore_keys, metric_key_prefix=metric_key_prefix
            )
        metrics = self.predict_examples(eval_dataset, self.eval_examples, metric_key_prefix)
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics

    def predict_examples(self, features, examples, metric_key_prefix: str = "eval") -> dict[str, float]:
        """Runs the model over eval features and scores the decoded answers against the examples."""
        model_features = features.remove_columns([c for c in features.column_names if c not in MODEL_INPUTS])
        output = self.predict(model_features, metric_key_prefix=metric_key_prefix)
        logits = output.predictions
        start_logits, end_logits = logits[0], logits[1]
        reasoning_logits = logits[2] if len(logits) > 2 else None
        predictions = postprocess_qa_predictions(
            examples,
            features,
            start_logits,
            end_logits,
            n_best_size=self.n_best_size,
            max_answer_length=self.max_answer_length,
        )
        references = {ex_id: answers["text"] for ex_id, answers in zip(examples["id"], examples["answers"])}
        reasoning_pred = reasoning_gold = None
        if reasoning_logits is not None and "reasoning_labels" in features.column_names:
            # one reasoning prediction per example: the mean of its windows' logits
            by_example: dict[Any, list[int]] = {}
            for i, ex_id in enumerate(features["example_id"]):
                by_example.setdefault(ex_id, []).append(i)
            labels = features["reasoning_labels"]
            ids = list(examples["id"])
            reasoning_pred = [int(np.argmax(reasoning_logits[by_example[i]].mean(0))) for i in ids]
            reasoning_gold = [labels[by_example[i][0]] for i in ids]
        scores = qa_with_reasoning_scores(
            {k: v["text"] for k, v in predictions.items()},
            references,
            reasoning_pred,
            reasoning_gold,
            num_reasoning_classes=getattr(self.model.config, "reasoning_vocab_size", 3),
        )
        metrics = {f"{metric_key_prefix}_{k}": float(v) for k, v in scores.items()}
        metrics.update({k: v for k, v in output.metrics.items() if k.startswith(metric_key_prefix)})
        return metrics


def default_data_collator_for(tokenizer):
    """Dynamic padding collator that keeps our label columns as tensors."""
    from transformers import DataCollatorWithPadding

    return DataCollatorWithPadding(tokenizer, pad_to_multiple_of=8 if torch.cuda.is_available() else None)


__all__ = ["LABEL_NAMES", "QAWithReasoningTrainer", "default_data_collator_for"]
