import os

import pymupdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bert_qa_reasoning.pdf_qa import NoUsablePdfError, load_pdf_qa
from bert_qa_reasoning.pdf_text import (
    CorruptPdfError,
    EmptyPdfError,
    EncryptedPdfError,
    NoTextLayerError,
    extract_pdf_pages,
    make_passages,
    split_sentences,
)
from bert_qa_reasoning.question_generation import generate_questions

from .conftest import PDFS, SQUAD

PAGE_TEXTS = [
    "The river flooded because of heavy rain. Dr. Smith measured 3.14 metres of water, e.g. near the U.S. border.",
    "Paris is larger than Lyon. The museum was founded in 1890. Iron is a metal that rusts.",
]


def _write_pdf(path, pages):
    doc = pymupdf.open()
    for text in pages:
        page = doc.new_page()
        page.insert_textbox(pymupdf.Rect(72, 72, 540, 400), text, fontsize=11)
    doc.save(path)
    return path


def test_known_text_pages_offsets_and_passages(tmp_path):
    path = _write_pdf(str(tmp_path / "known.pdf"), PAGE_TEXTS)
    doc = extract_pdf_pages(path)
    assert [p.number for p in doc.pages] == [1, 2]
    assert [p.text for p in doc.pages] == PAGE_TEXTS
    passages = list(make_passages(doc.pages, sentences_per_passage=2))
    assert [(p.page, p.text) for p in passages[:2]] == [
        (1, PAGE_TEXTS[0]),
        (2, "Paris is larger than Lyon. The museum was founded in 1890."),
    ]
    for p in passages:
        assert doc.pages[p.page - 1].text[p.start : p.end] == p.text


def test_sentence_splitter_keeps_abbreviations_and_decimals():
    text = PAGE_TEXTS[0]
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "The river flooded because of heavy rain.",
        "Dr. Smith measured 3.14 metres of water, e.g. near the U.S. border.",
    ]


def test_hyphenation_ligatures_and_repeated_headers(tmp_path):
    doc = pymupdf.open()
    for i in range(4):
        page = doc.new_page()
        page.insert_text((72, 30), "ACME Annual Report", fontsize=9)
        page.insert_text((72, 120), "The commit-", fontsize=11)
        page.insert_text((72, 134), f"tee met on day {i + 1} for the final vote.", fontsize=11)
        page.insert_text((300, 820), f"Page {i + 1}", fontsize=9)
    path = str(tmp_path / "headers.pdf")
    doc.save(path)
    pages = extract_pdf_pages(path).pages
    assert pages[2].text == "The committee met on day 3 for the final vote."
    assert pages[2].number == 3


@pytest.mark.parametrize(
    "name, error",
    [
        ("encrypted-user-password-aes256.pdf", EncryptedPdfError),
        ("corrupt-not-a-pdf.pdf", CorruptPdfError),
        ("corrupt-zero-bytes.pdf", CorruptPdfError),
        ("corrupt-fuzzed-unopenable.pdf", CorruptPdfError),
        ("corrupt-page-tree-cycle.pdf", CorruptPdfError),
        ("truncated-55pct-nist-report.pdf", CorruptPdfError),
        ("truncated-50pct-ca-warn-report.pdf", CorruptPdfError),
        ("zero-pages.pdf", EmptyPdfError),
        ("blank-page-no-content.pdf", EmptyPdfError),
        ("scanned-xerox-jbig2.pdf", NoTextLayerError),
        ("scanned-german-pipe-register-8p.pdf", NoTextLayerError),
    ],
)
def test_bad_pdfs_raise_clear_errors(name, error):
    with pytest.raises(error) as info:
        extract_pdf_pages(os.path.join(PDFS, name))
    assert name in str(info.value)


def test_scanned_message_says_ocr():
    with pytest.raises(NoTextLayerError, match="scanned, no text layer: OCR is not supported"):
        extract_pdf_pages(os.path.join(PDFS, "scanned-chinese-admin-decision-3p.pdf"))


@pytest.mark.parametrize(
    "name, password, expected",
    [
        ("encrypted-user-password-libreoffice.pdf", "openpassword", None),
        ("encrypted-user-password-utf8.pdf", "æøå", None),
        ("encrypted-user-password-realworld-4p.pdf", "test", None),
    ],
)
def test_passwords_open_encrypted_files(name, password, expected):
    doc = extract_pdf_pages(os.path.join(PDFS, name), password=password)
    assert sum(len(p.text) for p in doc.pages) > 5
    with pytest.raises(EncryptedPdfError, match="wrong"):
        extract_pdf_pages(os.path.join(PDFS, name), password="not-it")


@pytest.mark.parametrize(
    "name",
    [
        "encrypted-empty-user-password-aes256.pdf",
        "damaged-null-padded-no-eof.pdf",
        "ligatures-cairo-ff-fi-fl.pdf",
        "rotated-table-nics.pdf",
    ],
)
def test_recoverable_files_give_text(name):
    assert extract_pdf_pages(os.path.join(PDFS, name)).pages


def test_ligatures_expanded():
    text = extract_pdf_pages(os.path.join(PDFS, "ligatures-cairo-ff-fi-fl.pdf")).pages[0].text
    assert "\ufb01" not in text and "fi" in text


def test_multi_file_build_skips_bad_files_and_reports(tmp_path, caplog):
    good = _write_pdf(str(tmp_path / "good.pdf"), PAGE_TEXTS)
    paths = [
        good,
        os.path.join(PDFS, "corrupt-zero-bytes.pdf"),
        os.path.join(PDFS, "scanned-xerox-jbig2.pdf"),
    ]
    ds = load_pdf_qa(paths, name="passages", cache_dir=str(tmp_path / "cache"), sentences_per_passage=2)
    assert set(ds["source"]) == {"good.pdf"} and len(ds) == 3
    assert "Skipped 2 of 3 PDF files" in caplog.text
    # the same build again comes from the cache, and still names the bad files
    caplog.clear()
    again = load_pdf_qa(paths, name="passages", cache_dir=str(tmp_path / "cache"), sentences_per_passage=2)
    assert len(again) == 3
    assert (
        "Skipped 2 of 3 PDF files (cached build)" in caplog.text and "corrupt-zero-bytes.pdf" in caplog.text
    )


def test_all_bad_files_never_give_an_empty_dataset(tmp_path):
    paths = [os.path.join(PDFS, "corrupt-zero-bytes.pdf"), os.path.join(PDFS, "zero-pages.pdf")]
    with pytest.raises(NoUsablePdfError, match="corrupt-zero-bytes.pdf"):
        load_pdf_qa(paths, cache_dir=str(tmp_path))


def test_single_bad_file_raises_its_error(tmp_path):
    with pytest.raises(EncryptedPdfError, match="password"):
        load_pdf_qa(os.path.join(PDFS, "encrypted-user-password-aes256.pdf"), cache_dir=str(tmp_path))


def test_qa_config_spans_and_labels(tmp_path):
    path = _write_pdf(str(tmp_path / "qa.pdf"), PAGE_TEXTS)
    ds = load_pdf_qa(path, name="qa", cache_dir=str(tmp_path / "c"), strategies=["patterns"])
    names = ds.features["reasoning_label"].names
    rows = {r["question"]: (r["answers"]["text"][0], names[r["reasoning_label"]]) for r in ds}
    assert rows["Why did the river flood?"] == ("heavy rain", "causal")
    assert rows["What is larger than Lyon?"] == ("Paris", "comparative")
    assert rows["In what year was the museum founded?"] == ("1890", "factual")
    for r in ds:
        s = r["answers"]["answer_start"][0]
        assert r["context"][s : s + len(r["answers"]["text"][0])] == r["answers"]["text"][0]


def test_squad_config_keeps_every_answer_and_labels(tmp_path):
    ds = load_pdf_qa(SQUAD, name="squad", article_range="test", cache_dir=str(tmp_path))
    assert len(ds) == 1589
    assert max(len(a["text"]) for a in ds["answers"]) >= 3


@pytest.mark.parametrize(
    "sentence, question, answer",
    [
        ("The river flooded because of heavy rain.", "Why did the river flood?", "heavy rain"),
        (
            "Competition amongst workers tends to drive down wages due to the expendable nature of the worker.",
            "Why does competition amongst workers tend to drive down wages?",
            "the expendable nature of the worker",
        ),
        ("The dam was closed because of poor maintenance.", "Why was the dam closed?", "poor maintenance"),
        (
            "The museum was founded in 1890 by a merchant.",
            "In what year was the museum founded by a merchant?",
            "1890",
        ),
        ("In 1932, the bridge opened to traffic.", "In what year did the bridge open to traffic?", "1932"),
        (
            "Hurricane Floyd caused damage mainly to Jacksonville Beach.",
            "What caused damage mainly to Jacksonville Beach?",
            "Hurricane Floyd",
        ),
        (
            "A progressive tax is a tax whose rate rises with income.",
            "What is a progressive tax?",
            "a tax whose rate rises with income",
        ),
    ],
)
def test_pattern_questions_are_grammatical(sentence, question, answer):
    got = {qa.question: qa.answer_text for qa in generate_questions(sentence, "doc.pdf", 1, ("patterns",))}
    assert got.get(question) == answer, got


@pytest.mark.parametrize(
    "sentence",
    [
        "He found the time there frustrating because of the weather.",  # pronoun subject: no context
        "Among the cities that line the coast is a small port.",  # prepositional phrase, not a subject
        "Genghis Khan united the tribes in 1206 and became Great Khan.",  # two predicates
        "His method is described in the Jade Mirror, written in 1303.",  # the year dates a modifier
        "The Red Turban Rebellion started in 1351 but grew into an uprising.",
        "The actual error is smaller since the Coulomb potential is an order of magnitude smaller.",  # x holds a verb
    ],
)
def test_pattern_generator_skips_what_it_cannot_phrase(sentence):
    assert generate_questions(sentence, "doc.pdf", 1, ("patterns",)) == []


def test_elliptic_superlative_gives_no_comparative_question():
    questions = generate_questions("The collection is the largest in the world.", "doc.pdf", 1, ("patterns",))
    assert [qa for qa in questions if qa.reasoning_label == "comparative"] == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "The dam failed because of poor maintenance.",
                "Rome is older than Paris.",
                "Gold is a metal.",
                "The bridge opened in 1932.",
                "Heavy snow led to the closure of the pass.",
                "Nothing happened here today.",
                "Tokyo was the largest city in the world.",
                "It rained.",
            ]
        ),
        min_size=1,
        max_size=8,
    )
)
def test_generated_answers_are_exact_spans(sentences):
    passage = " ".join(sentences)
    for qa in generate_questions(passage, "doc.pdf", 1):
        assert passage[qa.answer_start : qa.answer_start + len(qa.answer_text)] == qa.answer_text
        assert qa.reasoning_label in ("factual", "causal", "comparative")


def test_reasoning_config_loads_the_shipped_labelled_questions(tmp_path):
    from bert_qa_reasoning.reasoning import load_reasoning_questions

    ds = load_pdf_qa(name="reasoning", article_range="validation", cache_dir=str(tmp_path))
    rows = load_reasoning_questions("validation")
    assert len(ds) == len(rows) and ds.features["reasoning_label"].names == [
        "factual",
        "causal",
        "comparative",
    ]
    row = ds[0]
    assert row["context"][row["answers"]["answer_start"][0] :].startswith(row["answers"]["text"][0])
    labelled = [r for r in ds if r["cue_text"] is not None]
    assert labelled and all(r["context"][r["cue_start"] : r["cue_end"]] == r["cue_text"] for r in labelled)
    # SQuAD rows come from the validation articles; the document-style passages have no article
    articles = [a for a in ds["article"] if a is not None]
    assert articles and min(articles) >= 32 and max(articles) <= 39
    assert all(a is not None or i.startswith("bqr-doc") for a, i in zip(ds["article"], ds["id"]))
    with pytest.raises(ValueError, match="no input files"):
        load_pdf_qa(name="squad")
