"""Writes the model card of the reference reader (reference_model/.../model/README.md, the package README and the
repository's model_card.md) from
the figures of the GPU run that trained it (benchmarks/results/train_compare_s14_B.json: four runs of the recipe
ours-sdpa+bal+w0.5+up2, seeds 42-45, and the uniform average of their weights, which is the shipped model) and of
the run that paired the recipe with transformers' BertForQuestionAnswering on the same data
(train_compare_s14_paired.json, seeds 42 and 43).

    python scripts/write_reference_card.py
"""

import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "src"))

from bert_qa_reasoning.model_card import ModelCardData, squad_split_name  # noqa: E402

RECIPE = "ours-sdpa+bal+w0.5+up2"
PEER = "hf+up2"
SOUP_SEEDS = (42, 43, 44, 45)
MODEL_DIR = os.path.join(ROOT, "reference_model", "src", "bert_qa_reasoning_reference", "model")


def main() -> None:
    results_dir = os.path.join(ROOT, "benchmarks", "results")
    with open(os.path.join(results_dir, "train_compare_s14_B.json"), encoding="utf-8") as f:
        soup_run = json.load(f)
    run = soup_run[f"{RECIPE}/soup"]
    seed_runs = [soup_run[f"{RECIPE}/seed{s}"] for s in SOUP_SEEDS]
    with open(os.path.join(results_dir, "train_compare_s14_paired.json"), encoding="utf-8") as f:
        paired = json.load(f)
    peer = paired[f"{PEER}/seed42"]["test"]
    seeds = (42, 43)
    gaps = [
        paired[f"{RECIPE}/seed{s}"]["test"]["f1"] - paired[f"{PEER}/seed{s}"]["test"]["f1"] for s in seeds
    ]
    gap = sum(gaps) / len(gaps)
    labelled = run["labelled_validation"]
    card = ModelCardData(
        model_name="bert-qa-reasoning reference reader (all-MiniLM-L6-v2)",
        model_id="bert_qa_reasoning.reference_model_path()",
        base_model="sentence-transformers/all-MiniLM-L6-v2",
        license="apache-2.0",
        datasets=["rajpurkar/squad"],
        train_description=(
            f"{squad_split_name('train')} (7,235 questions) plus the `train` part of bert-qa-reasoning's "
            "hand-labelled reasoning questions (3,411: 2,931 over the same articles and 480 over document-style "
            "passages written for the project; each seen twice); 11,010 windows of 384 tokens, stride 128, before "
            "the hand-labelled questions' windows are repeated"
        ),
        reasoning_label_source=(
            "hand-labelled for the 3,411 reasoning questions; the rule-based labeler for the SQuAD questions. "
            "Class-balanced cross-entropy (weights 0.48 / 2.02 / 2.27), reasoning loss weight 0.5"
        ),
        eval_dataset=squad_split_name("test"),
        eval_split="validation, articles 40-47",
        metrics={"exact_match": run["test"]["exact_match"], "f1": run["test"]["f1"]},
        hyperparameters={
            "learning_rate": 1e-4,
            "per_device_train_batch_size": 32,
            "num_train_epochs": 3,
            "warmup": "10 % of steps",
            "weight_decay": 0.01,
            "bf16": True,
            "seed": "42, 43, 44, 45 (heads initialised with seed 42 in all four; weights averaged)",
            "attn_implementation": "sdpa",
            "reasoning_loss_weight": 0.5,
            "reasoning_class_weights": "[0.4846, 2.0198, 2.2654] (balanced)",
            "hand-labelled questions": "2 times in the training data",
        },
        train_runtime=(
            f"{sum(r['train_s'] for r in seed_runs):.0f} s for the four runs on one NVIDIA H200 (2026-12-03)"
        ),
    )
    text = card.to_markdown().replace(
        'qa = pipeline("qa-with-reasoning", model="bert_qa_reasoning.reference_model_path()")',
        'qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())',
    )
    text = text.replace(
        "import bert_qa_reasoning  # registers the qa-with-reasoning pipeline; without the package: trust_remote_code=True",
        "import bert_qa_reasoning  # registers the pipeline; this folder ships no code of its own",
    )
    by_source = labelled["by_source"]
    squad_part, documents = by_source["squad_paragraphs"], by_source["documents"]
    reasoning = (
        "\n\nReasoning type, on the `validation` part of the hand-labelled reasoning questions (823 questions, none "
        "used in training: 703 over SQuAD v1.1 dev articles 32-39 and 120 over document-style passages): accuracy "
        f"**{labelled['accuracy']:.1f} %**, macro-F1 **{labelled['macro_f1']:.1f}**; recall factual "
        f"{labelled['recall']['factual']:.1f}, causal {labelled['recall']['causal']:.1f}, comparative "
        f"{labelled['recall']['comparative']:.1f}. Answer spans there: F1 {squad_part['span_f1']:.1f} over the "
        f"SQuAD paragraphs and {documents['span_f1']:.1f} over the document-style passages.\n\n"
        "The weights are the uniform average (a model soup, Wortsman et al., 2022) of four runs of one recipe "
        "that differ only in data order and dropout (seeds 42-45; the new heads start from one initialisation). "
        "The single runs reach test F1 "
        + " / ".join(f"{r['test']['f1']:.2f}" for r in seed_runs)
        + f" (mean {sum(r['test']['f1'] for r in seed_runs) / len(seed_runs):.2f}) and hand-labelled validation "
        "span F1 "
        + " / ".join(f"{r['labelled_validation']['span_f1']:.1f}" for r in seed_runs)
        + f" (all 823); the average reaches {run['test']['f1']:.2f} and {labelled['span_f1']:.1f}. "
        "On the same SQuAD test articles, transformers' `BertForQuestionAnswering` trained with the same recipe on "
        f"the same data (hand-labelled questions twice too) reached EM {peer['exact_match']:.2f} / F1 "
        f"{peer['f1']:.2f} (seed 42); over seeds 42-43, each paired with the peer in one process, a single run of "
        f"this recipe is {abs(gap):.2f} F1 {'ahead of' if gap >= 0 else 'behind'} the peer (per seed "
        + ", ".join(f"{g:+.2f}" for g in gaps)
        + "; `benchmarks/RESULTS.md`).\n\n"
        "The weights are stored in float16 (45 MB) and load as float32 (`config.dtype`). To train them again "
        "(one GPU, a checkout of bert-qa-reasoning): `python benchmarks/train_compare.py --squad dev-v1.1.json "
        "--backbone <all-MiniLM-L6-v2> --reasoning-data src/bert_qa_reasoning/data/reasoning_questions.jsonl "
        f"--skip-retrieval --shared-init 42 --soup --runs {RECIPE}:42,43,44,45 --save-model {RECIPE}:soup`."
    )
    text = text.replace("\n\n## Training", reasoning + "\n\n## Training", 1)
    text = text.replace(
        "The base model keeps its own licence.",
        "all-MiniLM-L6-v2 (sentence-transformers) is Apache-2.0; these fine-tuned weights are released under "
        "Apache-2.0, with the CC BY-SA 4.0 attribution of the data they were trained on.",
    )
    targets = (
        os.path.join(MODEL_DIR, "README.md"),
        os.path.join(ROOT, "reference_model", "README.md"),
        os.path.join(ROOT, "model_card.md"),
    )
    for path in targets:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
