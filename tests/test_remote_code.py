import json
import subprocess
import sys
import textwrap

import torch
from transformers import pipeline

import bert_qa_reasoning  # noqa: F401
from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name == "bert_qa_reasoning" or name.startswith("bert_qa_reasoning."):
                raise ImportError("bert_qa_reasoning is blocked in this process")
    sys.meta_path.insert(0, Block())
    """
)


def test_round_trip_in_a_process_that_cannot_import_the_package(minilm_dir, tokenizer, tmp_path):
    model = BertForQuestionAnsweringWithReasoning.from_pretrained(minilm_dir).eval()
    pipe = pipeline("qa-with-reasoning", model=model, tokenizer=tokenizer)
    pipe.save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert set(config["auto_map"]) == {"AutoConfig", "AutoModel", "AutoModelForQuestionAnswering"}
    assert "qa-with-reasoning" in config["custom_pipelines"]
    shipped = {p.name for p in tmp_path.iterdir()}
    assert {
        "modeling_bert_qa_reasoning.py",
        "packing.py",
        "cuda_graphs.py",
        "pipeline_qa_with_reasoning.py",
    } <= shipped
    enc = tokenizer("Who discovered radium?", "Marie Curie discovered radium.", return_tensors="pt")
    with torch.no_grad():
        expected = model(**enc)
        expected_base = model.bert(**enc).last_hidden_state
    torch.save(
        {"enc": dict(enc), "start": expected.start_logits, "base": expected_base}, tmp_path / "expected.pt"
    )
    script = BLOCKER + textwrap.dedent(
        f"""
        import torch
        from transformers import AutoModel, AutoModelForQuestionAnswering, pipeline
        try:
            import bert_qa_reasoning
            raise SystemExit("the package must not be importable here")
        except ImportError:
            pass
        d = {str(tmp_path)!r}
        exp = torch.load(d + "/expected.pt")
        qa = AutoModelForQuestionAnswering.from_pretrained(d, trust_remote_code=True).eval()
        base = AutoModel.from_pretrained(d, trust_remote_code=True).eval()
        assert "transformers_modules" in type(qa).__module__, type(qa).__module__
        with torch.no_grad():
            start = qa(**exp["enc"]).start_logits
            hidden = base(**exp["enc"]).last_hidden_state
        print("max diff", (start - exp["start"]).abs().max().item(), (hidden - exp["base"]).abs().max().item())
        assert torch.allclose(start, exp["start"], atol=1e-5)
        assert torch.allclose(hidden, exp["base"], atol=1e-5)
        pipe = pipeline(model=d, trust_remote_code=True)
        out = pipe(question="Who discovered radium?", context=["Marie Curie discovered radium.", "Dogs bark."])
        assert out[0]["reasoning"] in ("factual", "causal", "comparative"), out
        print("OK", type(pipe).__name__, out[0]["answer"])
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK QAWithReasoningPipeline" in result.stdout


def _save_tiny_pipeline(tiny_config, tokenizer, directory):
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    pipeline("qa-with-reasoning", model=model, tokenizer=tokenizer).save_pretrained(directory)
    return model


def test_with_the_package_installed_saved_models_load_the_installed_code_with_no_flag(
    tiny_config, tokenizer, tmp_path
):
    from transformers import AutoModelForQuestionAnswering

    _save_tiny_pipeline(tiny_config, tokenizer, tmp_path)
    for pipe in (pipeline("qa-with-reasoning", model=str(tmp_path)), pipeline(model=str(tmp_path))):
        assert type(pipe).__module__ == "bert_qa_reasoning.pipeline_qa_with_reasoning"
        assert type(pipe.model) is BertForQuestionAnsweringWithReasoning
        assert pipe(question="Who discovered radium?", context="Marie Curie discovered radium.")
    model = AutoModelForQuestionAnswering.from_pretrained(tmp_path)
    assert type(model) is BertForQuestionAnsweringWithReasoning
    # the saved config still carries the remote-code entry for machines without the package
    config = json.loads((tmp_path / "config.json").read_text())
    assert "qa-with-reasoning" in config["custom_pipelines"]
    pipe = pipeline(model=str(tmp_path))
    pipe.save_pretrained(tmp_path / "again")
    assert (
        "qa-with-reasoning"
        in json.loads((tmp_path / "again" / "config.json").read_text())["custom_pipelines"]
    )


def test_a_model_saved_by_an_older_package_version_loads_with_the_installed_code(
    tiny_config, tokenizer, tmp_path
):
    model = _save_tiny_pipeline(tiny_config, tokenizer, tmp_path)
    # What 0.1.0 wrote: no reasoning_class_weights key, and code copies of its own. The copies must not run.
    config = json.loads((tmp_path / "config.json").read_text())
    for key in ("reasoning_class_weights",):
        config.pop(key, None)
    (tmp_path / "config.json").write_text(json.dumps(config))
    for name in ("modeling_bert_qa_reasoning.py", "pipeline_qa_with_reasoning.py"):
        (tmp_path / name).write_text('raise RuntimeError("the old copy ran")\n')
    pipe = pipeline("qa-with-reasoning", model=str(tmp_path))
    assert (
        type(pipe.model) is BertForQuestionAnsweringWithReasoning
        and pipe.model.config.reasoning_class_weights is None
    )
    enc = tokenizer("Who?", "Marie Curie.", return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(pipe.model(**enc).start_logits, model(**enc).start_logits)
