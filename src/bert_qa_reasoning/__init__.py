"""bert-qa-reasoning: extractive question answering with reasoning types, retrieval and provenance.

Importing the package registers the model with transformers' Auto classes and the `qa-with-reasoning` pipeline
(idempotently). Heavy parts (PDF extraction, datasets, training) are imported lazily.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .configuration_bert_qa_reasoning import BertQAReasoningConfig
from .modeling_bert_qa_reasoning import (
    BertForQuestionAnsweringWithReasoning,
    BertQAReasoningModel,
    QuestionAnsweringWithReasoningOutput,
)
from .registration import register

__version__ = "0.1.0"

register()

# Public names served lazily: module attribute -> module that defines it.
_LAZY = {
    "QAWithReasoningPipeline": "pipeline_qa_with_reasoning",
    "PassageIndex": "retrieval",
    "load_pdf_qa": "pdf_qa",
    "PdfQABuilder": "pdf_qa",
    "PdfQAConfig": "pdf_qa",
    "PdfError": "pdf_text",
    "EncryptedPdfError": "pdf_text",
    "CorruptPdfError": "pdf_text",
    "EmptyPdfError": "pdf_text",
    "NoTextLayerError": "pdf_text",
    "extract_pdf_pages": "pdf_text",
    "label_question": "reasoning",
    "QAWithReasoningTrainer": "trainer",
    "prepare_train_features": "features",
    "prepare_eval_features": "features",
    "postprocess_qa_predictions": "features",
}

if TYPE_CHECKING:  # pragma: no cover
    from .features import postprocess_qa_predictions, prepare_eval_features, prepare_train_features
    from .pdf_qa import PdfQABuilder, PdfQAConfig, load_pdf_qa
    from .pdf_text import (
        CorruptPdfError,
        EmptyPdfError,
        EncryptedPdfError,
        NoTextLayerError,
        PdfError,
        extract_pdf_pages,
    )
    from .pipeline_qa_with_reasoning import QAWithReasoningPipeline
    from .reasoning import label_question
    from .retrieval import PassageIndex
    from .trainer import QAWithReasoningTrainer


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BertForQuestionAnsweringWithReasoning",
    "BertQAReasoningConfig",
    "BertQAReasoningModel",
    "CorruptPdfError",
    "EmptyPdfError",
    "EncryptedPdfError",
    "NoTextLayerError",
    "PassageIndex",
    "PdfError",
    "PdfQABuilder",
    "PdfQAConfig",
    "QAWithReasoningPipeline",
    "QAWithReasoningTrainer",
    "QuestionAnsweringWithReasoningOutput",
    "extract_pdf_pages",
    "label_question",
    "load_pdf_qa",
    "postprocess_qa_predictions",
    "prepare_eval_features",
    "prepare_train_features",
    "register",
]
