from transformers import AutoConfig, AutoModel, AutoModelForQuestionAnswering, pipeline
from transformers.pipelines import PIPELINE_REGISTRY

import bert_qa_reasoning
from bert_qa_reasoning import (
    BertForQuestionAnsweringWithReasoning,
    BertQAReasoningConfig,
    BertQAReasoningModel,
)
from bert_qa_reasoning.registration import AUTO_MAP, PIPELINE_TASK, register


def test_register_is_idempotent_and_wires_the_auto_classes(tiny_config):
    register()
    register()  # a second import-time call must not raise or duplicate
    assert PIPELINE_TASK in PIPELINE_REGISTRY.get_supported_tasks()
    assert isinstance(AutoConfig.for_model(BertQAReasoningConfig.model_type), BertQAReasoningConfig)
    assert isinstance(AutoModel.from_config(tiny_config), BertQAReasoningModel)
    assert isinstance(
        AutoModelForQuestionAnswering.from_config(tiny_config), BertForQuestionAnsweringWithReasoning
    )
    assert bert_qa_reasoning.register is register


def test_saved_config_points_every_auto_class_at_the_shipped_code(tiny_config, tokenizer, tmp_path):
    model = BertForQuestionAnsweringWithReasoning(tiny_config)
    pipeline(PIPELINE_TASK, model=model, tokenizer=tokenizer).save_pretrained(tmp_path)
    config = AutoConfig.from_pretrained(tmp_path)
    assert config.auto_map == AUTO_MAP
    assert config.custom_pipelines[PIPELINE_TASK]["impl"].startswith("pipeline_qa_with_reasoning.")
