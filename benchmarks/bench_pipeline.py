"""Pipeline throughput beside the transformers 4.57 `question-answering` pipeline, on the SQuAD `test` questions.

Both sides read the same random weights (throughput does not depend on training): a plain `BertForQuestionAnswering`
checkpoint of the chosen shape, written once, with the all-MiniLM-L6-v2 tokenizer. Ours loads it as
`BertForQuestionAnsweringWithReasoning` (its reasoning head freshly initialised) through `qa-with-reasoning`; the peer
is transformers 4.57.3, run in its own process (`PYTHONPATH=<dir with transformers 4.57.3, huggingface-hub 0.36.0,
tokenizers 0.22.1>`).

Figures, per shape:
- gold-paragraph pairs: every test question with its paragraph, in one call (`batch_size`), questions/s;
- pool, top-3: every test question over the 334-paragraph test pool, BM25 top-3 read (ours only: the peer has no
  retrieval), questions/s, without re-ranking (`rerank_depth=0`), and with the default re-ranking (BM25 top-10 read,
  the best 3 kept for answers);
- one question at a time with its paragraph: p50 latency.

    python benchmarks/bench_pipeline.py --squad dev-v1.1.json --minilm <dir> --peer-path <dir> \\
        [--shapes bert-base minilm] [--device cuda|cpu] [--limit N] [--rounds N] [--out results.json]

`--rounds N` runs the sides alternately N times and reports medians, and the median of each round's ratio: on a
shared host whose speed drifts by 15-25 % between minutes (this project's CPU machine), one round's ratio moves
with the drift, while the two sides of one round see the same host.

On CUDA both sides run in float16, ours on its default fast path there (varlen + CUDA graphs). On the CPU both run
in float32 (`--dtype bfloat16`: both in bfloat16).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = {
    "bert-base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "minilm": dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536),
}


def write_checkpoint(shape: str, minilm: str, out: str) -> None:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(minilm)
    config = BertConfig(vocab_size=len(tokenizer), max_position_embeddings=512, **SHAPES[shape])
    BertForQuestionAnswering(config).save_pretrained(out)
    tokenizer.save_pretrained(out)


def write_reference_checkpoint(out: str) -> str:
    """The shipped reference reader as a plain `BertForQuestionAnswering` checkpoint in `out` (its encoder and span
    head; the reasoning head has no place there), for the peer. Returns the reference model's own directory, which
    ours loads, its trained reasoning head included."""
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    import bert_qa_reasoning
    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    path = bert_qa_reasoning.reference_model_path()
    ours = BertForQuestionAnsweringWithReasoning.from_pretrained(path)
    fields = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")
    config = BertConfig(
        max_position_embeddings=ours.config.max_position_embeddings,
        **{name: getattr(ours.config, name) for name in fields},
    )
    plain = BertForQuestionAnswering(config)
    state = {
        k: v for k, v in ours.state_dict().items() if not k.startswith(("reasoning_output", "bert.pooler"))
    }
    missing, unexpected = plain.load_state_dict(state, strict=False)
    if unexpected or [k for k in missing if "pooler" not in k]:
        raise SystemExit(
            f"the reference reader does not map onto BertForQuestionAnswering: {missing} {unexpected}"
        )
    plain.save_pretrained(out)
    AutoTokenizer.from_pretrained(path).save_pretrained(out)
    return path


def squad(path: str, limit: int | None):
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    with open(path, encoding="utf-8") as f:
        data = json.load(f)["data"][40:48]  # our `test` split: articles 40-47
    rows = [
        (qa["question"], para["context"])
        for article in data
        for para in article["paragraphs"]
        for qa in para["qas"]
    ]
    return rows[:limit] if limit else rows


def timed(fn, repeat: int = 1) -> float:
    import torch

    best = float("inf")
    for _ in range(repeat):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


def run_side(args) -> dict:
    """One side, in this process: prints a JSON line of its figures."""
    import torch

    rows = squad(args.squad, args.limit)
    questions = [q for q, _ in rows]
    contexts = [c for _, c in rows]
    device = 0 if args.device == "cuda" else -1
    dtype = (
        getattr(torch, args.dtype)
        if args.dtype
        else torch.float16
        if args.device == "cuda"
        else torch.float32
    )
    single = rows[: args.single]
    result = {"side": args.side, "questions": len(rows)}
    if args.side == "peer":
        import transformers
        from transformers import pipeline

        pipe = pipeline("question-answering", model=args.model, device=device, torch_dtype=dtype)
        result["transformers"] = transformers.__version__
        pipe(question=questions[:64], context=contexts[:64], batch_size=args.batch_size)  # warm-up
        seconds = timed(lambda: pipe(question=questions, context=contexts, batch_size=args.batch_size))
        result["pairs_qps"] = len(rows) / seconds
        if args.answers:
            answers = pipe(question=questions, context=contexts, batch_size=args.batch_size)
            result["pairs_answers"] = [
                a["answer"] for a in (answers if isinstance(answers, list) else [answers])
            ]
        latencies = []
        for q, c in single:
            start = time.perf_counter()
            pipe(question=q, context=c)
            latencies.append(time.perf_counter() - start)
        result["single_p50_ms"] = 1000 * statistics.median(latencies[5:] or latencies)
        return result

    from transformers import AutoTokenizer, pipeline

    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    model_dir = args.ours_model or args.model
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = BertForQuestionAnsweringWithReasoning.from_pretrained(model_dir, dtype=dtype)
    pipe = pipeline(
        "qa-with-reasoning", model=model, tokenizer=tokenizer, device=device, retriever_model=False,
        fast_path=None if args.fast_path == "auto" else args.fast_path == "on",
    )  # fmt: skip
    result["fast_path"] = pipe.fast_path
    result["cpu_onednn"] = pipe.cpu_onednn  # float32 linears on oneDNN (CPU)
    read_again = [0, 0]  # questions read again in float32, questions answered (timed pair calls)
    answer_groups = pipe._answer_groups

    def counting(questions, ids, groups, options, batch_size, results, margins):
        answer_groups(questions, ids, groups, options, batch_size, results, margins)
        if margins is not None:
            read_again[1] += len(questions)
        elif pipe.cpu_bfloat16:
            read_again[0] += sum(len(positions) for _, positions, _ in groups)

    pipe._answer_groups = counting
    pipe(
        question=questions[:256], context=contexts[:256], batch_size=args.batch_size
    )  # warm-up (graph captures)
    read_again[:] = [0, 0]
    seconds = timed(lambda: pipe(question=questions, context=contexts, batch_size=args.batch_size), repeat=2)
    result["pairs_qps"] = len(rows) / seconds
    # read in bfloat16 first, close questions again in float32 (CPU); recorded after the timed calls, as a pipeline
    # whose model is unsure of most answers goes back to float32 alone (then every question counts as read again)
    result["cpu_bfloat16"] = pipe.cpu_bfloat16
    result["pairs_read_again"] = read_again[0] / read_again[1] if pipe.cpu_bfloat16 and read_again[1] else 1.0
    if args.answers:  # the top answers of the pairs, to compare sides or settings
        answers = pipe(question=questions, context=contexts, batch_size=args.batch_size)
        result["pairs_answers"] = [a[0]["answer"] if a else "" for a in answers]
    paragraphs = list(dict.fromkeys(contexts))
    pipe.build_index(paragraphs)  # BM25 (no sentence-embedding model here), passages tokenized once
    for key, depth in (("pool_top3_qps", 0), ("pool_rerank10_qps", None)):
        call = dict(batch_size=args.batch_size, top_k_passages=3, retriever="bm25", rerank_depth=depth)
        pipe(question=questions[:256], **call)
        seconds = timed(lambda call=call: pipe(question=questions, **call), repeat=2)
        result[key] = len(rows) / seconds
    result["pool_paragraphs"] = len(paragraphs)
    latencies = []
    for q, c in single:
        start = time.perf_counter()
        pipe(question=q, context=c)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        latencies.append(time.perf_counter() - start)
    result["single_p50_ms"] = 1000 * statistics.median(latencies[5:] or latencies)
    if args.profile:
        import cProfile
        import pstats

        for name, call in (
            ("pool", dict(question=questions[:400], top_k_passages=3, retriever="bm25", rerank_depth=0)),
            ("pairs", dict(question=questions[:400], context=contexts[:400])),
        ):
            profiler = cProfile.Profile()
            profiler.enable()
            pipe(batch_size=args.batch_size, **call)
            profiler.disable()
            print(f"profile: 400 questions, {name}", file=sys.stderr)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(20)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--squad", required=True)
    parser.add_argument("--minilm", help="all-MiniLM-L6-v2 directory (its tokenizer)")
    parser.add_argument("--peer-path", help="directory holding transformers 4.57.3 and its dependencies")
    parser.add_argument("--shapes", nargs="+", default=["bert-base", "minilm"], choices=sorted(SHAPES))
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--limit", type=int, help="questions (default: all 1,589)")
    parser.add_argument("--single", type=int, default=105, help="questions asked one at a time for the p50")
    parser.add_argument("--fast-path", default="auto", choices=["auto", "on", "off"])
    parser.add_argument(
        "--dtype",
        choices=["float32", "float16", "bfloat16"],
        help="both sides (default: float16 on CUDA, float32 on CPU)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the two sides alternately this many times (peer, ours, peer, ours, ...) and report the median of "
        "each round's ratio: a host whose speed drifts moves both sides of a round alike",
    )
    parser.add_argument(
        "--weights",
        default="random",
        choices=["random", "reference"],
        help="random weights of each shape (default), or the shipped reference reader (MiniLM shape only): ours "
        "loads it with its reasoning head, the peer its encoder and span head as a BertForQuestionAnswering. On the "
        "CPU, where ours reads in bfloat16 first and reads close questions again in float32, how many are close "
        "depends on the weights: random ones are unsure of everything",
    )
    parser.add_argument(
        "--answers", action="store_true", help="also keep each side's top answers to the pairs"
    )
    parser.add_argument("--out")
    parser.add_argument("--threads", type=int, help="torch threads on the CPU (both sides)")
    parser.add_argument(
        "--profile", action="store_true", help="ours: cProfile of 400 pool questions to stderr"
    )
    parser.add_argument("--side", choices=["ours", "peer"], help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--ours-model", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.side:
        print("RESULT " + json.dumps(run_side(args)), flush=True)
        return

    rounds = max(1, args.rounds)
    results = {}
    for shape in args.shapes:
        with tempfile.TemporaryDirectory() as model_dir:
            ours_model = None
            if args.weights == "reference":
                if shape != "minilm":
                    raise SystemExit("--weights reference: the reference reader has the minilm shape only")
                ours_model = write_reference_checkpoint(model_dir)
            else:
                write_checkpoint(shape, args.minilm, model_dir)
            sides = ("peer", "ours") if args.peer_path else ("ours",)
            for side in [side for _ in range(rounds) for side in sides]:
                command = [
                    sys.executable,
                    __file__,
                    "--side",
                    side,
                    "--model",
                    model_dir,
                    "--squad",
                    args.squad,
                ]
                command += [
                    "--device",
                    args.device,
                    "--batch-size",
                    str(args.batch_size),
                    "--single",
                    str(args.single),
                ]
                command += ["--fast-path", args.fast_path] + (
                    ["--limit", str(args.limit)] if args.limit else []
                )
                command += ["--dtype", args.dtype] if args.dtype else []
                command += ["--ours-model", ours_model] if ours_model and side == "ours" else []
                command += ["--answers"] if args.answers else []
                command += (["--threads", str(args.threads)] if args.threads else []) + (
                    ["--profile"] if args.profile and side == "ours" else []
                )
                env = dict(os.environ)
                if side == "peer":
                    env["PYTHONPATH"] = args.peer_path
                else:
                    env["PYTHONPATH"] = (
                        os.path.join(HERE, "..", "src") + os.pathsep + env.get("PYTHONPATH", "")
                    )
                out = subprocess.run(command, env=env, capture_output=True, text=True)
                line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
                if line is None:
                    print(out.stdout[-3000:], out.stderr[-6000:], file=sys.stderr)
                    raise SystemExit(f"{side} ({shape}) failed")
                if args.profile and side == "ours":
                    print(out.stderr[-30000:], file=sys.stderr)
                results.setdefault(shape, {}).setdefault(side, []).append(json.loads(line[7:]))
                print(f"{shape} {side}: {results[shape][side][-1]}", flush=True)
    import torch

    card = (
        torch.cuda.get_device_name() if args.device == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    )
    print(
        f"\n{card}, {time.strftime('%Y-%m-%d')}, batch {args.batch_size}, {args.dtype or 'default dtype'}, "
        f"{args.weights} weights"
    )
    print("ratio: how many times as fast as the peer ours is (for the p50, the peer's ms over ours)")
    if rounds > 1:
        print(
            f"{rounds} rounds, sides alternating; figures are medians over rounds, ratios the median of each round's"
        )
    print("| shape | figure | peer (4.57.3) | ours | ratio |" + (" ratio per round |" if rounds > 1 else ""))
    print("|---|---|---|---|---|" + ("---|" if rounds > 1 else ""))
    for shape, sides in results.items():
        ours, peer = sides["ours"], sides.get("peer", [])
        for key, name, better_high in (
            ("pairs_qps", "gold-paragraph pairs, q/s", True),
            ("pool_top3_qps", "pool, BM25 top-3 read, q/s", True),
            ("pool_rerank10_qps", "pool, BM25 top-10 re-ranked by the reader, 3 kept, q/s", True),
            ("single_p50_ms", "one question, p50 ms", False),
        ):
            mine = statistics.median(r[key] for r in ours)
            if not peer or key not in peer[0]:
                print(f"| {shape} | {name} | – | {mine:.1f} | |" + (" |" if rounds > 1 else ""))
                continue
            theirs = statistics.median(r[key] for r in peer)
            # ours against the peer of the same round: above 1 is better for us
            ratios = [(o[key] / p[key]) if better_high else (p[key] / o[key]) for o, p in zip(ours, peer)]
            line = f"| {shape} | {name} | {theirs:.1f} | {mine:.1f} | ×{statistics.median(ratios):.2f} |"
            if rounds > 1:
                line += " " + ", ".join(f"×{r:.2f}" for r in ratios) + " |"
            print(line)
        if any(r.get("cpu_bfloat16") for r in ours):
            shares = ", ".join(
                f"{100 * r['pairs_read_again']:.1f} %" if r["cpu_bfloat16"] else "float32 alone" for r in ours
            )
            print(f"ours read in bfloat16 first; pairs read again in float32: {shares}")
        if peer and "pairs_answers" in peer[0]:
            same = [
                sum(a == b for a, b in zip(o["pairs_answers"], p["pairs_answers"]))
                for o, p in zip(ours, peer)
            ]
            print(f"same top answer as the peer on the pairs: {same} of {len(peer[0]['pairs_answers'])}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump({"card": card, "date": time.strftime("%Y-%m-%d"), "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
