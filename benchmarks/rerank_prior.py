"""Which prior the re-ranked passages give their answers (the choice behind the pipeline's use of `rerank_score`),
on our development sets: the PDF development set and a 400-question sample of SQuAD `validation` over its pool.
CPU, the shipped reference model, the default hybrid retriever; one forward pass per question serves every variant.

Variants: A, the passages' retrieval scores (as without re-ranking); B, no prior (the reader alone); C, the re-rank
score divided by `RERANK_RETRIEVAL_WEIGHT` (standardised-retrieval units); each at `retrieval_temperature` 0.2 / 0.5
/ 1. Printed for `rerank_depth` 0 and 10.

    python benchmarks/rerank_prior.py --squad dev-v1.1.json [--pdfs ../shared/data/pdfs]
"""

import argparse
import json
import os
import random

from common import SRC  # noqa: F401  (puts src/ on the path)
from transformers import pipeline

import bert_qa_reasoning
from bert_qa_reasoning import load_pdf_qa
from bert_qa_reasoning.metrics import exact_match_score, f1_score
from bert_qa_reasoning.squad import load_squad_split

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--squad", required=True)
parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
args = parser.parse_args()
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")
qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())
orig = qa._postprocess  # answers and their margins: what the pipeline calls
VARIANTS = {
    "A retrieval T0.2": ("score", 0.2),
    "B none": ("score", 1e9),
    "C rerank/4 T0.2": ("rr", 0.2),
    "C rerank/4 T0.5": ("rr", 0.5),
    "C rerank/4 T1": ("rr", 1.0),
    "A retrieval T0.5": ("score", 0.5),
}


def run(questions, golds, depth, pages=None, **call):
    per = {k: {} for k in VARIANTS}  # keyed by question: questions are answered as their windows come back

    def post(mo, opt):
        for k, (field, t) in VARIANTS.items():
            hits = mo["hits"]
            if field == "rr" and hits and "rerank_score" in hits[0]:
                hits = [{**h, "score": h["rerank_score"] / 4} for h in hits]
            a, _ = orig({**mo, "hits": hits}, {**opt, "retrieval_temperature": t})
            per[k][mo["question"]] = a[0] if a else {"answer": "", "page": None, "source": None}
        return orig(mo, opt)

    qa._postprocess = post
    try:
        qa(question=questions, top_k=1, batch_size=64, rerank_depth=depth, **call)
    finally:
        del qa._postprocess
    for k, by_question in per.items():
        ans = [by_question[q] for q in questions]
        f1 = 100 * sum(max(f1_score(a["answer"], g) for g in gs) for a, gs in zip(ans, golds)) / len(ans)
        em = (
            100
            * sum(max(exact_match_score(a["answer"], g) for g in gs) for a, gs in zip(ans, golds))
            / len(ans)
        )
        extra = ""
        if pages:
            extra = " page %.1f" % (
                100
                * sum(a.get("source") == f and a.get("page") == p for a, (f, p) in zip(ans, pages))
                / len(ans)
            )
        print(f"  depth {depth} {k}: EM {em:.1f} F1 {f1:.1f}{extra}", flush=True)


with open(DATA, encoding="utf-8") as f:
    rows = [json.loads(line) for line in f if line.strip()]
files = sorted({r["file"] for r in rows})
qa.build_index(load_pdf_qa([os.path.join(args.pdfs, f) for f in files], name="passages"))
print("PDF dev")
for d in (0, 10):
    run(
        [r["question"] for r in rows],
        [[r["answer"]] for r in rows],
        d,
        pages=[(r["file"], r["page"]) for r in rows],
    )
sq = load_squad_split(args.squad, "validation")
paragraphs = list(dict.fromkeys(r["context"] for r in sq))
qa.build_index([{"text": p} for p in paragraphs])
sub = random.Random(1).sample(sq, 400)
print("SQuAD validation 400")
for d in (0, 10):
    run([r["question"] for r in sub], [r["answers"]["text"] for r in sub], d)
