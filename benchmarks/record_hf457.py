"""Records what transformers 4.57's own `question-answering` pipeline answers, for the drop-in's differential test.

Two steps, two environments (the same torch):

    # 1. in this project's environment: the checkpoint both sides read (plain BertForQuestionAnswering weights)
    python benchmarks/record_hf457.py export --out /tmp/hf457-model
    # 2. with transformers 4.57.3, huggingface-hub 0.36.0 and tokenizers 0.22.1 on the path
    #    (pip install --no-deps --target /tmp/hf457/site transformers==4.57.3 huggingface-hub==0.36.0 tokenizers==0.22.1)
    PYTHONPATH=/tmp/hf457/site python benchmarks/record_hf457.py record --model /tmp/hf457-model \
        --squad ../shared/data/squad-v1.1/dev-v1.1.json --out tests/fixtures/hf457_answers.json

The checkpoint is the shipped reference reader with its reasoning head and pooler dropped, so it is a trained
extractive-QA model that 4.57 loads as `BertForQuestionAnswering`. The cases: 200 questions of our SQuAD `test`
split with their paragraph, top_k 5 on 20 of them, long contexts read with a stride, impossible questions with
`handle_impossible_answer`, and unicode / CJK text with and without `align_to_words`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

FILLER = (
    "The committee met again in the spring to review the budget of the regional library network. Minutes of the "
    "meeting were circulated to members by post, and a short summary appeared in the quarterly newsletter. "
)
UNICODE_CASES = [
    (
        "Who founded the café in Zürich?",
        "The café Grüner Löwe in Zürich was founded by Anaïs Müller in 1932.",
    ),
    (
        "What does the word naïve mean here?",
        "In this essay “naïve” means untrained — not foolish — as Dvořák used it.",
    ),
    ("小学校で何を使いましたか?", "彼は小学校の国語の教科書を使って日本語を勉強しました。"),
    ("北京大学は何年に設立されましたか?", "北京大学は1898年に設立された中国の大学です。"),
    ("Кто написал роман?", "Роман «Война и мир» написал Лев Толстой в 1869 году."),
]
IMPOSSIBLE = [
    ("Who won the chess tournament?", "The river flooded the valley after three days of heavy rain."),
    ("What is the capital of Peru?", "Photosynthesis converts light energy into chemical energy in plants."),
    ("When did the bridge open?", "Marie Curie won two Nobel prizes, in physics and in chemistry."),
]


def cases(squad_path: str) -> list[dict]:
    """The fixed inputs: each a dict of pipeline keyword arguments."""
    with open(squad_path, encoding="utf-8") as f:
        articles = json.load(f)["data"][40:48]  # our test split
    rows = [
        (qa["id"], qa["question"], p["context"], [a["text"] for a in qa["answers"]])
        for a in articles
        for p in a["paragraphs"]
        for qa in p["qas"]
    ]
    out = []
    for i, (qid, question, context, _gold) in enumerate(rows[::8][:200]):
        case = {"id": qid, "kind": "squad", "question": question, "context": context}
        if i % 10 == 0:
            case.update(kind="squad top_k 5", top_k=5)
        out.append(case)
    for i, (qid, question, context, _gold) in enumerate(rows[3::40][:24]):
        long = FILLER * 6 + context + " " + FILLER * 6
        out.append(
            {
                "id": f"long-{qid}",
                "kind": "long context",
                "question": question,
                "context": long,
                "max_seq_len": 192,
                "doc_stride": 64,
                "handle_impossible_answer": i % 2 == 0,
            }
        )
    for i, (question, context) in enumerate(UNICODE_CASES):
        for align in (True, False):
            out.append(
                {
                    "id": f"unicode-{i}-{align}",
                    "kind": "unicode",
                    "question": question,
                    "context": context,
                    "align_to_words": align,
                }
            )
    for i, (question, context) in enumerate(IMPOSSIBLE):
        out.append(
            {
                "id": f"impossible-{i}",
                "kind": "impossible",
                "question": question,
                "context": context,
                "handle_impossible_answer": True,
                "top_k": 2,
            }
        )
    return out


def export(out_dir: str) -> None:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering

    import bert_qa_reasoning

    source = bert_qa_reasoning.reference_model_path()
    ours = bert_qa_reasoning.BertForQuestionAnsweringWithReasoning.from_pretrained(
        source, dtype=torch.float32
    )
    keys = set(BertConfig().to_dict())
    config = BertConfig(**{k: v for k, v in ours.config.to_dict().items() if k in keys and k != "model_type"})
    plain = BertForQuestionAnswering(config)
    missing, unexpected = plain.load_state_dict(ours.state_dict(), strict=False)
    assert not missing, missing
    plain.save_pretrained(out_dir)
    AutoTokenizer.from_pretrained(source).save_pretrained(out_dir)
    print(f"exported {source} -> {out_dir} ({len(unexpected)} keys of the reasoning head and pooler dropped)")


def record(model_dir: str, squad_path: str, out_path: str) -> None:
    import transformers
    from transformers import pipeline

    assert transformers.__version__.startswith("4.57"), transformers.__version__
    qa = pipeline("question-answering", model=model_dir, device=-1)
    results = []
    for case in cases(squad_path):
        kwargs = {k: v for k, v in case.items() if k not in ("id", "kind")}
        results.append({**case, "output": qa(**kwargs)})
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {"transformers": transformers.__version__, "cases": results}, f, ensure_ascii=False, indent=0
        )
    print(f"recorded {len(results)} cases with transformers {transformers.__version__} -> {out_path}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="step", required=True)
    e = sub.add_parser("export")
    e.add_argument("--out", required=True)
    r = sub.add_parser("record")
    r.add_argument("--model", required=True)
    r.add_argument("--squad", required=True)
    r.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.step == "export":
        export(args.out)
    else:
        record(args.model, args.squad, args.out)


if __name__ == "__main__":
    main()
