"""The Hub round trip: upload a saved model folder, as `bert-qa-reasoning push` does.

`model.push_to_hub(...)` and `pipe.push_to_hub(...)` are transformers' own and need nothing from here: a pipeline
push writes the weights, tokenizer, remote code and the `qa-with-reasoning` entry. This module uploads a folder
that `train` or `save_pretrained` wrote as it is (its model card included), after checking that it is one.
"""

from __future__ import annotations

import json
import os

# What a folder must hold to load on the Hub as a qa-with-reasoning model.
REQUIRED_FILES = ("config.json", "model.safetensors", "modeling_bert_qa_reasoning.py")


def check_model_dir(model_dir: str) -> dict:
    """Checks that `model_dir` is a saved bert-qa-reasoning model and returns its config.

    Raises:
        `ValueError` naming the missing file, or the missing pipeline entry.
    """
    missing = [name for name in REQUIRED_FILES if not os.path.exists(os.path.join(model_dir, name))]
    if missing:
        raise ValueError(f"{model_dir}: not a saved bert-qa-reasoning model ({', '.join(missing)} missing).")
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    if "qa-with-reasoning" not in (config.get("custom_pipelines") or {}):
        raise ValueError(
            f"{model_dir}: its config has no qa-with-reasoning pipeline entry; save it with "
            "pipeline('qa-with-reasoning', model=...).save_pretrained(dir) (what training does)."
        )
    return config


def push_model_dir(
    model_dir: str,
    repo_id: str,
    private: bool = False,
    commit_message: str = "Upload bert-qa-reasoning model",
    token: str | None = None,
) -> str:
    """Creates `repo_id` (if needed) and uploads every file of `model_dir` in one commit.

    Trainer leftovers (`checkpoint-*` folders, `runs/` logs, `.saving-*` temporaries) are not uploaded.

    Returns:
        `str`: the URL of the commit.
    """
    from huggingface_hub import HfApi

    check_model_dir(model_dir)
    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    info = api.upload_folder(
        repo_id=repo_id,
        folder_path=model_dir,
        commit_message=commit_message,
        ignore_patterns=["checkpoint-*", "checkpoint-*/**", "runs/**", ".saving-*", "*.tmp"],
    )
    return str(getattr(info, "commit_url", info))


__all__ = ["REQUIRED_FILES", "check_model_dir", "push_model_dir"]
