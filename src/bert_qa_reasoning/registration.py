"""Registers our classes with transformers' Auto classes and pipeline registry; safe to call any number of times."""

from __future__ import annotations

from transformers import AutoConfig, AutoModel, AutoModelForQuestionAnswering

from .configuration_bert_qa_reasoning import BertQAReasoningConfig
from .modeling_bert_qa_reasoning import AUTO_MAP, BertForQuestionAnsweringWithReasoning, BertQAReasoningModel

PIPELINE_TASK = "qa-with-reasoning"
QA_TASK = (
    "question-answering"  # removed from transformers in 5.3; registered again here, for any QA checkpoint
)
# transformers 4.x's default model for the task, for `pipeline("question-answering")` with no model
QA_DEFAULT = {"model": {"pt": ("distilbert/distilbert-base-cased-distilled-squad", "564e9b5")}}


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
    import transformers.pipelines as pipelines
    from transformers.pipelines import PIPELINE_REGISTRY

    from .pipeline_qa_with_reasoning import QAWithReasoningPipeline
    from .pipeline_question_answering import QuestionAnsweringPipeline

    if PIPELINE_TASK not in PIPELINE_REGISTRY.get_supported_tasks():
        PIPELINE_REGISTRY.register_pipeline(
            PIPELINE_TASK,
            pipeline_class=QAWithReasoningPipeline,
            pt_model=AutoModelForQuestionAnswering,
            type="text",
        )
    registered = PIPELINE_REGISTRY.supported_tasks.get(QA_TASK, {}).get("impl")
    if registered is None or getattr(registered, "__module__", "").startswith("bert_qa_reasoning."):
        # Where transformers lists the task as removed (5.3 on), `pipeline("question-answering")` raises before it
        # looks at the registry: take it off that list, then register the drop-in. A transformers that still ships
        # its own question-answering pipeline keeps it.
        getattr(pipelines, "REMOVED_TASKS", {}).pop(QA_TASK, None)
        if registered is None:
            PIPELINE_REGISTRY.register_pipeline(
                QA_TASK,
                pipeline_class=QuestionAnsweringPipeline,
                pt_model=AutoModelForQuestionAnswering,
                default=QA_DEFAULT,
                type="text",
            )


__all__ = ["AUTO_MAP", "PIPELINE_TASK", "QA_TASK", "register"]
