"""Registers our classes with transformers' Auto classes and pipeline registry; safe to call any number of times."""

from __future__ import annotations

from transformers import AutoConfig, AutoModel, AutoModelForQuestionAnswering

from .configuration_bert_qa_reasoning import BertQAReasoningConfig
from .modeling_bert_qa_reasoning import AUTO_MAP, BertForQuestionAnsweringWithReasoning, BertQAReasoningModel

PIPELINE_TASK = "qa-with-reasoning"


def register() -> None:
    """Registers the config, the encoder, the QA model and the `qa-with-reasoning` pipeline (idempotent)."""
    AutoConfig.register(BertQAReasoningConfig.model_type, BertQAReasoningConfig, exist_ok=True)
    AutoModel.register(BertQAReasoningConfig, BertQAReasoningModel, exist_ok=True)
    AutoModelForQuestionAnswering.register(
        BertQAReasoningConfig, BertForQuestionAnsweringWithReasoning, exist_ok=True
    )
    # Saved models carry remote-code pointers for every Auto class.
    BertQAReasoningConfig.register_for_auto_class("AutoConfig")
    BertQAReasoningModel.register_for_auto_class("AutoModel")
    BertForQuestionAnsweringWithReasoning.register_for_auto_class("AutoModelForQuestionAnswering")
    _register_pipeline()


def _register_pipeline() -> None:
    from transformers.pipelines import PIPELINE_REGISTRY

    from .pipeline_qa_with_reasoning import QAWithReasoningPipeline

    if PIPELINE_TASK in PIPELINE_REGISTRY.get_supported_tasks():
        return
    PIPELINE_REGISTRY.register_pipeline(
        PIPELINE_TASK,
        pipeline_class=QAWithReasoningPipeline,
        pt_model=AutoModelForQuestionAnswering,
        type="text",
    )


__all__ = ["AUTO_MAP", "PIPELINE_TASK", "register"]
