"""`bert-qa-reasoning` command line: demo, train, index, ask, push.

Parses and checks the flags, then dispatches to the modules that do the work (`demo.py`, `recipe.py`, the pipeline
and its index, `pdf_highlight.py`, `hub.py`). Errors are reported in the CLI's own words (flags, subcommands).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

logger = logging.getLogger("bert_qa_reasoning")

# What the library says, and how the same advice reads on the command line.
_CLI_WORDS = (
    ("pass password=... to open it", "pass --password to open it"),
    ("build one with PassageIndex.build", "build one with `bert-qa-reasoning index`"),
    ("leave the split out to use all of it", "leave out --train-split / --eval-split to use all of it"),
)


def cli_words(message: str) -> str:
    """An error message of the library, with its API advice replaced by the CLI's flags and subcommands."""
    for api, cli in _CLI_WORDS:
        message = message.replace(api, cli)
    return message


def print_answer(question: str, answers: list[dict]) -> None:
    """Prints the best answer with its score, reasoning type, evidence and source, as `ask` and the demo show it."""
    best = answers[0]
    print(f"  Q: {question}")
    if not best["answer"]:
        print(f"  A: (no answer found)  (score {best['score']:.3f})")
        return
    where = f"{best.get('source') or 'passage ' + str(best['passage_id'])}"
    if best.get("page"):
        where += f", page {best['page']}"
    print(f"  A: {best['answer']!r}  (score {best['score']:.3f})")
    print(
        f"     reasoning: {best['reasoning']} ({best['reasoning_scores'][best['reasoning']]:.2f})   source: {where}"
    )
    comparison = best.get("comparison")
    if comparison:  # answered from a table's numbers: which rows were compared, on which column
        sign = " > " if comparison["op"] == "max" else " < "
        rows = sign.join(
            f"{r['label']} {r['value']:,.0f}"
            if float(r["value"]).is_integer()
            else f"{r['label']} {r['value']:,}"
            for r in comparison["rows"][:3]
        )
        print(f"     compared {comparison['column']!r}: {rows}")
        return
    evidence = best.get("reasoning_evidence")
    if evidence:
        print(f"     because: {evidence['sentence']['text']!r}")
        if best["reasoning"] != "factual":
            cue = evidence["cue"]
            print(f"     cue: {cue['text']!r}" if cue else "     cue: (none found in the sentence)")


def _model(args: argparse.Namespace) -> str:
    """`--model`, or the reference model when it is not given."""
    if args.model:
        return args.model
    from . import reference_model_path

    try:
        return reference_model_path()
    except ImportError as exc:
        raise SystemExit(f"error: no --model given, and {exc}") from None


def _existing(parser: argparse.ArgumentParser, flag: str, paths: list[str] | None) -> None:
    for path in paths or []:
        if not os.path.exists(path):
            parser.error(f"{flag}: no such file: {path}")


def _pdfs_of(parser: argparse.ArgumentParser, paths: list[str]) -> list[str]:
    """PDF arguments with folders expanded to the PDFs they hold."""
    pdfs = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(path, f) for f in os.listdir(path) if f.lower().endswith(".pdf"))
            if not found:
                parser.error(f"index: folder {path} holds no .pdf files")
            pdfs.extend(found)
        elif not os.path.exists(path):
            parser.error(f"index: no such file or folder: {path}")
        else:
            pdfs.append(path)
    return pdfs


# --------------------------------------------------------------------------------------------------------------
# train / index / ask / push
# --------------------------------------------------------------------------------------------------------------
def run_train(args: argparse.Namespace, extra: list[str], parser: argparse.ArgumentParser) -> int:
    if not args.train and not args.dataset:
        parser.error("train: give --train FILE... or --dataset NAME")
    _existing(parser, "--train", args.train)
    _existing(parser, "--eval", args.eval)
    from transformers import HfArgumentParser, TrainingArguments

    from .recipe import train_qa

    (training_args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses(
        ["--output_dir", args.output_dir, "--report_to", "none", *extra]
    )
    if "--disable_tqdm" not in extra:
        training_args.disable_tqdm = False  # progress bars, as Trainer shows them, even with quiet logging
    train_data: list = list(args.train or [])
    eval_data: list = list(args.eval or [])
    if args.dataset:
        import datasets

        try:
            train_data.append(datasets.load_dataset(args.dataset, split=args.dataset_train_split))
            if args.dataset_eval_split:
                eval_data.append(datasets.load_dataset(args.dataset, split=args.dataset_eval_split))
        except Exception as exc:  # not cached offline, unknown name, unknown split
            raise ValueError(
                f"--dataset {args.dataset}: cannot load it ({type(exc).__name__}: {exc})"
            ) from exc
    result = train_qa(
        _model(args),
        train_data,
        args.output_dir,
        eval_files=eval_data or None,
        train_split=args.train_split,
        eval_split=args.eval_split,
        training_args=training_args,
        max_length=args.max_length,
        doc_stride=args.doc_stride,
        attn_implementation=args.attn_implementation,
        reasoning_loss_weight=args.reasoning_loss_weight,
        cuda_graphs=args.cuda_graphs,
        max_train_examples=args.max_train_examples,
        max_eval_examples=args.max_eval_examples,
        resume_from_checkpoint=args.resume_from_checkpoint,
        balance_reasoning=not args.no_reasoning_balance,
        keep_checkpoints=args.keep_checkpoints,
    )
    for key, value in sorted(result.metrics.items()):
        print(f"{key}: {value}")
    print(f"model saved to {result.output_dir}")
    return 0


def run_index(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    pdfs = _pdfs_of(parser, args.pdfs)
    from transformers import pipeline

    from .pdf_qa import load_pdf_qa
    from .registration import PIPELINE_TASK

    start = time.time()
    passages = load_pdf_qa(
        pdfs, name="passages", password=args.password, sentences_per_passage=args.sentences
    )
    pipe = pipeline(PIPELINE_TASK, model=_model(args), retriever_model=args.retriever_model)
    index = pipe.build_index(passages)
    index.meta["pdf_paths"] = [os.path.abspath(p) for p in pdfs]
    index.save(args.output)
    print(
        f"indexed {len(index)} passages from {len(set(passages['source']))} PDF(s) -> {args.output} "
        f"({time.time() - start:.0f} s)"
    )
    return 0


def _questions(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    questions = list(args.question)
    if args.questions_file:
        if args.questions_file == "-":
            lines = sys.stdin.read().splitlines()
        else:
            _existing(parser, "--questions-file", [args.questions_file])
            with open(args.questions_file, encoding="utf-8") as f:
                lines = f.read().splitlines()
        questions.extend(line.strip() for line in lines if line.strip())
    if not questions:
        parser.error("ask: give one or more questions, or --questions-file FILE (- reads standard input)")
    return questions


def run_ask(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    questions = _questions(args, parser)
    if args.score_threshold is not None and not 0 <= args.score_threshold <= 1:
        parser.error(f"--score-threshold: must be between 0 and 1, got {args.score_threshold}")
    if args.rerank_depth is not None and args.rerank_depth < 0:
        parser.error(f"--rerank-depth: must be 0 (no re-ranking) or more, got {args.rerank_depth}")
    if args.length_prior is not None and args.length_prior < 0:
        parser.error(f"--length-prior: must be 0 (off) or more, got {args.length_prior}")
    if not os.path.isdir(args.index):
        parser.error(f"--index: no passage index at {args.index}; build one with `bert-qa-reasoning index`")
    from transformers import pipeline

    from .pdf_highlight import highlight_answer
    from .registration import PIPELINE_TASK

    pipe = pipeline(PIPELINE_TASK, model=_model(args), index=args.index, retriever_model=args.retriever_model)
    results = pipe(
        question=questions,
        top_k=args.top_k,
        retriever=args.retriever,
        score_threshold=args.score_threshold,
        rerank_depth=args.rerank_depth,
        length_prior=args.length_prior,
    )
    for n, (question, answers) in enumerate(zip(questions, results)):
        if not answers:
            print(f"  Q: {question}\n  A: (no answer scores {args.score_threshold} or more)")
            continue
        print_answer(question, answers)
        for extra in answers[1:]:
            print(f"  also: {extra['answer']!r} ({extra['score']:.3f}, page {extra.get('page')})")
        if args.highlight:
            best = answers[0]
            pdfs = {os.path.basename(p): p for p in pipe.index.meta.get("pdf_paths", [])}
            pdf = pdfs.get(best.get("source") or "")
            if pdf is None or not best.get("page"):
                print("  (no PDF page to highlight for this answer)")
            else:
                out = args.highlight if len(questions) == 1 else _numbered(args.highlight, n + 1)
                print(f"  highlighted page: {highlight_answer(pdf, int(best['page']), best['answer'], out)}")
    return 0


def _numbered(path: str, n: int) -> str:
    root, ext = os.path.splitext(path)
    return f"{root}-{n}{ext or '.png'}"


def run_push(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if not os.path.isdir(args.model_dir):
        parser.error(f"push: no saved model at {args.model_dir}")
    from .hub import push_model_dir

    url = push_model_dir(args.model_dir, args.repo_id, private=args.private, commit_message=args.message)
    print(f"pushed {args.model_dir} -> {url}")
    return 0


# --------------------------------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------------------------------
MODEL_HELP = (
    "trained bert-qa-reasoning model dir or Hub id (default: the reference model, bert-qa-reasoning[demo])"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bert-qa-reasoning", description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole flow on a PDF shipped in the package (offline, CPU)")
    demo.add_argument("--pdf", help="use your own PDF instead of the shipped sample")
    demo.add_argument("--password", help="user password of an encrypted PDF")
    demo.add_argument(
        "--questions",
        nargs="+",
        help="questions to ask (default: four written for the sample; with --pdf, generated)",
    )
    demo.add_argument("--output-dir", default="bert-qa-reasoning-demo", help="where artefacts go")
    demo.add_argument(
        "--model", help=MODEL_HELP.replace("trained bert-qa-reasoning model", "model to answer with")
    )
    demo.add_argument(
        "--backbone", help="checkpoint the short fine-tune starts from (default: all-MiniLM-L6-v2, offline)"
    )
    demo.add_argument("--max-steps", type=int, default=60, help="steps of the short fine-tune (0 skips it)")
    demo.add_argument("--batch-size", type=int, default=8)
    demo.add_argument("--learning-rate", type=float, default=1e-4)
    demo.add_argument("--max-length", type=int, default=256)
    demo.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    demo.add_argument("--seed", type=int, default=42)

    train = sub.add_parser(
        "train",
        help="fine-tune a checkpoint on SQuAD-style data; other flags go to TrainingArguments",
        description="Fine-tunes a checkpoint on SQuAD-style data. Flags not listed here go to transformers' "
        "TrainingArguments (--num_train_epochs, --learning_rate, --bf16, ...).",
    )
    train.add_argument(
        "--model", help="checkpoint to fine-tune: dir or Hub id (default: the reference model)"
    )
    train.add_argument(
        "--train",
        nargs="+",
        help="training files: SQuAD .json, flat SQuAD rows as .jsonl/.parquet, reasoning-question .jsonl "
        "(e.g. the shipped set), or PDFs",
    )
    train.add_argument("--eval", nargs="+", help="evaluation files, as for --train")
    train.add_argument(
        "--dataset", help="a datasets dataset name with SQuAD columns, e.g. squad (offline: cached)"
    )
    train.add_argument("--dataset-train-split", default="train", help="split of --dataset to train on")
    train.add_argument("--dataset-eval-split", help="split of --dataset to evaluate on (e.g. validation)")
    split_note = (
        "only for this project's split of the SQuAD v1.1 dev set (train: articles 0-31, validation: 32-39, "
        "test: 40-47, and the matching parts of the reasoning questions); leave it out for your own files"
    )
    train.add_argument(
        "--train-split", choices=["train", "validation", "test"], help=f"article split: {split_note}"
    )
    train.add_argument(
        "--eval-split", choices=["train", "validation", "test"], help=f"article split: {split_note}"
    )
    train.add_argument("--output-dir", required=True)
    train.add_argument("--max-length", type=int, default=384)
    train.add_argument("--doc-stride", type=int, default=128)
    train.add_argument("--attn-implementation", choices=["eager", "sdpa", "varlen"])
    train.add_argument("--reasoning-loss-weight", type=float)
    train.add_argument(
        "--no-reasoning-balance",
        action="store_true",
        help="train the reasoning head unweighted (default: class-balanced cross-entropy)",
    )
    train.add_argument(
        "--cuda-graphs",
        action="store_true",
        help="with --attn-implementation varlen on CUDA: config.varlen_cuda_graphs",
    )
    train.add_argument("--max-train-examples", type=int)
    train.add_argument("--max-eval-examples", type=int)
    train.add_argument("--resume-from-checkpoint")
    train.add_argument(
        "--keep-checkpoints",
        action="store_true",
        help="keep the Trainer's checkpoint-* folders (optimizer state) in --output-dir after a finished run",
    )

    index = sub.add_parser("index", help="build a passage index from PDFs (files or folders of them)")
    index.add_argument("pdfs", nargs="+")
    index.add_argument("--model", help=MODEL_HELP)
    index.add_argument("-o", "--output", required=True, help="index directory")
    index.add_argument("--retriever-model", help="sentence-embedding checkpoint for the dense retriever")
    index.add_argument("--password", help="user password of encrypted PDFs")
    index.add_argument("--sentences", type=int, default=5, help="sentences per passage")

    ask = sub.add_parser("ask", help="answer questions against an index (the model and index load once)")
    ask.add_argument("question", nargs="*", help="one or more questions")
    ask.add_argument(
        "--questions-file", metavar="FILE", help="more questions, one per line (- reads standard input)"
    )
    ask.add_argument("--model", help=MODEL_HELP)
    ask.add_argument("--index", required=True, help="directory written by `bert-qa-reasoning index`")
    ask.add_argument("--retriever-model", help="the sentence-embedding checkpoint the index was built with")
    ask.add_argument("--retriever", choices=["cls", "dense", "bm25", "hybrid"])
    ask.add_argument("--top-k", type=int, default=1)
    ask.add_argument(
        "--score-threshold",
        type=float,
        metavar="P",
        help="drop answers scoring below P (0-1); a question may then get no answer",
    )
    ask.add_argument(
        "--rerank-depth",
        type=int,
        metavar="N",
        help="passages retrieved and re-ranked by the reader before the best 3 are read (default 10; 0: off)",
    )
    ask.add_argument(
        "--length-prior",
        type=float,
        metavar="B",
        help="add B x log(tokens) to each span's score, for longer answers (default 0.25; 0: off, SQuAD-style)",
    )
    ask.add_argument(
        "--highlight",
        metavar="OUT.png",
        help="render the answer's PDF page with the answer highlighted (OUT-1.png, OUT-2.png, ... for several)",
    )

    push = sub.add_parser("push", help="upload a saved model (weights, tokenizer, code, card) to the Hub")
    push.add_argument("model_dir", help="a folder written by `train` or `save_pretrained`")
    push.add_argument("repo_id", help="user/name on the Hub")
    push.add_argument("--private", action="store_true")
    push.add_argument("--message", default="Upload bert-qa-reasoning model", help="commit message")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "train":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not args.verbose:
        import transformers

        transformers.logging.set_verbosity_error()  # load reports and the like; progress bars stay on
    import bert_qa_reasoning  # noqa: F401  (registration)

    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(args)
        if args.command == "train":
            return run_train(args, extra, parser)
        if args.command == "index":
            return run_index(args, parser)
        if args.command == "push":
            return run_push(args, parser)
        return run_ask(args, parser)
    except (ValueError, OSError) as exc:
        print(f"error: {cli_words(str(exc))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
