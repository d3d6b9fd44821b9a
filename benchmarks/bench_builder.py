"""Builder throughput: pages/s of PDF -> passages on the text PDFs of the shared corpus (CPU).

python benchmarks/bench_builder.py ../shared/data/pdfs
"""

import json
import os
import sys
import time

from bert_qa_reasoning.pdf_text import extract_pdf_pages, make_passages


def main(folder: str) -> None:
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        files = [e["file"] for e in json.load(f)["files"] if e["expected"] == "text"]
    pages = passages = 0
    start = time.perf_counter()
    for name in files:
        doc = extract_pdf_pages(os.path.join(folder, name), allow_damaged=True)
        pages += len(doc.pages)
        passages += sum(1 for _ in make_passages(doc.pages))
    elapsed = time.perf_counter() - start
    print(
        f"{len(files)} text PDFs, {pages} pages, {passages} passages in {elapsed:.2f} s: {pages / elapsed:.0f} pages/s"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/pdfs")
