"""Speed benchmark: our model (sdpa and the unpadded varlen path) beside transformers.BertForQuestionAnswering.

Same process, same GPU, identical weights and batches. Batch lengths are sampled from the SQuAD v1.1 window
lengths (max_len 384, stride 128) and padded as a collator would (`--padding max_length`: to 384, as HF's run_qa
does; `--padding longest`: to the longest in the batch, multiple of 8). Prints seq/s, real tokens/s, peak memory,
MFU on real tokens and the ratio to the peer, for training steps (forward, backward, fused AdamW) and inference,
bf16 autocast; then CPU latency for one question.

    python benchmarks/bench_speed.py --squad dev-v1.1.json --minilm <dir> [--compile]
"""

from __future__ import annotations

import json
import time

import torch
from common import MODEL_INPUTS, TRAIN_INPUTS, base_parser, make_batches, window_lengths  # noqa: E402

from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning, BertQAReasoningConfig  # noqa: E402

PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0}


def flops_per_real_token(config, avg_len: float, train: bool) -> float:
    layers, hidden, inter = config.num_hidden_layers, config.hidden_size, config.intermediate_size
    dense = layers * (4 * hidden * hidden + 2 * hidden * inter)  # multiply-adds per token
    attention = layers * 2 * hidden * avg_len  # QK^T and PV per token
    fwd = 2 * (dense + attention)
    return 3 * fwd if train else fwd


def make_step(model, opt, train: bool):
    """One timed step on a batch, bf16 autocast: forward, backward and fused AdamW (`train`), or an inference
    forward. `model` may be a compiled wrapper; `opt` holds the underlying parameters."""

    def step(batch):
        inputs = {k: batch[k] for k in (TRAIN_INPUTS if train else MODEL_INPUTS)}
        with torch.autocast("cuda", dtype=torch.bfloat16):
            if train:
                out = model(**inputs)
                out.loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
            else:
                with torch.inference_mode():
                    model(**inputs)

    return step


def time_model(model, batches, train: bool, steps: int, warmup: int):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=True) if train else None
    model.train(train)
    torch.cuda.reset_peak_memory_stats()
    step = make_step(model, opt, train)

    for i in range(warmup):
        step(batches[i % len(batches)])
    torch.cuda.synchronize()
    start = time.perf_counter()
    real = 0
    for i in range(steps):
        batch = batches[i % len(batches)]
        step(batch)
        real += batch["real_tokens"]
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    seqs = steps * batches[0]["input_ids"].shape[0]
    return {
        "seq_s": seqs / elapsed,
        "tok_s": real / elapsed,
        "peak_gib": torch.cuda.max_memory_allocated() / 2**30,
    }


@torch.inference_mode()
def graph_check(model, batches) -> float:
    """Largest difference between the CUDA-graph and the eager varlen outputs over real tokens of every batch."""
    model.eval()
    worst = 0.0
    for batch in batches:
        inputs = {k: batch[k] for k in MODEL_INPUTS}
        with torch.autocast("cuda", dtype=torch.bfloat16):
            model.config.varlen_cuda_graphs = False
            eager = model(**inputs).start_logits.float()
            model.config.varlen_cuda_graphs = True
            graphed = model(**inputs).start_logits.float()
        real = batch["attention_mask"].bool()
        worst = max(worst, (eager - graphed)[real].abs().max().item())
    return worst


@torch.inference_mode()
def varlen_check(model, batches) -> str:
    """bf16 agreement of the varlen path with the padded sdpa path: start logits at real tokens, relative to their
    spread, worst over the batches."""
    model.eval()
    model.config.varlen_cuda_graphs = False
    worst_abs, worst_rel = 0.0, 0.0
    for batch in batches:
        inputs = {k: batch[k] for k in MODEL_INPUTS}
        outs = {}
        for impl in ("sdpa", "varlen"):
            model.config._attn_implementation = impl
            with torch.autocast("cuda", dtype=torch.bfloat16):
                outs[impl] = model(**inputs).start_logits.float()
        real = batch["attention_mask"].bool()
        diff = (outs["varlen"] - outs["sdpa"])[real].abs()
        worst_abs = max(worst_abs, diff.max().item())
        worst_rel = max(worst_rel, (diff.norm() / outs["sdpa"][real].norm()).item())
    return f"varlen vs sdpa (bf16) start logits: max |diff| {worst_abs:.3f}, relative L2 {worst_rel:.1e}"


def graph_vs_eager_training(model, batches, graphed=None):
    """For each batch: one training step through the CUDA-graph path (called through `graphed`, e.g. the compiled
    model; the model itself by default), then one eager varlen step, dropout off. Yields
    `(graph_loss, eager_loss, graph_grads, eager_grads)`; the first step of each packed size captures, later ones
    replay. Dropout and the graphs (captured with dropout off) are restored / dropped afterwards."""
    dropouts = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    saved = [m.p for m in dropouts]
    for m in dropouts:
        m.p = 0.0
    model.train()
    try:
        for batch in batches:
            results = []
            for graphs in (True, False):  # graphs first: the capture happens on a fresh model, as in training
                model.config.varlen_cuda_graphs = graphs
                model.zero_grad(set_to_none=True)
                call = (graphed if graphed is not None else model) if graphs else model
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    loss = call(**{k: batch[k] for k in TRAIN_INPUTS}).loss
                loss.backward()
                grads = {n: p.grad.float().clone() for n, p in model.named_parameters() if p.grad is not None}
                results.append((loss.item(), grads))
            (graph_loss, graph_grads), (eager_loss, eager_grads) = results
            # A compiled model (AOTAutograd) gives zero gradients, not None, to parameters that feed only unused
            # outputs (the pooler and reasoning head here); anything else missing is a bug.
            extra = graph_grads.keys() - eager_grads.keys()
            assert eager_grads.keys() <= graph_grads.keys() and all(
                not graph_grads[n].any() for n in extra
            ), eager_grads.keys() ^ graph_grads.keys()
            yield graph_loss, eager_loss, graph_grads, eager_grads
    finally:
        for m, p in zip(dropouts, saved):
            m.p = p
        model.zero_grad(set_to_none=True)
        model.clear_cuda_graphs()


def relative_grad_diffs(graph_grads, eager_grads) -> list[tuple[float, float, str]]:
    """(relative difference, eager gradient norm, name) per parameter, ascending."""
    return sorted(
        (
            ((graph_grads[n] - g).norm() / g.norm().clamp(min=1e-12)).item(),
            g.norm().item(),
            n,
        )
        for n, g in eager_grads.items()
    )


def train_graph_check(model, batches, graphed=None) -> str:
    """Loss and gradients of the CUDA-graph training path vs eager varlen over three batches, summarised."""
    worst_loss, relative = 0.0, []
    for graph_loss, eager_loss, graph_grads, eager_grads in graph_vs_eager_training(
        model, batches[:3], graphed
    ):
        worst_loss = max(worst_loss, abs(eager_loss - graph_loss))
        relative += [r for r, _, _ in relative_grad_diffs(graph_grads, eager_grads)]
    relative.sort()
    return (
        f"max |loss diff| {worst_loss:.2e}, relative grad diff per tensor: median {relative[len(relative) // 2]:.1e}, "
        f"max {relative[-1]:.1e}"
    )


def build_pair(shape: str, minilm_dir: str, device):
    from transformers import BertConfig, BertForQuestionAnswering

    if shape == "minilm":
        peer = BertForQuestionAnswering.from_pretrained(
            minilm_dir, dtype=torch.float32, attn_implementation="sdpa"
        )
    else:
        torch.manual_seed(0)
        peer = BertForQuestionAnswering(BertConfig(attn_implementation="sdpa"))
    config = BertQAReasoningConfig(
        **{k: v for k, v in peer.config.to_dict().items() if k in BertQAReasoningConfig().to_dict()}
    )
    ours = BertForQuestionAnsweringWithReasoning(config)
    missing, unexpected = ours.load_state_dict(peer.state_dict(), strict=False)
    assert all(k.startswith(("bert.pooler", "reasoning_output")) for k in missing), missing
    return peer.to(device), ours.to(device)


def main() -> None:
    parser = base_parser(__doc__)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument(
        "--warmup", type=int, default=16, help="warm-up steps (compiled runs compile every shape here)"
    )
    parser.add_argument("--shapes", nargs="+", default=["bert-base", "minilm"])
    parser.add_argument("--paddings", nargs="+", default=["max_length", "longest"])
    parser.add_argument("--modes", nargs="+", default=["train", "infer"])
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--compile-shapes", nargs="+", default=["bert-base"])
    parser.add_argument(
        "--variants",
        nargs="+",
        help="run only these variant labels (the eager peer 'hf sdpa' always runs: ratios need it), e.g. "
        "'ours varlen +cuda graphs'; peak memory is cleanest with one of ours per process",
    )
    parser.add_argument("--json-out")
    args = parser.parse_args()

    from transformers import AutoTokenizer

    device = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = True
    name = torch.cuda.get_device_name()
    peak = next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), 989.0)
    tokenizer = AutoTokenizer.from_pretrained(args.minilm)
    lengths = window_lengths(args.squad, tokenizer)
    print(
        f"# {name}, torch {torch.__version__}, {time.strftime('%Y-%m-%d')}; {len(lengths)} SQuAD windows, mean {sum(lengths) / len(lengths):.1f} real tokens"
    )
    rows = []

    def save() -> None:  # after every row, so a run cut short still leaves its numbers
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump({"device": name, "date": time.strftime("%Y-%m-%d"), "rows": rows}, f, indent=1)

    for shape in args.shapes:
        peer, ours = build_pair(shape, args.minilm, device)
        for padding in args.paddings:
            batches = make_batches(lengths, 16, args.batch_size, 30000, padding, 384, device)
            avg_len = sum(b["real_tokens"] for b in batches) / (len(batches) * args.batch_size)
            variants = [("hf sdpa", peer, None), ("ours sdpa", ours, "sdpa"), ("ours varlen", ours, "varlen")]
            if args.compile and shape in args.compile_shapes:
                variants += [
                    ("hf sdpa +compile", peer, "compile"),
                    ("ours varlen +compile", ours, "varlen+compile"),
                    ("ours varlen +graphs +compile", ours, "varlen+graphs+compile"),
                ]
            print(f"    {varlen_check(ours, batches)}")
            for mode in args.modes:
                base = None
                extra = [("ours varlen +cuda graphs", ours, "varlen+graphs")]
                chosen = [
                    v
                    for v in variants + extra
                    if not args.variants or v[0] in args.variants or v[0] == "hf sdpa"
                ]
                for label, model, impl in chosen:
                    # plain torch.compile, as a user (or Trainer's torch_compile=True) would call it
                    runner = torch.compile(model) if impl and "compile" in impl else model
                    if model is ours:
                        ours.config._attn_implementation = "varlen" if impl and "varlen" in impl else "sdpa"
                        ours.config.varlen_cuda_graphs = bool(impl and "graphs" in impl)
                        if ours.config.varlen_cuda_graphs:
                            if mode == "train":
                                check = train_graph_check(ours, batches, graphed=runner)
                            else:
                                check = f"max |start logit| diff {graph_check(ours, batches):.2e}"
                            print(
                                f"    {label} vs eager: {check}; graphs still on: {ours.config.varlen_cuda_graphs}"
                            )
                            ours.config.varlen_cuda_graphs = True
                    # fresh copies of the weights for every training run: identical starting points
                    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                    result = time_model(runner, batches, mode == "train", args.steps, args.warmup)
                    captured = ours.bert.cuda_graphs.summary()
                    if impl and "graphs" in impl and mode == "train" and captured["training_graphs"]:
                        sizes = [n for _, n in captured["training_graphs"]]
                        print(
                            f"    training graphs: {len(sizes)} packed sizes {sizes}, "
                            f"{captured['eager_training_batches']} batch(es) eager"
                        )
                    model.load_state_dict(state)
                    mfu = (
                        result["tok_s"]
                        * flops_per_real_token(model.config, avg_len, mode == "train")
                        / (peak * 1e12)
                    )
                    if label.startswith("hf") and "compile" not in label:
                        base = result["seq_s"]
                    rows.append(
                        {
                            "shape": shape,
                            "padding": padding,
                            "mode": mode,
                            "variant": label,
                            **result,
                            "mfu": mfu,
                            "ratio": result["seq_s"] / base,
                        }
                    )
                    print(
                        f"{shape:9s} {padding:10s} {mode:5s} {label:28s} {result['seq_s']:9.0f} seq/s {result['tok_s'] / 1e3:9.0f} k tok/s "
                        f"{result['peak_gib']:6.2f} GiB  MFU {100 * mfu:5.1f}%  x{result['seq_s'] / base:.2f}",
                        flush=True,
                    )
                    save()
                    ours.clear_cuda_graphs()
                    torch._dynamo.reset()
        del peer, ours
        torch.cuda.empty_cache()

    # CPU latency, one question, default thread count
    peer, ours = build_pair("minilm", args.minilm, "cpu")
    enc = tokenizer(
        "What is the capital of France?",
        "Paris is the capital and most populous city of France. " * 8,
        return_tensors="pt",
    )
    for label, model in (("hf sdpa", peer), ("ours sdpa", ours)):
        model.eval()
        with torch.inference_mode():
            for _ in range(3):
                model(**enc)
            start = time.perf_counter()
            for _ in range(20):
                model(**enc)
        ms = (time.perf_counter() - start) / 20 * 1000
        rows.append(
            {
                "shape": "minilm",
                "mode": "cpu-latency",
                "variant": label,
                "ms": ms,
                "threads": torch.get_num_threads(),
            }
        )
        print(
            f"cpu latency minilm {label}: {ms:.1f} ms ({torch.get_num_threads()} threads, {enc['input_ids'].shape[1]} tokens)"
        )
    save()


if __name__ == "__main__":
    main()
