"""`bert-qa-reasoning` command line: demo, train, index, ask. Parses the flags and dispatches to the modules that
do the work (`demo.py`, `recipe.py`, the pipeline and its index, `pdf_highlight.py`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

logger = logging.getLogger("bert_qa_reasoning")


def print_answer(question: str, answers: list[dict]) -> None:
    """Prints the best answer with its score, reasoning type and source, as `ask` and the demo show it."""
    best = answers[0]
    where = f"{best.get('source') or 'passage ' + str(best['passage_id'])}"
    if best.get("page"):
        where += f", page {best['page']}"
    print(f"  Q: {question}")
    print(f"  A: {best['answer']!r}  (score {best['score']:.3f})")
    print(
        f"     reasoning: {best['reasoning']} ({best['reasoning_scores'][best['reasoning']]:.2f})   source: {where}"
    )


# --------------------------------------------------------------------------------------------------------------
# train / index / ask
# --------------------------------------------------------------------------------------------------------------
def run_train(args: argparse.Namespace, extra: list[str]) -> int:
    from transformers import HfArgumentParser, TrainingArguments

    from .recipe import train_qa

    (training_args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses(
        ["--output_dir", args.output_dir, "--report_to", "none", *extra]
    )
    result = train_qa(
        args.model,
        args.train,
        args.output_dir,
        eval_files=args.eval,
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
    )
    for key, value in sorted(result.metrics.items()):
        print(f"{key}: {value}")
    print(f"model saved to {result.output_dir}")
    return 0


def run_index(args: argparse.Namespace) -> int:
    from transformers import pipeline

    from .pdf_qa import load_pdf_qa
    from .registration import PIPELINE_TASK

    passages = load_pdf_qa(
        args.pdfs, name="passages", password=args.password, sentences_per_passage=args.sentences
    )
    pipe = pipeline(
        PIPELINE_TASK, model=args.model, trust_remote_code=True, retriever_model=args.retriever_model
    )
    index = pipe.build_index(passages)
    index.meta["pdf_paths"] = [os.path.abspath(p) for p in args.pdfs]
    index.save(args.output)
    print(f"indexed {len(index)} passages from {len(set(passages['source']))} PDF(s) -> {args.output}")
    return 0


def run_ask(args: argparse.Namespace) -> int:
    from transformers import pipeline

    from .pdf_highlight import highlight_answer
    from .registration import PIPELINE_TASK

    pipe = pipeline(
        PIPELINE_TASK,
        model=args.model,
        trust_remote_code=True,
        index=args.index,
        retriever_model=args.retriever_model,
    )
    answers = pipe(question=args.question, top_k=args.top_k, retriever=args.retriever)
    print_answer(args.question, answers)
    for extra in answers[1:]:
        print(f"  also: {extra['answer']!r} ({extra['score']:.3f}, page {extra.get('page')})")
    if args.highlight:
        best = answers[0]
        pdfs = {os.path.basename(p): p for p in pipe.index.meta.get("pdf_paths", [])}
        pdf = pdfs.get(best.get("source") or "")
        if pdf is None or not best.get("page"):
            print("  (no PDF page to highlight for this answer)")
        else:
            print(
                f"  highlighted page: {highlight_answer(pdf, int(best['page']), best['answer'], args.highlight)}"
            )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bert-qa-reasoning", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the whole flow on a PDF shipped in the package (offline, CPU)")
    demo.add_argument("--pdf", help="use your own PDF instead of the shipped sample")
    demo.add_argument("--password", help="user password of an encrypted PDF")
    demo.add_argument(
        "--questions", nargs="+", help="questions to ask (default: one generated question per reasoning type)"
    )
    demo.add_argument("--output-dir", default="bert-qa-reasoning-demo", help="where artefacts go")
    demo.add_argument("--model", help="BERT checkpoint dir or Hub id (default: all-MiniLM-L6-v2, offline)")
    demo.add_argument("--max-steps", type=int, default=60, help="fine-tuning steps")
    demo.add_argument("--batch-size", type=int, default=8)
    demo.add_argument("--learning-rate", type=float, default=1e-4)
    demo.add_argument("--max-length", type=int, default=256)
    demo.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    demo.add_argument("--seed", type=int, default=42)

    train = sub.add_parser("train", help="fine-tune a BERT checkpoint; other flags go to TrainingArguments")
    train.add_argument("--model", required=True, help="BERT checkpoint dir or Hub id")
    train.add_argument("--train", nargs="+", required=True, help="SQuAD JSON files or PDFs")
    train.add_argument("--eval", nargs="+", help="SQuAD JSON files or PDFs")
    train.add_argument("--train-split", help="article split of the SQuAD JSON: train/validation/test")
    train.add_argument("--eval-split", help="article split of the eval SQuAD JSON")
    train.add_argument("--output-dir", required=True)
    train.add_argument("--max-length", type=int, default=384)
    train.add_argument("--doc-stride", type=int, default=128)
    train.add_argument("--attn-implementation", choices=["eager", "sdpa", "varlen"])
    train.add_argument("--reasoning-loss-weight", type=float)
    train.add_argument(
        "--cuda-graphs",
        action="store_true",
        help="with --attn-implementation varlen on CUDA: config.varlen_cuda_graphs",
    )
    train.add_argument("--max-train-examples", type=int)
    train.add_argument("--max-eval-examples", type=int)
    train.add_argument("--resume-from-checkpoint")

    index = sub.add_parser("index", help="build a passage index from PDFs")
    index.add_argument("pdfs", nargs="+")
    index.add_argument("--model", required=True, help="a trained bert-qa-reasoning model dir or Hub id")
    index.add_argument("-o", "--output", required=True, help="index directory")
    index.add_argument("--retriever-model", help="sentence-embedding checkpoint for the dense retriever")
    index.add_argument("--password")
    index.add_argument("--sentences", type=int, default=5, help="sentences per passage")

    ask = sub.add_parser("ask", help="answer a question against an index")
    ask.add_argument("question")
    ask.add_argument("--model", required=True)
    ask.add_argument("--index", required=True)
    ask.add_argument("--retriever-model", help="the sentence-embedding checkpoint the index was built with")
    ask.add_argument("--retriever", choices=["cls", "dense", "bm25", "hybrid"])
    ask.add_argument("--top-k", type=int, default=1)
    ask.add_argument(
        "--highlight", metavar="OUT.png", help="render the answer's PDF page with the answer highlighted"
    )
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

        transformers.logging.set_verbosity_error()
    import bert_qa_reasoning  # noqa: F401  (registration)

    try:
        if args.command == "demo":
            from .demo import run_demo

            return run_demo(args)
        if args.command == "train":
            return run_train(args, extra)
        if args.command == "index":
            return run_index(args)
        return run_ask(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
