"""Fine-tuning comparison and retrieval figures on our SQuAD split (GPU).

1. Fine-tunes all-MiniLM-L6-v2 on split `train` with the same recipe (QAWithReasoningTrainer, 3 epochs, lr 1e-4,
   batch 32, max_len 384, stride 128, bf16) for: transformers.BertForQuestionAnswering (the peer), our model
   (sdpa, reasoning head on), our model through the varlen fast path. Reports EM/F1 on `test` and reasoning
   accuracy/macro-F1 on `validation` (nothing is tuned on test).
2. With our fine-tuned model: retrieval recall@1/5/20 of each retriever over the 334 `test` paragraphs; the hybrid
   weight is chosen on `validation`; end-to-end EM/F1 over the pool vs the same reader given the gold paragraph.

    python benchmarks/train_compare.py --squad dev-v1.1.json --backbone <minilm dir> --out runs/
"""

from __future__ import annotations

import json
import os
import time

import numpy as np
import torch
from common import base_parser, pool  # noqa: E402

from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning  # noqa: E402
from bert_qa_reasoning.features import (  # noqa: E402
    postprocess_qa_predictions,
    prepare_eval_features,
    prepare_train_features,
)
from bert_qa_reasoning.metrics import classification_scores, squad_scores  # noqa: E402
from bert_qa_reasoning.reasoning import LABEL2ID, REASONING_LABELS, label_question, load_reasoning_questions  # noqa: E402
from bert_qa_reasoning.recipe import balanced_class_weights  # noqa: E402
from bert_qa_reasoning.squad import load_squad_split  # noqa: E402


def columns(rows):
    return {k: [r[k] for r in rows] for k in rows[0]}


def rows_of(features):
    keys = list(features)
    return [{k: features[k][i] for k in keys} for i in range(len(features[keys[0]]))]


class ListDataset(torch.utils.data.Dataset):
    def __init__(self, rows, keys):
        self.rows = [{k: r[k] for k in keys if k in r} for r in rows]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def evaluate_reader(
    trainer,
    tokenizer,
    rows,
    with_reasoning: bool,
    predictions_path: str | None = None,
    keep_texts: bool = False,
):
    feats = prepare_eval_features(columns(rows), tokenizer, 384, 128, reasoning_label2id=LABEL2ID)
    ds = ListDataset(rows_of(feats), ("input_ids", "attention_mask", "token_type_ids"))
    out = trainer.predict(ds)
    preds = postprocess_qa_predictions(columns(rows), feats, out.predictions[0], out.predictions[1])
    texts = {k: v["text"] for k, v in preds.items()}
    scores = squad_scores(texts, {r["id"]: r["answers"]["text"] for r in rows})
    if predictions_path:  # question id -> answer text, for paired_bootstrap.py
        os.makedirs(os.path.dirname(predictions_path), exist_ok=True)
        with open(predictions_path, "w") as f:
            json.dump(texts, f)
    if keep_texts:  # question id -> answer text, for scores over parts of `rows`
        scores["texts"] = texts
    if with_reasoning and len(out.predictions) > 2:
        by_ex = {}
        for i, ex in enumerate(feats["example_id"]):
            by_ex.setdefault(ex, []).append(i)
        pred = [int(np.argmax(out.predictions[2][by_ex[r["id"]]].mean(0))) for r in rows]
        gold = [LABEL2ID[r["reasoning_label"]] for r in rows]
        scores.update(classification_scores(pred, gold, 3))
        scores["reasoning_predictions"] = [REASONING_LABELS[p] for p in pred]
    return scores


def labelled_scores(trainer, tokenizer, labelled_val) -> dict:
    """Span EM/F1 and reasoning accuracy, macro-F1, recall and confusion on the hand-labelled validation rows.

    Where the rows mix questions over SQuAD paragraphs with questions over the document-style passages (ids
    `bqr-doc...`), each part is also scored on its own (`by_source`): the SQuAD part is the set earlier runs report.
    """
    scored = evaluate_reader(trainer, tokenizer, labelled_val, with_reasoning=True, keep_texts=True)
    result = {
        "span_exact_match": scored["exact_match"],
        "span_f1": scored["f1"],
        **confusion([r["reasoning_label"] for r in labelled_val], scored["reasoning_predictions"]),
    }
    # each part scored from the same predictions (row positions, as `reasoning_predictions` is in row order)
    parts = {
        "squad_paragraphs": [i for i, r in enumerate(labelled_val) if not r["id"].startswith("bqr-doc")],
        "documents": [i for i, r in enumerate(labelled_val) if r["id"].startswith("bqr-doc")],
    }
    if all(parts.values()):
        result["by_source"] = {}
        for name, positions in parts.items():
            rows = [labelled_val[i] for i in positions]
            part = squad_scores(
                {r["id"]: scored["texts"][r["id"]] for r in rows},
                {r["id"]: r["answers"]["text"] for r in rows},
            )
            predicted = [scored["reasoning_predictions"][i] for i in positions]
            result["by_source"][name] = {
                "questions": len(rows),
                "span_exact_match": part["exact_match"],
                "span_f1": part["f1"],
                "accuracy": confusion([r["reasoning_label"] for r in rows], predicted)["accuracy"],
            }
    return result


def save_trained(trainer, tokenizer, model_dir: str) -> None:
    """Saves the trainer's model in float32, Hub layout, without its CUDA graphs."""
    from bert_qa_reasoning.recipe import save_model_for_hub

    trainer.model.config.varlen_cuda_graphs = False
    trainer.model.clear_cuda_graphs()
    save_model_for_hub(trainer.model.float().eval(), tokenizer, model_dir)


def confusion(gold: list[str], pred: list[str]) -> dict:
    """Accuracy, macro-F1, per-class recall and the confusion matrix (gold -> predicted -> count)."""
    matrix = {g: {p: 0 for p in REASONING_LABELS} for g in REASONING_LABELS}
    for g, p in zip(gold, pred):
        matrix[g][p] += 1
    recall = {g: 100 * matrix[g][g] / max(1, sum(matrix[g].values())) for g in REASONING_LABELS}
    precision = {
        p: 100 * matrix[p][p] / max(1, sum(matrix[g][p] for g in REASONING_LABELS)) for p in REASONING_LABELS
    }
    f1 = [2 * recall[c] * precision[c] / max(1e-9, recall[c] + precision[c]) for c in REASONING_LABELS]
    return {
        "accuracy": 100 * sum(g == p for g, p in zip(gold, pred)) / len(gold),
        "macro_f1": sum(f1) / len(f1),
        "recall": recall,
        "matrix": matrix,
    }


def main() -> None:
    parser = base_parser(__doc__, minilm_flag="--backbone")
    parser.add_argument("--out", default="runs")
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["hf:42", "ours-sdpa:42", "ours-varlen:42"],
        help="variant:seed[,seed...] with variant hf[+up<k>][+ep<n>] or ours-<sdpa|varlen|varlengraphs>[+ctx][+w<weight>][+bal] "
        "(+ctx: span loss over context positions; +w: reasoning loss weight; +bal: class-balanced reasoning loss; "
        "+sqrtbal: square roots of the balanced weights; +hand: reasoning labels from the hand-labelled rows only; "
        "+noattn: no attention-probability dropout; +up<k>: the hand-labelled rows k times in the training data; "
        "+ep<n>: n epochs for this run)",
    )
    parser.add_argument("--skip-retrieval", action="store_true")
    parser.add_argument(
        "--reasoning-data",
        help="hand-labelled reasoning questions (JSON lines): their train part joins the training data, and "
        "reasoning is scored on their validation part",
    )
    parser.add_argument("--limit", type=int, help="keep this many rows of each split (a quick smoke test)")
    parser.add_argument(
        "--save-model",
        nargs="+",
        default=[],
        help="variant:seed runs whose models are saved to <out>/models/<variant>-<seed> (Hub layout)",
    )
    parser.add_argument(
        "--save-predictions",
        action="store_true",
        help="write <out>/predictions/<variant>-<seed>-<split>.json (question id -> answer) for paired_bootstrap.py",
    )
    parser.add_argument(
        "--cross-eval",
        action="store_true",
        help="also score the hand-labelled validation part of every varlen-trained model through sdpa and eager "
        "varlen (is a gap between paths made in training or in inference?)",
    )
    parser.add_argument(
        "--torch-compile", action="store_true", help="TrainingArguments(torch_compile=True) for every run"
    )
    parser.add_argument(
        "--shared-init",
        type=int,
        help="initialise the new heads with this seed in every run (the run's seed then sets only the data order "
        "and dropout), so that runs of one variant can be averaged (--soup)",
    )
    parser.add_argument(
        "--soup",
        action="store_true",
        help="also score the uniform average of the weights of each variant's seeds (a model soup, Wortsman et "
        "al. 2022; use with --shared-init), as run <variant>/soup; --save-model <variant>:soup saves it",
    )
    args = parser.parse_args()
    if any(spec.endswith(":soup") for spec in args.save_model) and not args.soup:
        parser.error("--save-model <variant>:soup needs --soup")
    if args.soup and args.shared_init is None:
        parser.error("--soup averages runs whose new heads start alike: give --shared-init SEED too")

    from transformers import (
        AutoTokenizer,
        BertForQuestionAnswering,
        DataCollatorWithPadding,
        TrainingArguments,
    )

    from bert_qa_reasoning.trainer import QAWithReasoningTrainer

    tokenizer = AutoTokenizer.from_pretrained(args.backbone)
    train_rows = load_squad_split(args.squad, "train")
    val_rows = load_squad_split(args.squad, "validation")
    test_rows = load_squad_split(args.squad, "test")
    labelled_val = []
    if args.reasoning_data:
        strip = lambda rows: [{k: r[k] for k in train_rows[0]} for r in rows]  # noqa: E731
        train_rows = train_rows + strip(load_reasoning_questions("train", path=args.reasoning_data))
        labelled_val = strip(load_reasoning_questions("validation", path=args.reasoning_data))
        gold = [r["reasoning_label"] for r in labelled_val]
        labeler = confusion(gold, [label_question(r["question"]) for r in labelled_val])
        print(f"labeler on the hand-labelled validation part: {json.dumps(labeler)}", flush=True)
    if args.limit:
        train_rows, val_rows, test_rows, labelled_val = (
            rows[: args.limit] for rows in (train_rows, val_rows, test_rows, labelled_val)
        )
    train_feats = rows_of(
        prepare_train_features(columns(train_rows), tokenizer, 384, 128, reasoning_label2id=LABEL2ID)
    )
    hand_only = [r for r in train_rows if r["id"].startswith("bqr-")]
    hand_only_feats = (
        rows_of(prepare_train_features(columns(hand_only), tokenizer, 384, 128, reasoning_label2id=LABEL2ID))
        if hand_only
        else []
    )
    class_weights = balanced_class_weights([f["reasoning_labels"] for f in train_feats], len(LABEL2ID))
    print(f"# balanced reasoning class weights {class_weights}", flush=True)
    # +hand: the reasoning head learns from the hand-labelled rows only (SQuAD rows keep their spans, lose labels)
    hand_rows = [r if r["id"].startswith("bqr-") else {**r, "reasoning_label": None} for r in train_rows]
    hand_feats = rows_of(
        prepare_train_features(columns(hand_rows), tokenizer, 384, 128, reasoning_label2id=LABEL2ID)
    )
    hand_weights = balanced_class_weights([f["reasoning_labels"] for f in hand_feats], len(LABEL2ID))
    print(
        f"# {torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU'} {time.strftime('%Y-%m-%d')}: train {len(train_rows)} q -> {len(train_feats)} windows; "
        f"validation {len(val_rows)}; test {len(test_rows)}",
        flush=True,
    )
    collator = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=8)
    results = {}
    trained = {}
    runs = [
        (v, int(seed)) for spec in args.runs for v, seeds in [spec.split(":")] for seed in seeds.split(",")
    ]
    soups: dict[str, list[dict]] = {}  # variant -> the trained weights of each of its seeds (on the CPU)
    soup_trainers = {}  # variant -> its last trainer, which scores the soup
    for variant, seed in runs:
        torch.manual_seed(seed if args.shared_init is None else args.shared_init)
        peer = variant.split("+")[0] == "hf"  # hf[+up<k>|+ep<n>]: the peer, on the same training data
        if peer and any(not o.startswith(("up", "ep")) for o in variant.split("+")[1:]):
            raise SystemExit(f"the peer takes only +up<k> and +ep<n>, got {variant!r}")
        run_feats, epochs = train_feats, args.epochs
        for option in variant.split("+")[1:]:
            if option.startswith("up"):  # the hand-labelled questions k times
                run_feats = train_feats + hand_only_feats * (int(option[2:]) - 1)
            elif option.startswith("ep"):
                epochs = float(option[2:])
        if peer:
            model = BertForQuestionAnswering.from_pretrained(args.backbone, dtype=torch.float32)
            keys = ("input_ids", "attention_mask", "token_type_ids", "start_positions", "end_positions")
        else:
            # ours-<impl>[+ctx][+w<weight>]: +ctx = span_loss_context_only, +w0.3 = reasoning_loss_weight 0.3
            impl, *options = variant.split("-", 1)[1].split("+")
            graphs = impl == "varlengraphs"  # the varlen path with CUDA graphs (config.varlen_cuda_graphs)
            overrides = {}
            for option in options:
                if option == "ctx":
                    overrides["span_loss_context_only"] = True
                elif option == "bal":
                    overrides["reasoning_class_weights"] = (
                        hand_weights if "hand" in options else class_weights
                    )
                elif option == "sqrtbal":  # between unweighted and balanced: square roots of the weights
                    overrides["reasoning_class_weights"] = [round(w**0.5, 4) for w in class_weights]
                elif option == "hand":
                    pass  # see the training set below
                elif option == "noattn":
                    overrides["attention_probs_dropout_prob"] = 0.0
                elif option.startswith(("up", "ep")):
                    pass  # training data and epochs, above
                elif option.startswith("w"):
                    overrides["reasoning_loss_weight"] = float(option[1:])
                else:
                    raise SystemExit(f"unknown variant option {option!r} in {variant!r}")
            model = BertForQuestionAnsweringWithReasoning.from_pretrained(
                args.backbone,
                dtype=torch.float32,
                attn_implementation="varlen" if graphs else impl,
                varlen_cuda_graphs=graphs,
                **overrides,
            )
            keys = (
                "input_ids",
                "attention_mask",
                "token_type_ids",
                "start_positions",
                "end_positions",
                "reasoning_labels",
            )
        targs = TrainingArguments(
            output_dir=os.path.join(args.out, f"{variant}-{seed}"),
            num_train_epochs=epochs,
            learning_rate=args.lr,
            per_device_train_batch_size=args.batch_size,
            per_device_eval_batch_size=128,
            warmup_steps=int(0.1 * epochs * (len(run_feats) // args.batch_size)),
            weight_decay=0.01,
            bf16=torch.cuda.is_available(),
            use_cpu=not torch.cuda.is_available(),
            save_strategy="no",
            logging_steps=100,
            report_to=[],
            seed=seed,
            dataloader_num_workers=2,
            disable_tqdm=True,
            torch_compile=args.torch_compile,
        )
        trainer = QAWithReasoningTrainer(
            model=model,
            args=targs,
            train_dataset=ListDataset(hand_feats if "+hand" in variant else run_feats, keys),
            data_collator=collator,
            processing_class=tokenizer,
        )
        start = time.time()
        trainer.train()
        train_s = time.time() - start
        run_name = f"{variant}-{seed}"
        saved = {
            split: os.path.join(args.out, "predictions", f"{run_name}-{split}.json")
            if args.save_predictions
            else None
            for split in ("test", "validation")
        }
        test = evaluate_reader(
            trainer, tokenizer, test_rows, with_reasoning=False, predictions_path=saved["test"]
        )
        val = evaluate_reader(
            trainer,
            tokenizer,
            val_rows,
            with_reasoning=not peer,
            predictions_path=saved["validation"],
        )
        val.pop("reasoning_predictions", None)
        test.pop("reasoning_predictions", None)
        result = {"train_s": train_s, "test": test, "validation": val}
        if labelled_val and not peer:
            result["labelled_validation"] = labelled_scores(trainer, tokenizer, labelled_val)
            print(
                f"{variant} seed {seed} hand-labelled validation: {json.dumps(result['labelled_validation'])}"
            )
            if args.cross_eval and variant.startswith("ours-varlen"):
                config = trainer.model.config
                kept = (config._attn_implementation, config.varlen_cuda_graphs)
                for path, (impl, graphed) in {"sdpa": ("sdpa", False), "varlen": ("varlen", False)}.items():
                    config._attn_implementation, config.varlen_cuda_graphs = impl, graphed
                    scored = evaluate_reader(trainer, tokenizer, labelled_val, with_reasoning=True)
                    cross = confusion(
                        [r["reasoning_label"] for r in labelled_val], scored["reasoning_predictions"]
                    )
                    result.setdefault("labelled_validation_by_inference_path", {})[path] = cross
                    print(f"{variant} seed {seed} scored through {path}: {json.dumps(cross)}", flush=True)
                config._attn_implementation, config.varlen_cuda_graphs = kept
        results[f"{variant}/seed{seed}"] = result
        if f"{variant}:{seed}" in args.save_model:
            model_dir = os.path.join(args.out, "models", run_name)
            save_trained(trainer, tokenizer, model_dir)
            print(f"saved {run_name} to {model_dir}", flush=True)
        trained.setdefault(variant, trainer.model)  # the first seed's model feeds the retrieval figures
        if args.soup and not peer:
            soups.setdefault(variant, []).append(
                {k: v.detach().float().cpu().clone() for k, v in trainer.model.state_dict().items()}
            )
            soup_trainers[variant] = trainer
        print(
            f"{variant:16s} seed {seed} train {train_s:6.1f}s  test EM {test['exact_match']:.2f} F1 {test['f1']:.2f}  "
            f"val EM {val['exact_match']:.2f} F1 {val['f1']:.2f}  reasoning acc {val.get('reasoning_accuracy', float('nan')):.2f} "
            f"macro-F1 {val.get('reasoning_macro_f1', float('nan')):.2f}",
            flush=True,
        )

    for variant, weights in soups.items():
        if len(weights) < 2:
            continue
        trainer = soup_trainers[variant]
        averaged = {k: sum(w[k] for w in weights) / len(weights) for k in weights[0]}
        trainer.model.load_state_dict(averaged)
        test = evaluate_reader(trainer, tokenizer, test_rows, with_reasoning=False)
        val = evaluate_reader(trainer, tokenizer, val_rows, with_reasoning=True)
        val.pop("reasoning_predictions", None)
        test.pop("reasoning_predictions", None)
        result = {"seeds": len(weights), "test": test, "validation": val}
        if labelled_val:
            result["labelled_validation"] = labelled_scores(trainer, tokenizer, labelled_val)
            print(f"{variant} soup hand-labelled validation: {json.dumps(result['labelled_validation'])}")
        results[f"{variant}/soup"] = result
        print(
            f"{variant:16s} soup of {len(weights)} seeds  test EM {test['exact_match']:.2f} F1 {test['f1']:.2f}  "
            f"val EM {val['exact_match']:.2f} F1 {val['f1']:.2f}",
            flush=True,
        )
        if f"{variant}:soup" in args.save_model:
            model_dir = os.path.join(args.out, "models", f"{variant}-soup")
            save_trained(trainer, tokenizer, model_dir)
            print(f"saved {variant}-soup to {model_dir}", flush=True)

    summary = {}
    for variant in dict.fromkeys(v for v, _ in runs):
        seeds_of = [r for k, r in results.items() if k.startswith(f"{variant}/") and not k.endswith("/soup")]
        tests = [r["test"] for r in seeds_of]
        vals = [r["validation"] for r in seeds_of]
        mean = lambda rows, key: float(np.mean([r[key] for r in rows])) if key in rows[0] else float("nan")  # noqa: E731
        std = lambda rows, key: float(np.std([r[key] for r in rows])) if key in rows[0] else float("nan")  # noqa: E731
        summary[variant] = {
            "seeds": len(tests),
            **{f"test_{k}": mean(tests, k) for k in ("exact_match", "f1")},
            **{f"test_{k}_std": std(tests, k) for k in ("exact_match", "f1")},
            **{
                f"validation_{k}": mean(vals, k)
                for k in ("exact_match", "f1", "reasoning_accuracy", "reasoning_macro_f1")
            },
        }
        s_ = summary[variant]
        print(
            f"mean over {s_['seeds']} seed(s) {variant:16s} test EM {s_['test_exact_match']:.2f} ± {s_['test_exact_match_std']:.2f} "
            f"F1 {s_['test_f1']:.2f} ± {s_['test_f1_std']:.2f}  val F1 {s_['validation_f1']:.2f}  "
            f"reasoning acc (val) {s_['validation_reasoning_accuracy']:.2f}",
            flush=True,
        )
    results["summary"] = summary
    if "ours-sdpa" in trained and not args.skip_retrieval:
        results["retrieval"] = retrieval_figures(
            trained["ours-sdpa"], tokenizer, args.backbone, test_rows, args.out
        )
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "train_compare.json"), "w") as f:
        json.dump(results, f, indent=1)


def retrieval_figures(model, tokenizer, backbone, test_rows, out_dir):
    from transformers import pipeline

    import bert_qa_reasoning  # noqa: F401
    from bert_qa_reasoning.retrieval import PassageIndex

    model = model.float().eval()
    save_dir = os.path.join(out_dir, "ours-sdpa-model")
    model.config._attn_implementation = "sdpa"
    pipe = pipeline("qa-with-reasoning", model=model, tokenizer=tokenizer, device=0, retriever_model=backbone)
    pipe.save_pretrained(save_dir)
    figures = {}

    def recall(scores, gold):
        top = scores.topk(20, dim=1).indices
        return {
            f"R@{k}": round(100 * (top[:, :k] == gold[:, None]).any(1).float().mean().item(), 1)
            for k in (1, 5, 20)
        }

    enc = dict(encoder=pipe.model, tokenizer=tokenizer)

    def minilm_index(paragraphs, **kwargs):
        return PassageIndex.build(
            paragraphs,
            pipe.model,
            tokenizer,
            dense_encoder=pipe.retriever_model,
            dense_tokenizer=pipe.retriever_tokenizer,
            show_progress=False,
            **kwargs,
        )

    # The hybrid defaults (BM25 k1 1.2 / b 0.75, z-score fusion, BM25 share 0.3) were chosen on `validation` by
    # benchmarks/retrieval_sweep.py; `test` is only reported.
    tp, tg = pool(test_rows)
    tq = [r["question"] for r in test_rows]
    index = minilm_index(tp)
    best_w = index.hybrid_weight
    figures["hybrid"] = {"weight": index.hybrid_weight, "method": index.hybrid_method}
    own = PassageIndex.build(tp, pipe.model, tokenizer, retrievers=("bm25", "dense"), show_progress=False)
    rows = {
        "bm25": index.scores(tq, "bm25"),
        "cls (fine-tuned QA model pooled [CLS])": index.scores(tq, "cls", **enc),
        "dense (all-MiniLM-L6-v2 mean pooling)": index.scores(
            tq, "dense", **enc, dense_encoder=pipe.retriever_model, dense_tokenizer=pipe.retriever_tokenizer
        ),
        "dense (fine-tuned QA encoder mean pooling)": own.scores(tq, "dense", **enc),
        f"hybrid (bm25 + MiniLM, w={best_w})": index.scores(
            tq, "hybrid", **enc, dense_encoder=pipe.retriever_model, dense_tokenizer=pipe.retriever_tokenizer
        ),
        f"hybrid (bm25 + QA encoder, w={best_w})": own.scores(tq, "hybrid", **enc),
    }
    figures["recall_test"] = {name: recall(s, tg) for name, s in rows.items()}
    for name, r in figures["recall_test"].items():
        print(f"retrieval {name:45s} {r}", flush=True)

    pipe.attach_index(index)
    refs = {r["id"]: r["answers"]["text"] for r in test_rows}
    start = time.time()
    pooled = pipe(question=tq, top_k_passages=3, batch_size=128)
    pool_s = time.time() - start
    gold_answers = [pipe(question=r["question"], context=r["context"])[0]["answer"] for r in test_rows]
    figures["end_to_end_test"] = {
        "pool (hybrid, top 3 passages)": squad_scores(
            {r["id"]: a[0]["answer"] for r, a in zip(test_rows, pooled)}, refs
        ),
        "gold paragraph": squad_scores({r["id"]: a for r, a in zip(test_rows, gold_answers)}, refs),
        "pool_seconds": pool_s,
    }
    print(f"end-to-end {figures['end_to_end_test']}", flush=True)
    return figures


if __name__ == "__main__":
    main()
