"""The Hub round trip, with the network mocked: what an upload would commit, and loading by Hub id from a cache laid
out as the Hub lays it out (offline), with and without the package installed."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from transformers import pipeline

import bert_qa_reasoning  # noqa: F401
from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning
from bert_qa_reasoning.cli import main
from bert_qa_reasoning.hub import check_model_dir, push_model_dir
from bert_qa_reasoning.model_card import ModelCardData
from tests.test_remote_code import BLOCKER

REPO = "someone/tiny-qa-reasoning"


@pytest.fixture
def saved_dir(tiny_config, tokenizer, tmp_path):
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    directory = tmp_path / "model"
    pipeline("qa-with-reasoning", model=model, tokenizer=tokenizer).save_pretrained(directory)
    ModelCardData(base_model="sentence-transformers/all-MiniLM-L6-v2", datasets=["rajpurkar/squad"]).save(
        str(directory)
    )
    (directory / "checkpoint-4").mkdir()  # a Trainer leftover that must not be uploaded
    (directory / "checkpoint-4" / "optimizer.pt").write_bytes(b"0" * 10)
    return directory


@pytest.fixture
def commits(monkeypatch):
    """Captures what huggingface_hub would send: repo creations and commit operations."""
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import CommitInfo

    recorded = {"repos": [], "commits": []}

    def create_repo(self, repo_id, *args, **kwargs):
        recorded["repos"].append(repo_id)
        from huggingface_hub.hf_api import RepoUrl

        return RepoUrl(f"https://huggingface.co/{repo_id}")

    def create_commit(self, repo_id, operations, *args, commit_message=None, **kwargs):
        ops = list(operations)
        recorded["commits"].append(
            {"repo_id": repo_id, "files": sorted(op.path_in_repo for op in ops), "message": commit_message}
        )
        return CommitInfo(
            commit_url=f"https://huggingface.co/{repo_id}/commit/0123",
            commit_message=commit_message or "",
            commit_description="",
            oid="0123",
        )

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "create_commit", create_commit)
    monkeypatch.setattr(HfApi, "preupload_lfs_files", lambda self, *a, **k: None, raising=False)

    def validate_yaml(self, content, *args, **kwargs):  # the Hub checks a card's metadata; check it here
        import yaml

        text = content.decode() if isinstance(content, bytes) else content
        assert text.startswith("---\n") and isinstance(yaml.safe_load(text.split("---\n")[1]), dict)

    monkeypatch.setattr(HfApi, "_validate_yaml", validate_yaml, raising=False)
    # one plain commit per upload (the streamed xet pipeline, when installed, talks to the Hub before committing)
    import huggingface_hub.hf_api

    monkeypatch.setattr(huggingface_hub.hf_api, "is_xet_available", lambda: False, raising=False)
    return recorded


EXPECTED = {
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "configuration_bert_qa_reasoning.py",
    "modeling_bert_qa_reasoning.py",
    "pipeline_qa_with_reasoning.py",
    "packing.py",
    "cuda_graphs.py",
    "cpu_linear.py",
    "choices.py",
    "evidence.py",
    "table_answers.py",
    "features.py",
    "retrieval.py",
    "windows.py",
}


def test_push_uploads_weights_tokenizer_code_entry_and_card(saved_dir, commits, capsys):
    assert main(["push", str(saved_dir), REPO]) == 0
    assert f"-> https://huggingface.co/{REPO}/commit/0123" in capsys.readouterr().out
    (commit,) = commits["commits"]
    files = set(commit["files"])
    assert commits["repos"] == [REPO] and EXPECTED | {"README.md"} <= files
    assert not [f for f in files if f.startswith("checkpoint-")]
    config = json.loads((saved_dir / "config.json").read_text())
    assert (
        "qa-with-reasoning" in config["custom_pipelines"]
        and "AutoModelForQuestionAnswering" in config["auto_map"]
    )
    from huggingface_hub import ModelCard

    meta = ModelCard.load(saved_dir / "README.md").data.to_dict()
    assert meta["pipeline_tag"] == "question-answering" and meta["library_name"] == "transformers"
    assert meta["base_model"] == "sentence-transformers/all-MiniLM-L6-v2" and meta["datasets"] == [
        "rajpurkar/squad"
    ]


def test_model_and_pipeline_push_to_hub(tiny_config, tokenizer, commits):
    model = BertForQuestionAnsweringWithReasoning(tiny_config)
    model.push_to_hub(REPO)
    pipeline("qa-with-reasoning", model=model, tokenizer=tokenizer).push_to_hub(REPO + "-pipe")
    model_files, pipe_files = (set(c["files"]) for c in commits["commits"])
    assert {"config.json", "model.safetensors", "modeling_bert_qa_reasoning.py", "packing.py"} <= model_files
    assert pipe_files >= EXPECTED


def test_push_refuses_a_folder_that_is_not_a_saved_model(tmp_path, commits):
    with pytest.raises(ValueError, match="not a saved bert-qa-reasoning model"):
        push_model_dir(str(tmp_path), REPO)
    assert commits["commits"] == []


def _hub_cache(saved_dir, cache):
    """`cache/models--someone--tiny-qa-reasoning/{refs/main, snapshots/<rev>/...}`, as huggingface_hub writes it."""
    check_model_dir(str(saved_dir))
    revision = "0123456789abcdef0123456789abcdef01234567"
    repo = cache / ("models--" + REPO.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    for name in os.listdir(saved_dir):
        if os.path.isfile(saved_dir / name):
            shutil.copy(saved_dir / name, snapshot / name)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    return cache


@pytest.mark.parametrize("installed", [True, False])
def test_load_by_hub_id_offline_from_the_cache(saved_dir, tmp_path, installed):
    cache = _hub_cache(saved_dir, tmp_path / "hub")
    script = (
        ("import bert_qa_reasoning\n" if installed else BLOCKER)
        + f"""
from transformers import pipeline
pipe = pipeline("qa-with-reasoning", model={REPO!r}{"" if installed else ", trust_remote_code=True"})
out = pipe(question="Who discovered radium?", context="Marie Curie discovered radium.")
print("OK", type(pipe).__module__, out[0]["reasoning"] in ("factual", "causal", "comparative"))
"""
    )
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    expected = "bert_qa_reasoning.pipeline_qa_with_reasoning" if installed else "transformers_modules"
    assert "OK" in result.stdout and expected in result.stdout and "True" in result.stdout
