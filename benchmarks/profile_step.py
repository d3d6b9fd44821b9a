"""Where a training or inference step's time goes: wall time vs. GPU kernel time, and the costliest kernels.

Same batches and weights as `bench_speed.py`. A step whose GPU kernel time is far below its wall time is
host-bound (launch overhead, syncs); one whose kernel time is close to wall time is GPU-bound. Kernel time is
also split into matrix multiplies, attention and everything else (elementwise, normalisation, copies). Variants
are `hf sdpa`, `ours sdpa`, `ours varlen`, each optionally followed by `+graphs` (our varlen CUDA graphs),
`+compile` or `+reduce-overhead` (torch.compile with CUDA graphs), e.g. `"ours varlen +graphs +compile"`.

    python benchmarks/profile_step.py --squad dev-v1.1.json --minilm <dir> [--shape bert-base] [--padding max_length]
        [--mode infer] [--profile-steps 5]
"""

from __future__ import annotations

import collections
import time

import torch
from bench_speed import build_pair, make_step  # noqa: E402
from common import base_parser, squad_batches  # noqa: E402


def kernel_kind(name: str) -> str:
    """Coarse class of a CUDA kernel by its name: 'matmul', 'attention' or 'other'."""
    lowered = name.lower()
    if "flash" in lowered or "sdpa" in lowered or "fmha" in lowered or "attention" in lowered:
        return "attention"
    if any(k in lowered for k in ("gemm", "nvjet", "cutlass", "sm90_xmma", "cublas", "_mm_", "matmul")):
        return "matmul"
    return "other"


def main() -> None:
    parser = base_parser(__doc__)
    parser.add_argument("--shape", default="bert-base")
    parser.add_argument("--padding", default="max_length")
    parser.add_argument("--mode", choices=["train", "infer"], default="train")
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
    train = args.mode == "train"
    for label in args.variants:
        name, *flags = (part.strip() for part in label.split("+"))
        model = peer if name.startswith("hf") else ours
        if model is ours:
            ours.config._attn_implementation = name.split()[-1]
            ours.config.varlen_cuda_graphs = "graphs" in flags
            ours.clear_cuda_graphs()
        model.train(train)
        runner = model
        compile_mode = next((f for f in flags if f in ("compile", "reduce-overhead")), None)
        if compile_mode:
            runner = torch.compile(model, mode=None if compile_mode == "compile" else compile_mode)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=True) if train else None
        torch._dynamo.utils.counters.clear()
        step = make_step(runner, opt, train)
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
            f"{args.shape} {args.padding} {args.mode} {label:28s} {wall:6.1f} ms/step {32e3 / wall:6.0f} seq/s "
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
            by_name, by_kind = collections.Counter(), collections.Counter()
            for e in kernels:
                by_name[e.name[:90]] += e.device_time / args.profile_steps / 1e3
                by_kind[kernel_kind(e.name)] += e.device_time / args.profile_steps / 1e3
            kinds = ", ".join(f"{kind} {ms:.2f}" for kind, ms in sorted(by_kind.items()))
            print(
                f"  GPU kernel time {gpu:.2f} ms/step ({kinds}), {len(kernels) / args.profile_steps:.0f} kernels/step"
            )
            for kname, ms in by_name.most_common(args.top):
                print(f"    {ms:6.2f} ms  {kname}")
        del opt, runner
        torch._dynamo.reset()
        torch.cuda.empty_cache()
    print("\n" + "\n".join(summary))


if __name__ == "__main__":
    main()
