"""Where a training step's time goes: wall time vs. GPU kernel time, and the costliest kernels.

Same batches and weights as `bench_speed.py`. A step whose GPU kernel time is far below its wall time is
host-bound (launch overhead, syncs); one whose kernel time is close to wall time is GPU-bound. Variants are
`hf sdpa`, `ours sdpa`, `ours varlen`, each optionally followed by `+compile` or `+reduce-overhead`
(torch.compile with CUDA graphs).

    python benchmarks/profile_step.py --squad dev-v1.1.json --minilm <dir> [--shape bert-base] [--padding max_length]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))

from bench_speed import TRAIN_INPUTS, build_pair, squad_batches  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--squad", required=True)
    parser.add_argument("--minilm", required=True)
    parser.add_argument("--shape", default="bert-base")
    parser.add_argument("--padding", default="max_length")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--profile-steps", type=int, default=0, help="profile this many steps (0: only time)")
    parser.add_argument("--top", type=int, default=14)
    parser.add_argument("--variants", nargs="+", default=["hf sdpa", "ours sdpa", "ours varlen"])
    args = parser.parse_args()

    from torch.profiler import ProfilerActivity, profile

    device = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = True
    batches = squad_batches(args.squad, args.minilm, 16, args.padding, device)
    peer, ours = build_pair(args.shape, args.minilm, device)
    summary = []
    for label in args.variants:
        name, _, mode = label.partition("+")
        name = name.strip()
        model = peer if name.startswith("hf") else ours
        if model is ours:
            ours.config._attn_implementation = name.split()[-1]
        model.train()
        runner = model
        if mode:
            runner = torch.compile(model, mode=None if mode == "compile" else mode)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=True)
        torch._dynamo.utils.counters.clear()

        def step(batch, runner=runner, opt=opt):
            with torch.autocast("cuda", dtype=torch.bfloat16):
                runner(**{k: batch[k] for k in TRAIN_INPUTS}).loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)

        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for i in range(len(batches)):  # warm-up: every batch once (compiles every bucket)
            step(batches[i])
        torch.cuda.synchronize()
        warm = time.perf_counter() - start
        start = time.perf_counter()
        for i in range(args.steps):
            step(batches[i % len(batches)])
        torch.cuda.synchronize()
        wall = (time.perf_counter() - start) / args.steps * 1e3
        breaks = sum(torch._dynamo.utils.counters["graph_break"].values())
        line = (
            f"{args.shape} {args.padding} {label:28s} {wall:6.1f} ms/step {32e3 / wall:6.0f} seq/s "
            f"peak {torch.cuda.max_memory_allocated() / 2**30:5.2f} GiB  warm-up {warm:5.1f} s  graph breaks {breaks}"
        )
        print(line, flush=True)
        summary.append(line)
        if args.profile_steps:
            with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
                for i in range(args.profile_steps):
                    step(batches[i % len(batches)])
                torch.cuda.synchronize()
            kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
            gpu = sum(e.device_time for e in kernels) / args.profile_steps / 1e3
            print(
                f"  GPU kernel time {gpu:.1f} ms/step, {len(kernels) / args.profile_steps:.0f} kernels/step"
            )
            by_name = collections.Counter()
            for e in kernels:
                by_name[e.name[:90]] += e.device_time / args.profile_steps / 1e3
            for kname, ms in by_name.most_common(args.top):
                print(f"    {ms:6.2f} ms  {kname}")
        del opt, runner
        torch._dynamo.reset()
        torch.cuda.empty_cache()
    print("\n" + "\n".join(summary))


if __name__ == "__main__":
    main()
