import os

import pytest

from bert_qa_reasoning.cli import main
from bert_qa_reasoning.demo import pick_demo_questions


def test_pick_demo_questions_one_per_type():
    rows = [
        {"question": "What is the main idea of x, page 1?", "reasoning_label": "factual"},
        {"question": "What is iron?", "reasoning_label": "factual"},
        {"question": "Why did it flood?", "reasoning_label": "causal"},
        {"question": "What is larger than Lyon?", "reasoning_label": "comparative"},
    ]
    assert pick_demo_questions(rows) == ["What is iron?", "Why did it flood?", "What is larger than Lyon?"]


@pytest.mark.slow
def test_demo_end_to_end_with_a_tiny_step_budget(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--output-dir", str(out), "--max-steps", "2", "--max-length", "128"]) == 0
    text = capsys.readouterr().out
    assert text.count("  Q: ") == 3 and "reasoning:" in text and "page" in text
    for name in ("model/config.json", "model/README.md", "index/index_config.json", "answer_highlight.png"):
        assert os.path.exists(out / name), name
    # the demo's model and index work with `ask`: the index names its retriever model and its PDF
    png = str(out / "ask.png")
    ask = ["ask", "Who won Super Bowl 50?", "--model", str(out / "model"), "--index", str(out / "index")]
    assert main([*ask, "--highlight", png]) == 0
    assert "highlighted page:" in capsys.readouterr().out and os.path.exists(png)


def test_bad_pdf_is_a_clear_cli_error(tmp_path, capsys):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"oops")
    assert main(["demo", "--pdf", str(bad), "--output-dir", str(tmp_path / "o")]) == 2
    assert "bad.pdf" in capsys.readouterr().err


PAGES = [
    "The harbour of Kestrel Bay was dredged in 1911. Fishing boats moor along the north quay.",
    "The lighthouse on Gannet Point was designed by Ada Morrow. Its lamp burns whale oil no longer.",
]


@pytest.fixture(scope="module")
def saved_model(minilm_dir, tmp_path_factory):
    from transformers import AutoTokenizer

    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning
    from bert_qa_reasoning.recipe import save_model_for_hub

    out = str(tmp_path_factory.mktemp("cli") / "model")
    model = BertForQuestionAnsweringWithReasoning.from_pretrained(minilm_dir)
    save_model_for_hub(model, AutoTokenizer.from_pretrained(minilm_dir), out)
    return out


@pytest.mark.slow
def test_index_then_ask_prints_answer_source_page_and_highlights(saved_model, minilm_dir, tmp_path, capsys):
    import pymupdf

    pdf = str(tmp_path / "coast.pdf")
    doc = pymupdf.open()
    for text in PAGES:
        doc.new_page().insert_textbox(pymupdf.Rect(72, 72, 540, 400), text, fontsize=11)
    doc.save(pdf)
    index_dir = str(tmp_path / "index")
    index_args = ["index", pdf, "--model", saved_model, "-o", index_dir, "--sentences", "1"]
    assert main([*index_args, "--retriever-model", minilm_dir]) == 0
    assert "indexed 4 passages from 1 PDF(s)" in capsys.readouterr().out
    png = str(tmp_path / "answer.png")
    question = "Who designed the lighthouse on Gannet Point?"
    args = [
        "ask",
        question,
        "--model",
        saved_model,
        "--index",
        index_dir,
        "--retriever",
        "bm25",
        "--top-k",
        "2",
    ]
    assert main([*args, "--highlight", png]) == 0
    out = capsys.readouterr().out
    assert f"Q: {question}" in out and "reasoning:" in out
    assert "source: coast.pdf, page 2" in out  # retrieval finds the lighthouse sentence on page 2
    answer = out.split("A: ", 1)[1].split("  (score")[0].strip("'\"")
    assert answer and answer in PAGES[1]  # a span of the retrieved passage
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_ask_with_a_missing_index_is_a_clear_error(saved_model, tmp_path, capsys):
    missing = str(tmp_path / "no-index")
    assert main(["ask", "Why?", "--model", saved_model, "--index", missing]) == 2
    assert "no-index" in capsys.readouterr().err
