"""Checks the CUDA-graph training path of the varlen encoder against eager varlen on one GPU (dropout off).

For SQuAD-shaped BERT-base batches: loss and per-parameter gradient differences, graph pass first (each new packed
size captures, a size seen before replays), eager pass second. With `--compile` the graph pass goes through
`torch.compile(model)` (graphs of the inductor-compiled encoder).

    python benchmarks/check_train_graph.py --squad dev-v1.1.json --minilm <dir> [--compile] [--batches 3]
"""

from __future__ import annotations

import torch
from bench_speed import build_pair, graph_vs_eager_training, relative_grad_diffs  # noqa: E402
from common import base_parser, squad_batches  # noqa: E402


def main() -> None:
    parser = base_parser(__doc__)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    batches = squad_batches(args.squad, args.minilm, args.batches, "max_length", torch.device("cuda"))
    _, model = build_pair("bert-base", args.minilm, torch.device("cuda"))
    model.config._attn_implementation = "varlen"
    graphed = torch.compile(model) if args.compile else model
    steps = graph_vs_eager_training(model, batches + batches[:1], graphed)  # the first batch again: a replay
    for i, (graph_loss, eager_loss, graph_grads, eager_grads) in enumerate(steps):
        rel = relative_grad_diffs(graph_grads, eager_grads)
        print(
            f"batch {i}: graph used {bool(model.bert.cuda_graphs.summary()['training_graphs'])}, loss graph {graph_loss:.6f} eager "
            f"{eager_loss:.6f}; relative grad diff median "
            f"{rel[len(rel) // 2][0]:.2e}, worst three:"
        )
        for r, norm, n in rel[-3:]:
            print(f"    {r:.2e} (|g| {norm:.2e}) {n}")


if __name__ == "__main__":
    main()
