"""Float32 linear layers on the CPU: PyTorch's default kernel (`F.linear`, MKL in the PyPI wheels) against oneDNN's
(`cpu_linear.OneDNNLinear`, what the pipeline's CPU fast path uses), for an encoder's shapes.

    python benchmarks/bench_cpu_linear.py [--threads 2] [--hidden 384] [--repeat 200]

Prints, per shape, the median time of each and the largest difference between their results. A shape's first call
on oneDNN makes its kernel: it is run once before timing, as the pipeline's rounding of widths to 16 tokens makes it
happen once per width.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from common import median_ms

from bert_qa_reasoning.cpu_linear import OneDNNLinear


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--hidden", type=int, default=384, help="hidden size (MiniLM-L6: 384, BERT-base: 768)"
    )
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    h = args.hidden
    print(f"CPU, {torch.get_num_threads()} threads, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}")
    print("| tokens (batch x width) | layer | F.linear ms | oneDNN ms | speed-up | max abs diff |")
    print("|---|---|---|---|---|---|")
    for batch, width in ((1, 192), (64, 192)):
        for name, (fan_in, fan_out) in (
            ("attention", (h, h)),
            ("intermediate", (h, 4 * h)),
            ("output", (4 * h, h)),
        ):
            x = torch.randn(batch, width, fan_in)
            weight, bias = torch.randn(fan_out, fan_in) / fan_in**0.5, torch.randn(fan_out)
            repeat = args.repeat if batch == 1 else max(5, args.repeat // 20)
            with torch.inference_mode():
                default = F.linear(x, weight, bias)
                default_ms = median_ms(lambda x=x, w=weight, b=bias: F.linear(x, w, b), repeat)
                with OneDNNLinear():
                    routed = F.linear(x, weight, bias)
                    routed_ms = median_ms(lambda x=x, w=weight, b=bias: F.linear(x, w, b), repeat)
            diff = (default - routed).abs().max().item()
            print(
                f"| {batch} x {width} | {name} {fan_in} -> {fan_out} | {default_ms:.3f} | {routed_ms:.3f} | "
                f"×{default_ms / routed_ms:.2f} | {diff:.1e} |"
            )


if __name__ == "__main__":
    main()
