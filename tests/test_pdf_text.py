"""Page layout cleaning in `pdf_text`: furniture repeated anywhere, image placeholders, sentences cut by column and
page breaks, short pages. The layouts are generated here, like a two-column report a user would index."""

import pymupdf
import pytest

from bert_qa_reasoning.pdf_text import (
    continues,
    drop_marks,
    extract_pdf_pages,
    make_passages,
    superscript_marks,
)

STAMP = "jdoe on PRODHOST42 with REPORTS"


def _two_column_report(path):
    """Three pages: a header and footer band, a rotated margin stamp and a boxed notice on every page, two columns
    with a sentence running from the left column into the right, an image placeholder, and a sentence cut by the
    page break between pages 1 and 2."""
    doc = pymupdf.open()
    for i in range(3):
        page = doc.new_page()  # 595 x 842
        page.insert_text((72, 40), "Regional Water Report 2026", fontsize=9)
        page.insert_text((300, 815), f"Page {i + 1}", fontsize=9)
        page.insert_text((30, 600), STAMP, fontsize=7, rotate=90)
        page.draw_rect(pymupdf.Rect(320, 80, 540, 130), color=(0, 0, 0))
        page.insert_textbox(
            pymupdf.Rect(325, 85, 535, 125), "DO NOT SEND THIS PAGE WITH YOUR CLAIM", fontsize=9
        )
        town = ("Millbrook", "Ashford", "Kelso")[i]
        left = (
            f"In {town} the river rose sharply in the spring of that year. The flood came because the "
            "old dam upstream was"
        )
        right = (
            "opened without warning to the towns below. EP06AU20.012</GPH> Engineers later reviewed the "
            "gates. "
        )
        if i == 0:
            right += "The council decided at its last meeting to"
        if i == 1:
            left = "postpone the vote until spring. " + left
        page.insert_textbox(pymupdf.Rect(72, 160, 290, 400), left, fontsize=11)
        page.insert_textbox(pymupdf.Rect(320, 160, 540, 400), right, fontsize=11)
    doc.save(path)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("layout") / "report.pdf")
    _two_column_report(path)
    return extract_pdf_pages(path)


def test_furniture_repeated_anywhere_is_dropped(report):
    for page in report.pages:
        assert STAMP not in page.text  # rotated, in the side margin: outside the header and footer band
        assert "DO NOT SEND" not in page.text  # a boxed notice in the body area
        assert "Regional Water Report" not in page.text and "Page " not in page.text
        assert "the river rose sharply" in page.text  # the body stays


def test_content_a_document_repeats_at_other_places_is_kept(tmp_path):
    """A form's address list: after each state the same short "send it here by courier" note, on every page but
    at another height each time. Repeated content, not furniture."""
    note = "By courier (UPS, FedEx), where a PO Box cannot be used, send it to 2020 Technology Parkway."
    doc = pymupdf.open()
    for i in range(4):
        page = doc.new_page()
        page.insert_text(
            (72, 60), "DO NOT SEND THIS PAGE WITH YOUR CLAIM", fontsize=9
        )  # furniture: one place
        y = 120 + 150 * i  # the note moves down the list from page to page
        page.insert_textbox(
            pymupdf.Rect(72, y - 40, 520, y - 5), f"State {i}: P.O. Box {100 + i}.", fontsize=10
        )
        page.insert_textbox(pymupdf.Rect(72, y, 520, y + 40), note, fontsize=10)
    path = str(tmp_path / "form.pdf")
    doc.save(path)
    for page in extract_pdf_pages(path).pages:
        assert "2020 Technology Parkway" in page.text and "DO NOT SEND" not in page.text


def test_image_placeholders_are_dropped(report):
    assert all("GPH" not in page.text and "EP06AU20" not in page.text for page in report.pages)
    assert "towns below. Engineers later reviewed the gates." in report.pages[0].text


def test_a_sentence_cut_by_a_column_break_is_joined(report):
    text = report.pages[0].text
    assert "because the old dam upstream was opened without warning to the towns below." in text
    passages = list(make_passages(report.pages, sentences_per_passage=1))
    assert any(
        p.text.startswith("The flood came because") and p.text.endswith("towns below.") for p in passages
    )


def test_a_sentence_cut_by_a_page_break_runs_on_and_records_both_pages(report):
    passages = list(make_passages(report.pages))
    over = [p for p in passages if len(p.pages) == 2]
    assert len(over) == 1 and over[0].pages == (1, 2) and over[0].page == 1
    assert over[0].text.endswith("decided at its last meeting to\fpostpone the vote until spring.")
    # page 2's own passages start after the borrowed part, so nothing is read twice
    page_two = [p for p in passages if p.page == 2]
    assert page_two and not page_two[0].text.startswith("postpone")
    assert sum(p.text.count("postpone the vote") for p in passages) == 1


def test_the_passages_dataset_records_both_pages(report, tmp_path):
    from bert_qa_reasoning import load_pdf_qa

    rows = load_pdf_qa(report.path, name="passages", cache_dir=str(tmp_path / "cache"))
    over = [r for r in rows if len(r["pages"]) == 2]
    assert len(over) == 1 and over[0]["pages"] == [1, 2] and over[0]["page"] == 1 and "\f" in over[0]["text"]
    assert all(r["pages"] == [r["page"]] for r in rows if r is not over[0] and "\f" not in r["text"])


def test_a_short_page_of_real_text_is_a_passage(tmp_path):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Issue 6010", fontsize=11)
    path = str(tmp_path / "short.pdf")
    doc.save(path)
    passages = list(make_passages(extract_pdf_pages(path).pages))
    assert [p.text for p in passages] == ["Issue 6010"]


def _raised(page, x, y, before, mark, after, size=11):
    """Writes `before`, then `mark` small and raised (MuPDF reads it as a superscript), then `after`; returns x."""
    page.insert_text((x, y), before, fontsize=size)
    x += pymupdf.get_text_length(before, fontsize=size)
    page.insert_text((x, y - 4), mark, fontsize=6)
    x += pymupdf.get_text_length(mark, fontsize=6)
    page.insert_text((x, y), after, fontsize=size)
    return x + pymupdf.get_text_length(after, fontsize=size)


def test_superscript_citation_marks_are_dropped_and_exponents_kept(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page()
    _raised(page, 72, 100, "Two-qubit gates were shown with trapped ions", "11,12", ". Later work")
    _raised(page, 72, 130, "followed in planar crystals", "5-7", ", where the energy grows")
    _raised(page, 320, 220, "and E grows as x", "2", " for large x.")
    _raised(page, 72, 160, "in the limit of large ions, E = cos", "2", " of the angle plus y")
    _raised(page, 72, 190, "the Federal Register notes sensor ", "4", " data for each flight.")
    page.insert_htmlbox(
        pymupdf.Rect(72, 230, 520, 300), "<p>Gates were realized experimentally<sup>13–15</sup> in 2D.</p>"
    )
    path = str(tmp_path / "marks.pdf")
    doc.save(path)
    text = extract_pdf_pages(path).pages[0].text
    words = text.split()
    # citation marks after a word leave it clean; a footnote mark after a word and a space goes too
    assert "ions." in words and "crystals," in words and "experimentally" in words and "11,12." not in text
    assert "sensor data" in text and "13–15" not in text and "5-7" not in text
    # an exponent after a variable or a function name stays
    assert "x2 for large x." in text and "cos2" in text


def test_superscript_marks_reads_spans():
    def span(text, sup=False):
        return {"text": text, "flags": 1 if sup else 0}

    page = {
        "blocks": [
            {"type": 1, "number": 0},  # an image block
            {
                "type": 0,
                "number": 1,
                "lines": [
                    {"spans": [span("modern physics"), span("1,2", True), span(". Towards a goal")]},
                    {
                        "spans": [
                            span("a sequence "),
                            span("1", True),
                            span("/n tends to 0, and x"),
                            span("2", True),
                        ]
                    },
                ],
            },
        ]
    }
    marks = superscript_marks(page)
    assert marks == {1: [("dern physics", "1,2")]}
    assert drop_marks("modern physics1,2. Towards a goal\n", marks[1]) == "modern physics. Towards a goal\n"
    assert drop_marks("text that moved", marks[1]) == "text that moved"  # not found: left alone


def test_short_fragments_beside_real_passages_are_still_dropped(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(
        pymupdf.Rect(72, 72, 540, 300), "A full sentence about the harbour. " * 6, fontsize=11
    )
    page.insert_text((72, 400), "Fig. 2", fontsize=11)
    path = str(tmp_path / "fragment.pdf")
    doc.save(path)
    texts = [p.text for p in make_passages(extract_pdf_pages(path).pages)]
    assert texts and all(len(t) >= 20 for t in texts)


@pytest.mark.parametrize(
    "previous, following, expected",
    [
        ("The flood came because the old dam was", "opened without warning.", True),
        ("The flood came.", "then it rained", False),  # the sentence had ended
        ("Results", "Table 2 shows", False),  # a heading, then a capitalised start
        ("see the figure (left)", "and the table", False),
    ],
)
def test_continues(previous, following, expected):
    assert continues(previous, following) is expected


def _table_pdf(path):
    doc = pymupdf.open()
    page = doc.new_page(width=700, height=500)
    page.insert_text((72, 50), "Permits issued by county, 2025", fontsize=12)
    page.insert_text((250, 90), "Residents", fontsize=9)
    page.insert_text((420, 90), "Visitors", fontsize=9)
    for x, name in (
        (72, "County"),
        (220, "Fishing"),
        (300, "Hunting"),
        (390, "Fishing"),
        (470, "Hunting"),
        (560, "Totals"),
    ):
        page.insert_text((x, 105), name, fontsize=9)
    rows = [
        ("Ash Valley", "1,204", "310", "88", "12", "1,614"),
        ("Brook", "96", "45", "0", "3", "144"),
        ("Cedar Falls", "12,530", "2,001", "1,440", "205", "16,176"),
        ("Dunmore", "7", "0", "0", "0", "7"),
    ]
    for i, (county, *cells) in enumerate(rows):
        y = 125 + 16 * i
        page.insert_text((72, y), county, fontsize=9)
        for right, value in zip((260, 340, 430, 510, 600), cells):  # numbers set flush right
            page.insert_text((right - pymupdf.get_text_length(value, fontsize=9), y), value, fontsize=9)
    page.insert_text(
        (72, 220), "Figures are provisional and may change when late returns arrive.", fontsize=9
    )
    doc.save(path)


def test_table_rows_name_their_columns(tmp_path):
    path = str(tmp_path / "table.pdf")
    _table_pdf(path)
    page = extract_pdf_pages(path).pages[0]
    passages = list(make_passages([page]))
    rows = [p.text for p in passages if "#p1-row" in p.id]
    assert rows[2] == (
        "County: Cedar Falls; Residents Fishing: 12,530; Residents Hunting: 2,001; Visitors Fishing: 1,440; "
        "Visitors Hunting: 205; Totals: 16,176."
    )
    assert len(rows) == 4
    # the numbers are set flush right, "1,204" over "96" over "7": every row names the same columns
    columns = {tuple(cell.split(": ")[0] for cell in row.split("; ")[1:]) for row in rows}
    assert columns == {
        ("Residents Fishing", "Residents Hunting", "Visitors Fishing", "Visitors Hunting", "Totals")
    }
    body = " ".join(p.text for p in passages if "-row" not in p.id)
    assert "Figures are provisional" in body and "12,530" not in body  # the cells left the body
    assert all(page.text[p.start : p.end] == p.text for p in passages)


def test_tables_can_be_left_as_text(tmp_path):
    path = str(tmp_path / "table.pdf")
    _table_pdf(path)
    page = extract_pdf_pages(path, tables=False).pages[0]
    assert page.table_start is None and "12,530" in page.text


def _report_with_sidebars(path):
    """One page: a wide body, a shaded "Key facts" panel inside it, and a journal-style margin column at the left."""
    doc = pymupdf.open()
    page = doc.new_page()  # 595 x 842
    body = (
        "The reservoir supplies the valley with drinking water throughout the year. It was enlarged after the "
        "drought of 1976, when the old intake ran dry. "
    )
    page.insert_textbox(pymupdf.Rect(150, 80, 540, 200), body * 2, fontsize=11)
    page.draw_rect(pymupdf.Rect(150, 220, 540, 300), color=(0, 0, 0), fill=(0.9, 0.9, 0.9))
    page.insert_textbox(
        pymupdf.Rect(156, 226, 534, 294),
        "Key facts. The dam is 42 metres high. Its lake holds 40 million cubic metres.",
        fontsize=10,
    )
    page.insert_textbox(pymupdf.Rect(150, 320, 540, 440), body.replace("valley", "town") * 2, fontsize=11)
    page.insert_textbox(pymupdf.Rect(30, 90, 125, 130), "Received 3 November 2014", fontsize=8)
    page.insert_textbox(pymupdf.Rect(30, 140, 125, 180), "Published 25 February 2015", fontsize=8)
    doc.save(path)


def test_sidebars_are_kept_apart_from_body_text(tmp_path):
    path = str(tmp_path / "sidebars.pdf")
    _report_with_sidebars(path)
    (page,) = extract_pdf_pages(path).pages
    body, aside = page.text[: page.sidebar_start], page.text[page.sidebar_start :]
    assert "Key facts" not in body and "Received" not in body and "Published" not in body
    assert "supplies the valley" in body and "supplies the town" in body  # the body reads on around the panel
    assert "Its lake holds 40 million cubic metres." in aside and "Received 3 November 2014" in aside
    passages = list(make_passages([page]))
    for p in passages:  # no passage mixes a sidebar with body sentences
        assert not ("reservoir" in p.text and ("Key facts" in p.text or "Received" in p.text)), p.text
        assert p.text == page.text[p.start : p.end]
    assert any("-side" in p.id and "40 million cubic metres" in p.text for p in passages)


def test_a_page_without_sidebars_has_none(report):
    assert all(page.sidebar_start is None for page in report.pages)  # its two columns are both body


def test_row_labels_beside_their_rows_are_not_sidebars(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(
        pymupdf.Rect(150, 40, 540, 80),
        "Mail your claim form and the itemized bill to the office of your state:",
        fontsize=11,
    )
    for n, (state, office) in enumerate(
        (("Alaska", "Noridian JD, P.O. Box 6703, Fargo"), ("Arkansas", "Novitas, P.O. Box 3098"))
    ):
        y = 100 + 60 * n
        page.insert_textbox(pymupdf.Rect(40, y, 125, y + 40), state, fontsize=10)
        page.insert_textbox(
            pymupdf.Rect(150, y, 540, y + 40), office + " handles every claim of this state.", fontsize=10
        )
    path = str(tmp_path / "form.pdf")
    doc.save(path)
    (page,) = extract_pdf_pages(path).pages
    assert page.sidebar_start is None and "Alaska" in page.text
