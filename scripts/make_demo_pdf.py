"""Writes the demo PDF shipped in the package from SQuAD v1.1 `train`-split paragraphs (CC BY-SA 4.0).

Run: python scripts/make_demo_pdf.py ../shared/data/squad-v1.1/dev-v1.1.json
Paragraphs are chosen where the question generator finds causal and comparative sentences, so the demo can ask
one question of each reasoning type.
"""

import json
import sys
from pathlib import Path

import pymupdf

from bert_qa_reasoning.pdf_qa import SQUAD_SPLITS
from bert_qa_reasoning.question_generation import generate_questions

OUT = Path(__file__).resolve().parents[1] / "src" / "bert_qa_reasoning" / "data" / "squad_sample.pdf"


def pick(data):
    first, last = SQUAD_SPLITS["train"]
    chosen, wanted = [], {"causal": 4, "comparative": 4, "factual": 4}
    for article in data[first:last]:
        for para in article["paragraphs"]:
            labels = {
                q.reasoning_label
                for q in generate_questions(para["context"], article["title"], 1, ("patterns",))
            }
            for label in ("causal", "comparative", "factual"):
                if label in labels and wanted[label] > 0 and len(para["context"]) < 900:
                    wanted[label] -= 1
                    chosen.append((article["title"].replace("_", " "), para["context"]))
                    break
    return chosen


def main(squad_json: str) -> None:
    with open(squad_json, encoding="utf-8") as f:
        data = json.load(f)["data"]
    paragraphs = pick(data)
    doc = pymupdf.open()
    page, y = None, 0
    for title, text in paragraphs:
        height = 40 + 13 * (len(text) // 85 + 2)
        if page is None or y + height > 780:
            page = doc.new_page(width=595, height=842)
            y = 60
        page.insert_text((60, y), title, fontsize=13, fontname="hebo")
        rect = pymupdf.Rect(60, y + 10, 535, y + height)
        rc = page.insert_textbox(rect, text, fontsize=10, fontname="helv", align=pymupdf.TEXT_ALIGN_LEFT)
        if rc < 0:
            raise RuntimeError(f"paragraph of {title!r} did not fit its box")
        y += height
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(
        pymupdf.Rect(60, 60, 535, 400),
        "About this document. The paragraphs in this file are taken unchanged from the SQuAD v1.1 dataset "
        "(Rajpurkar et al., 2016), whose passages come from English Wikipedia articles. They are licensed under "
        "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/). This PDF was assembled by the "
        "bert-qa-reasoning project for its demo and is shared under the same licence.",
        fontsize=10,
        fontname="helv",
    )
    doc.set_metadata(
        {
            "title": "bert-qa-reasoning demo: SQuAD paragraphs",
            "author": "Wikipedia contributors (via SQuAD v1.1)",
            "subject": "CC BY-SA 4.0",
        }
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc.save(OUT, garbage=4, deflate=True)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {doc.page_count} pages, {len(paragraphs)} paragraphs)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/squad-v1.1/dev-v1.1.json")
