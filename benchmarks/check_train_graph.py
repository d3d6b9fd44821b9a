"""Checks the CUDA-graph training path of the varlen encoder against eager varlen on one GPU (dropout off).

For SQuAD-shaped BERT-base batches: loss and per-parameter gradient differences, graph pass first (each new packed
size captures, a size seen before replays), eager pass second. With `--compile` the graph pass goes through
`torch.compile(model)` (graphs of the inductor-compiled encoder).

    python benchmarks/check_train_graph.py --squad dev-v1.1.json --minilm <dir> [--compile] [--batches 3]
"""

from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))

from bench_speed import TRAIN_INPUTS, build_pair, squad_batches  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", required=True)
    parser.add_argument("--minilm", required=True)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    batches = squad_batches(args.squad, args.minilm, args.batches, "max_length", torch.device("cuda"))
    _, model = build_pair("bert-base", args.minilm, torch.device("cuda"))
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    model.config._attn_implementation = "varlen"
    model.train()
    graphed = torch.compile(model) if args.compile else model
    for i, batch in enumerate(batches + batches[:1]):  # the first batch again: a replay of its size
        runs = {}
        for graphs in (True, False):
            model.config.varlen_cuda_graphs = graphs
            model.zero_grad(set_to_none=True)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = (graphed if graphs else model)(**{k: batch[k] for k in TRAIN_INPUTS}).loss
            loss.backward()
            grads = {n: p.grad.float().clone() for n, p in model.named_parameters() if p.grad is not None}
            runs[graphs] = (loss.item(), grads, model.bert._train_graph is not None)
        (lg, gg, used), (le, ge, _) = runs[True], runs[False]
        rel = sorted(
            (((gg[n] - ge[n]).norm() / ge[n].norm().clamp(min=1e-12)).item(), ge[n].norm().item(), n)
            for n in ge
        )
        # a compiled model gives zero (not missing) gradients to parameters that feed only unused outputs
        extra = sorted(n for n in gg.keys() - ge.keys() if gg[n].any())
        print(
            f"batch {i}: graph used {used}, loss graph {lg:.6f} eager {le:.6f}; relative grad diff median "
            f"{rel[len(rel) // 2][0]:.2e}, non-zero gradients eager lacks: {extra or 'none'}; worst three:"
        )
        for r, norm, n in rel[-3:]:
            print(f"    {r:.2e} (|g| {norm:.2e}) {n}")


if __name__ == "__main__":
    main()
