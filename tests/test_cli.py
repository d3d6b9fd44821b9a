import os

import pytest

from bert_qa_reasoning.cli import _pick_demo_questions, main


def test_pick_demo_questions_one_per_type():
    rows = [
        {"question": "What is the main idea of x, page 1?", "reasoning_label": "factual"},
        {"question": "What is iron?", "reasoning_label": "factual"},
        {"question": "Why did it flood?", "reasoning_label": "causal"},
        {"question": "What is larger than Lyon?", "reasoning_label": "comparative"},
    ]
    assert _pick_demo_questions(rows) == ["What is iron?", "Why did it flood?", "What is larger than Lyon?"]


@pytest.mark.slow
def test_demo_end_to_end_with_a_tiny_step_budget(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--output-dir", str(out), "--max-steps", "2", "--max-length", "128"]) == 0
    text = capsys.readouterr().out
    assert text.count("  Q: ") == 3 and "reasoning:" in text and "page" in text
    for name in ("model/config.json", "model/README.md", "index/index_config.json", "answer_highlight.png"):
        assert os.path.exists(out / name), name


def test_bad_pdf_is_a_clear_cli_error(tmp_path, capsys):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"oops")
    assert main(["demo", "--pdf", str(bad), "--output-dir", str(tmp_path / "o")]) == 2
    assert "bad.pdf" in capsys.readouterr().err
