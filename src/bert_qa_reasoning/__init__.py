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

__version__ = "0.2.0"

register()


def reference_model_path() -> str:
    """The directory of the reference reader (all-MiniLM-L6-v2 fine-tuned by this project, with its model card).

    It ships as the `bert-qa-reasoning-reference` package, which `pip install "bert-qa-reasoning[demo]"` brings.

    Raises:
        `ImportError`: naming the extra to install, when the package is absent.
    """
    try:
        import bert_qa_reasoning_reference
    except ImportError:
        raise ImportError(
            "The reference model is not installed: pip install 'bert-qa-reasoning[demo]' (from a checkout: "
            "pip install -e '.[demo]'), or pass your own trained model."
        ) from None
    return str(bert_qa_reasoning_reference.get_model_path())


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
    "reference_model_path",
    "register",
]
