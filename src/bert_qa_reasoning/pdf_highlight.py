"""Renders a PDF page as a PNG with an answer highlighted on it (what `ask --highlight` and the demo show)."""

from __future__ import annotations

import os


def highlight_answer(
    pdf_path: str, page_number: int, answer: str, out_png: str, password: str | None = None
) -> str:
    """Renders `page_number` (1-based) of a PDF with every occurrence of `answer` highlighted, as a PNG.

    Args:
        pdf_path (`str`): the PDF.
        page_number (`int`): 1-based page, as answers report it.
        answer (`str`): the text to highlight; long answers that wrap differently fall back to their first words.
        out_png (`str`): where the PNG goes (written to a temporary file first, then moved in place).
        password (`str`, *optional*): the user password of an encrypted PDF.

    Returns:
        `str`: `out_png`.
    """
    import pymupdf

    doc = pymupdf.open(pdf_path)
    try:
        if doc.needs_pass and not doc.authenticate(password or ""):
            raise ValueError(f"{pdf_path}: encrypted; pass the password.")
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


__all__ = ["highlight_answer"]
