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
