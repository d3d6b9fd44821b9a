"""SQuAD v1.1/v2.0 JSON reading and this project's article split of the SQuAD v1.1 dev set (no datasets needed)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

from .reasoning import REASONING_LABELS, label_question

# Our split of the SQuAD v1.1 dev set, by article index (see the data README): train on `train`, tune on
# `validation`, report `test`.
SQUAD_SPLITS: dict[str, tuple[int, int]] = {"train": (0, 32), "validation": (32, 40), "test": (40, 48)}


def read_squad_json(path: str, article_range: Sequence[int] | None = None) -> Iterable[dict]:
    """Rows of a SQuAD v1.1/v2.0 JSON file; raises `ValueError` naming the file and field on malformed input."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable SQuAD JSON file ({exc}).") from exc
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(f"{path}: expected a SQuAD JSON object with a 'data' list of articles.")
    articles = data["data"]
    if article_range is not None:
        articles = articles[article_range[0] : article_range[1]]
    for article in articles:
        title = article.get("title", "")
        for paragraph in article.get("paragraphs", []):
            context = paragraph.get("context")
            if not isinstance(context, str):
                raise ValueError(f"{path}: a paragraph of article {title!r} has no 'context' string.")
            for qa in paragraph.get("qas", []):
                qid = str(qa.get("id", ""))
                texts = [a["text"] for a in qa.get("answers", [])]
                starts = [int(a["answer_start"]) for a in qa.get("answers", [])]
                for text, start in zip(texts, starts):
                    if context[start : start + len(text)] != text:
                        raise ValueError(
                            f"{path}: example {qid!r}: answer {text!r} is not the span at answer_start={start}."
                        )
                label = qa.get("reasoning_label")
                if label is None:
                    first = {"text": texts[0], "answer_start": starts[0]} if texts else None
                    label = label_question(qa["question"], context, first)
                elif label not in REASONING_LABELS:
                    raise ValueError(
                        f"{path}: example {qid!r}: unknown reasoning_label {label!r}; expected one of {list(REASONING_LABELS)}."
                    )
                yield {
                    "id": qid,
                    "title": title,
                    "context": context,
                    "question": qa["question"],
                    "answers": {"text": texts, "answer_start": starts},
                    "reasoning_label": label,
                    "source": os.path.basename(path),
                    "page": 0,
                }


def load_squad_split(path: str, split: str | None = None) -> list[dict]:
    """All rows of one of our splits (`train`, `validation`, `test`) or of the whole file."""
    if split is not None and split not in SQUAD_SPLITS:
        raise ValueError(f"Unknown SQuAD split {split!r}; choose from {list(SQUAD_SPLITS)}.")
    return list(read_squad_json(path, SQUAD_SPLITS[split] if split else None))


def write_squad_json(path: str, rows: Iterable[dict], title: str = "examples", version: str = "1.1") -> str:
    """Writes SQuAD-style rows (`id`, `context`, `question`, `answers`, optional `reasoning_label`) as a SQuAD v1.1
    JSON file that `read_squad_json` reads back; written to a temporary file first, then moved in place."""
    paragraphs: dict[str, dict] = {}
    for r in rows:
        para = paragraphs.setdefault(r["context"], {"context": r["context"], "qas": []})
        qa = {
            "id": r["id"],
            "question": r["question"],
            "answers": [
                {"text": t, "answer_start": s}
                for t, s in zip(r["answers"]["text"], r["answers"]["answer_start"])
            ],
        }
        if r.get("reasoning_label") is not None:
            qa["reasoning_label"] = r["reasoning_label"]
        para["qas"].append(qa)
    data = {"version": version, "data": [{"title": title, "paragraphs": list(paragraphs.values())}]}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, path)
    return path


__all__ = ["SQUAD_SPLITS", "load_squad_split", "read_squad_json", "write_squad_json"]
