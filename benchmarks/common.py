"""What the benchmark scripts share: the import path of the package in `src/`, the argument preamble
(`--squad`, the MiniLM directory) and the SQuAD-shaped batch and pool builders.

Scripts import it as `from common import ...` (a script's own folder is first on `sys.path`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

import torch

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)


def base_parser(doc: str | None = None, minilm_flag: str = "--minilm") -> argparse.ArgumentParser:
    """An `ArgumentParser` with the two flags every benchmark takes: `--squad` (the SQuAD v1.1 dev JSON) and the
    all-MiniLM-L6-v2 directory (weights and tokenizer)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", required=True, help="SQuAD v1.1 dev JSON (our article split)")
    parser.add_argument(minilm_flag, required=True, help="all-MiniLM-L6-v2 directory (weights and tokenizer)")
    return parser


def median_ms(fn, repeat: int) -> float:
    """The median wall time of `fn()` in milliseconds, over `repeat` calls after 3 warm-up calls."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
TRAIN_INPUTS = MODEL_INPUTS + ("start_positions", "end_positions")


def window_lengths(squad_path: str, tokenizer, max_len: int = 384, stride: int = 128) -> list[int]:
    with open(squad_path, encoding="utf-8") as f:
        data = json.load(f)["data"]
    questions, contexts = [], []
    for article in data:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                questions.append(qa["question"].lstrip())
                contexts.append(para["context"])
    enc = tokenizer(
        questions,
        contexts,
        truncation="only_second",
        max_length=max_len,
        stride=stride,
        return_overflowing_tokens=True,
    )
    return [len(ids) for ids in enc["input_ids"]]


def make_batches(lengths, n_batches, batch_size, vocab, padding, max_len, device, seed=0):
    rng = random.Random(seed)
    batches = []
    for _ in range(n_batches):
        lens = [rng.choice(lengths) for _ in range(batch_size)]
        width = max_len if padding == "max_length" else -(-max(lens) // 8) * 8
        ids = torch.zeros(batch_size, width, dtype=torch.long)
        mask = torch.zeros(batch_size, width, dtype=torch.long)
        types = torch.zeros(batch_size, width, dtype=torch.long)
        for i, n in enumerate(lens):
            ids[i, :n] = torch.randint(1000, vocab, (n,))
            ids[i, 0], ids[i, n - 1] = 101, 102
            mask[i, :n] = 1
            types[i, n // 4 : n] = 1
        starts = torch.tensor([rng.randrange(1, max(2, n - 10)) for n in lens])
        batches.append(
            {
                "input_ids": ids.to(device),
                "attention_mask": mask.to(device),
                "token_type_ids": types.to(device),
                "start_positions": starts.to(device),
                "end_positions": (starts + 3).to(device),
                "real_tokens": sum(lens),
            }
        )
    return batches


def squad_batches(
    squad_path: str, tokenizer_dir: str, n_batches: int, padding: str, device, batch_size: int = 32
):
    """`n_batches` SQuAD-shaped batches (lengths sampled from the SQuAD windows), padded as `padding` says."""
    from transformers import AutoTokenizer

    lengths = window_lengths(squad_path, AutoTokenizer.from_pretrained(tokenizer_dir))
    return make_batches(lengths, n_batches, batch_size, 30000, padding, 384, device)


def pool(rows):
    paragraphs, gold = [], []
    for r in rows:
        if r["context"] not in paragraphs:
            paragraphs.append(r["context"])
        gold.append(paragraphs.index(r["context"]))
    return paragraphs, torch.tensor(gold)


def recall(scores, gold, ks=(1, 5, 20)):
    top = scores.topk(max(ks), dim=1).indices
    return {f"R@{k}": round(100 * (top[:, :k] == gold[:, None]).any(1).float().mean().item(), 2) for k in ks}
