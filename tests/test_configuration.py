import pytest

from bert_qa_reasoning import BertQAReasoningConfig


def test_defaults_are_bert_base():
    c = BertQAReasoningConfig()
    assert (c.vocab_size, c.hidden_size, c.num_hidden_layers, c.num_attention_heads) == (30522, 768, 12, 12)
    assert c.reasoning_labels == ["factual", "causal", "comparative"]
    assert c.reasoning_label2id == {"factual": 0, "causal": 1, "comparative": 2}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"hidden_size": 30, "num_attention_heads": 4}, "hidden_size"),
        ({"num_hidden_layers": 0}, "num_hidden_layers"),
        ({"reasoning_vocab_size": 2, "reasoning_labels": ["a", "b", "c"]}, "reasoning_labels"),
        ({"reasoning_labels": ["a", "a", "b"]}, "reasoning_labels"),
        ({"hidden_dropout_prob": 1.5}, "hidden_dropout_prob"),
        ({"reasoning_loss_weight": -1.0}, "reasoning_loss_weight"),
    ],
)
def test_bad_configs_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        BertQAReasoningConfig(**kwargs)


def test_other_reasoning_sizes_get_names():
    assert BertQAReasoningConfig(reasoning_vocab_size=2).reasoning_labels == ["reasoning_0", "reasoning_1"]


def test_bert_config_json_becomes_ours(minilm_dir):
    c = BertQAReasoningConfig.from_pretrained(minilm_dir)
    assert c.model_type == "bert-qa-reasoning" and c.hidden_size == 384 and c.num_hidden_layers == 6
