"""How many sentences a PDF passage should hold: `make_passages(pages, sentences_per_passage, overlap)` swept on two
development sets, end to end through the pipeline (reference reader, default retrieval, CPU).

    python benchmarks/passage_size_sweep.py --pdfs ../shared/data/pdfs --squad dev-v1.1.json [--configs 5/0 4/1 ...]

- the PDF development set (`benchmarks/data/pdf_qa_dev.jsonl`, 72 questions over five PDFs): top answer EM / F1 and
  right file and page;
- SQuAD `validation` re-chunked: the 8 validation articles, each one page of its paragraphs, cut into passages the
  same way, and 400 of their questions (seed 0) asked over that pool: EM / F1 against any gold answer.

Each config is `SENTENCES/OVERLAP`, with a trailing `+tail` to merge a page's last passage into the one before it when
it holds fewer than half the sentences. The test split is not read.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random

from common import SRC  # noqa: F401  (puts src/ on the path)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "pdf_qa_dev.jsonl")
CONFIGS = ["5/0", "5/0+tail", "3/0", "4/0", "6/0", "8/0", "4/1", "5/1"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pdfs", default=os.path.join("..", "shared", "data", "pdfs"))
    parser.add_argument("--squad", required=True, help="the SQuAD v1.1 dev file (our splits are cut from it)")
    parser.add_argument("--configs", nargs="+", default=CONFIGS)
    parser.add_argument("--questions", type=int, default=400, help="SQuAD validation questions asked")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    from transformers import pipeline

    import bert_qa_reasoning
    from bert_qa_reasoning import pdf_text
    from bert_qa_reasoning.metrics import exact_match_score, f1_score
    from bert_qa_reasoning.pdf_text import PdfPage, extract_pdf_pages, make_passages
    from bert_qa_reasoning.squad import load_squad_split

    plain_groups = pdf_text._groups

    def tail_groups(spans, size, overlap):
        groups = plain_groups(spans, size, overlap)
        if len(groups) >= 2 and len(groups[-1]) < (size + 1) // 2:
            last = groups.pop()
            groups[-1] = groups[-1] + [s for s in last if s not in groups[-1]]
        return groups

    with open(DATA, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    files = sorted({r["file"] for r in rows})
    docs = [extract_pdf_pages(os.path.join(args.pdfs, name)) for name in files]
    validation = load_squad_split(args.squad, "validation")
    articles: dict[str, dict[str, None]] = {}
    for example in validation:
        articles.setdefault(example["title"], {}).setdefault(example["context"], None)
    squad_pages = [PdfPage(source=t, number=1, text="\n\n".join(ps)) for t, ps in articles.items()]
    asked = random.Random(0).sample(validation, min(args.questions, len(validation)))
    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())

    print(
        "| sentences / overlap | PDF passages | PDF EM | PDF F1 | right file and page | SQuAD val passages "
        "| SQuAD val EM | SQuAD val F1 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for config in args.configs:
        size, overlap = (int(x) for x in config.removesuffix("+tail").split("/"))
        pdf_text._groups = tail_groups if config.endswith("+tail") else plain_groups
        try:
            pool = [
                {"id": p.id, "source": p.source, "page": p.page, "pages": list(p.pages), "text": p.text}
                for doc in docs
                for p in make_passages(doc.pages, size, overlap)
            ]
            qa.build_index(pool)
            found = qa(question=[r["question"] for r in rows])
            em = sum(exact_match_score(a[0]["answer"], r["answer"]) for r, a in zip(rows, found))
            f1 = sum(f1_score(a[0]["answer"], r["answer"]) for r, a in zip(rows, found))
            page = sum(
                a[0].get("source") == r["file"] and a[0].get("page") == r["page"] for r, a in zip(rows, found)
            )
            squad_pool = [
                {"id": p.id, "source": p.source, "text": p.text}
                for p in make_passages(squad_pages, size, overlap)
            ]
            qa.build_index(squad_pool)
            got = qa(question=[x["question"] for x in asked])
            s_em = sum(
                max(exact_match_score(a[0]["answer"], g) for g in x["answers"]["text"])
                for x, a in zip(asked, got)
            )
            s_f1 = sum(
                max(f1_score(a[0]["answer"], g) for g in x["answers"]["text"]) for x, a in zip(asked, got)
            )
        finally:
            pdf_text._groups = plain_groups
        n, m = len(rows), len(asked)
        print(
            f"| {config} | {len(pool)} | {100 * em / n:.1f} | {100 * f1 / n:.1f} | {100 * page / n:.1f} | "
            f"{len(squad_pool)} | {100 * s_em / m:.1f} | {100 * s_f1 / m:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
