"""Layout cleaning on the 40-file PDF corpus: what each step of `pdf_text` changes in the passages (CPU).

    python benchmarks/layout_eval.py ../shared/data/pdfs [--src OTHER/src]

For every PDF that gives text: passages, passages that end mid-sentence on one page (a column or page break cut
them), passages over a page break, table-row passages, passages holding a text block repeated verbatim on most pages
(stamps and notices should be gone; a block the document repeats at other heights, such as a form's courier address,
is content and stays), image-placeholder tokens left, and words with a citation mark glued on ("gates5–7"). Every
other file gets its error. `--src` measures another checkout's `pdf_text` (e.g. a `git worktree` of an older commit)
for a before/after table.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import sys
import time

END = re.compile(r"[.!?:;\"\u201d\u2019')\]]\s*$")
PLACEHOLDER = re.compile(r"</?[A-Z]{2,6}>")
# a word with a citation mark glued on ("gates5–7", "trapped11,12."): what superscript marks leave when kept
GLUED_MARK = re.compile(r"\b[^\W\d_]{3,}\d{1,3}(?:[–,-]\d{1,3})*(?=[\s.,;:)]|$)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", default=os.path.join("..", "shared", "data", "pdfs"))
    parser.add_argument(
        "--src", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    )
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.src))
    from bert_qa_reasoning import pdf_text

    with open(os.path.join(args.folder, "manifest.json"), encoding="utf-8") as f:
        entries = json.load(f)["files"]
    totals = collections.Counter()
    start = time.perf_counter()
    print(
        "| file | passages | cut mid-sentence | over a page break | table rows | sidebar passages | repeated blocks left "
        "| placeholders left | glued citation marks |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for entry in entries:
        path = os.path.join(args.folder, entry["file"])
        try:
            doc = pdf_text.extract_pdf_pages(path, password=entry.get("password"))
        except pdf_text.PdfError as exc:
            print(f"| {entry['file']} | error: {str(exc)[:110]} | | | | | | | |")
            totals["errors"] += 1
            continue
        passages = list(pdf_text.make_passages(doc.pages))
        pages_of = collections.Counter(
            block for page in doc.pages for block in {b.strip() for b in page.text.split("\n\n") if b.strip()}
        )
        most = max(3, 0.5 * len(doc.pages))
        repeated = (
            {b for b, n in pages_of.items() if n >= most and len(b) <= 200} if len(doc.pages) >= 3 else set()
        )
        row = {
            "passages": len(passages),
            "cut": sum(
                1 for p in passages if len(getattr(p, "pages", (p.page,))) == 1 and not END.search(p.text)
            ),
            "over": sum(1 for p in passages if len(getattr(p, "pages", (p.page,))) > 1),
            "rows": sum(1 for p in passages if "-row" in p.id),
            "sidebars": sum(1 for p in passages if "-side" in p.id),
            "repeated": sum(1 for p in passages if any(b in p.text for b in repeated)),
            "placeholders": sum(len(PLACEHOLDER.findall(p.text)) for p in passages),
            "glued": sum(len(GLUED_MARK.findall(p.text)) for p in passages),
        }
        totals.update(row)
        totals["files"] += 1
        print(f"| {entry['file']} | " + " | ".join(str(v) for v in row.values()) + " |")
    print(
        f"| **{totals['files']} files with text, {totals['errors']} errors** | {totals['passages']} | {totals['cut']} | "
        f"{totals['over']} | {totals['rows']} | {totals['sidebars']} | {totals['repeated']} | {totals['placeholders']} | "
        f"{totals['glued']} |"
    )
    print(f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
