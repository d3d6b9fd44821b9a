"""The ways tried to make the CPU encoder faster, side by side, on the shipped reference model (MiniLM-L6, float32).

    python benchmarks/cpu_alternatives.py [--threads 2] [--tokens 192]

Prints:
1. one window's forward, median ms: PyTorch's default kernels; `cpu_linear.OneDNNLinear`; `torch.compile` with
   Inductor's freezing; `torch.utils.mkldnn.to_mkldnn`; bfloat16 autocast. Each with its largest logit difference
   from the default (bfloat16 changes answers: `benchmarks/RESULTS.md`).
2. what a new width costs on oneDNN: one 384 -> 1536 layer at widths met for the first time and again.
3. where a batch's time goes under `OneDNNLinear` (64 windows): the torch profiler's top operators.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import time

import torch
from common import median_ms


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=192)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    import torch._inductor.config as inductor_config
    from transformers import AutoModelForQuestionAnswering

    from bert_qa_reasoning import reference_model_path
    from bert_qa_reasoning.cpu_linear import OneDNNLinear

    model = AutoModelForQuestionAnswering.from_pretrained(reference_model_path(), dtype=torch.float32).eval()
    ids = torch.randint(1000, 20000, (1, args.tokens))
    inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    print(f"CPU, {torch.get_num_threads()} threads, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}")

    def forward(m, context=contextlib.nullcontext):
        def run():
            with torch.inference_mode(), context():
                return m(**inputs).start_logits.float()

        return run

    inductor_config.freezing = True
    with torch.inference_mode():
        compiled = torch.compile(copy.deepcopy(model), dynamic=False)
    ways = [
        ("PyTorch's default kernels", forward(model)),
        ("OneDNNLinear (the CPU fast path)", forward(model, OneDNNLinear)),
        ("torch.compile, Inductor freezing", forward(compiled)),
        ("torch.utils.mkldnn.to_mkldnn", forward(torch.utils.mkldnn.to_mkldnn(copy.deepcopy(model)))),
        (
            "bfloat16 autocast",
            forward(model, lambda: torch.autocast("cpu", dtype=torch.bfloat16)),
        ),
    ]
    reference = ways[0][1]()
    print(f"\n1. one window of {args.tokens} tokens\n| way | median ms | max abs logit diff |\n|---|---|---|")
    for name, run in ways:
        diff = (run() - reference).abs().max().item()
        print(f"| {name} | {median_ms(run, 30):.1f} | {diff:.1e} |")

    print("\n2. oneDNN, one 384 -> 1536 layer, in order\n| width | ms |\n|---|---|")
    weight, bias = torch.randn(1536, 384), torch.randn(1536)
    with torch.inference_mode():
        for width in (190, 190, 190, 191, 192, 193, 191, 250, 251, 250):
            x = torch.randn(1, width, 384)
            start = time.perf_counter()
            torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")
            print(f"| {width} | {1000 * (time.perf_counter() - start):.2f} |")

    from torch.profiler import ProfilerActivity, profile

    batch = torch.randint(1000, 20000, (64, args.tokens))
    with torch.inference_mode(), OneDNNLinear():
        model(input_ids=batch, attention_mask=torch.ones_like(batch))
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(3):
                model(input_ids=batch, attention_mask=torch.ones_like(batch))
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in events)
    print(
        f"\n3. 64 windows of {args.tokens} tokens, OneDNNLinear, 3 forwards\n| operator | share |\n|---|---|"
    )
    for e in events[:6]:
        print(f"| {e.key} | {100 * e.self_cpu_time_total / total:.1f} % |")


if __name__ == "__main__":
    main()
