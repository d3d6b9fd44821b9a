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
def test_demo_end_to_end_answers_with_the_reference_model(tmp_path, capsys):
    from bert_qa_reasoning.demo import SAMPLE_QUESTIONS

    out = tmp_path / "demo"
    assert main(["demo", "--output-dir", str(out), "--max-steps", "2", "--max-length", "128"]) == 0
    text = capsys.readouterr().out
    assert text.count("  Q: ") == len(SAMPLE_QUESTIONS) and "reference model" in text
    blocks = dict(zip(SAMPLE_QUESTIONS, text.split("  Q: ")[1:]))
    assert "'Denver Broncos'" in blocks["Who won Super Bowl 50?"]
    causal = blocks["Why was Polonia relegated from the country's top flight in 2013?"]
    assert "'their disastrous financial situation'" in causal and "reasoning: causal" in causal
    assert "cue: 'because of'" in causal and "page 2" in causal
    comparative = blocks["What is the largest non-Christian religion in Victoria?"]
    assert (
        "'Buddhism'" in comparative
        and "reasoning: comparative" in comparative
        and "cue: 'largest'" in comparative
    )
    for name in (
        "finetuned/config.json",
        "finetuned/README.md",
        "index/index_config.json",
        "answer_highlight.png",
    ):
        assert os.path.exists(out / name), name
    assert not [d for d in os.listdir(out / "finetuned") if d.startswith("checkpoint-")]
    # `ask` with its defaults (the reference model) works on the demo's index, several questions in one load
    png = str(out / "ask.png")
    ask = ["ask", "Who won Super Bowl 50?", "Where was Super Bowl 50 played?", "--index", str(out / "index")]
    assert main([*ask, "--highlight", png]) == 0
    said = capsys.readouterr().out
    assert said.count("  Q: ") == 2 and "highlighted page:" in said and os.path.exists(str(out / "ask-1.png"))
    # --score-threshold drops weak answers: at 1.0 (no answer is that sure) none is left, and `ask` says so
    assert main([*ask[:2], "--index", str(out / "index"), "--score-threshold", "1.0"]) == 0
    assert "(no answer scores 1.0 or more)" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        main([*ask, "--score-threshold", "2"])
    assert (
        exit_info.value.code == 2 and "--score-threshold: must be between 0 and 1" in capsys.readouterr().err
    )
    # --rerank-depth 0 reads the retriever's own top 3 (--length-prior 0: plain span scores); bad values are refused
    assert main([*ask[:2], "--index", str(out / "index"), "--rerank-depth", "0", "--length-prior", "0"]) == 0
    assert capsys.readouterr().out.count("  Q: ") == 1
    with pytest.raises(SystemExit) as exit_info:
        main([*ask, "--rerank-depth", "-1"])
    assert exit_info.value.code == 2 and "--rerank-depth: must be 0" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([*ask, "--length-prior", "-0.5"])
    assert exit_info.value.code == 2 and "--length-prior: must be 0 (off) or more" in capsys.readouterr().err


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
def tiny_model_dir_cli(minilm_dir, tmp_path_factory):
    from transformers import AutoTokenizer

    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning, BertQAReasoningConfig

    path = str(tmp_path_factory.mktemp("tiny"))
    config = BertQAReasoningConfig(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64
    )
    BertForQuestionAnsweringWithReasoning(config).save_pretrained(path)
    AutoTokenizer.from_pretrained(minilm_dir).save_pretrained(path)
    return path


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
    with pytest.raises(SystemExit) as exit_info:
        main(["ask", "Why?", "--model", saved_model, "--index", missing])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--index" in err and "no-index" in err and "bert-qa-reasoning index" in err


def test_errors_speak_the_cli_words(tmp_path, capsys):
    from bert_qa_reasoning.cli import cli_words

    assert "--password" in cli_words(
        "x.pdf: encrypted, a user password is required; pass password=... to open it."
    )
    assert "`bert-qa-reasoning index`" in cli_words(
        "d: not a passage index; build one with PassageIndex.build."
    )
    # a missing training file fails before any model loads, naming the flag and the path
    with pytest.raises(SystemExit):
        main(["train", "--train", str(tmp_path / "nope.json"), "--output-dir", str(tmp_path / "o")])
    assert "--train: no such file:" in capsys.readouterr().err
    # a folder given to `index` holding no PDF is named as such, not as a corrupt PDF
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit):
        main(["index", str(empty), "-o", str(tmp_path / "idx")])
    assert "holds no .pdf files" in capsys.readouterr().err


def test_train_split_on_your_own_file_names_the_fix(tmp_path, capsys, tiny_model_dir_cli):
    import json

    data = {
        "version": "1.1",
        "data": [
            {
                "title": "t",
                "paragraphs": [
                    {
                        "context": "Marie Curie discovered radium.",
                        "qas": [
                            {
                                "id": "a",
                                "question": "Who?",
                                "answers": [{"text": "Marie Curie", "answer_start": 0}],
                            }
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "my.json"
    path.write_text(json.dumps(data))
    args = ["train", "--model", tiny_model_dir_cli, "--train", str(path), "--eval", str(path)]
    code = main(
        [*args, "--eval-split", "validation", "--output-dir", str(tmp_path / "o"), "--max_steps", "1"]
    )
    err = capsys.readouterr().err
    assert (
        code == 2
        and "no questions in articles 32-39" in err
        and "leave out --train-split / --eval-split" in err
    )


def test_train_on_a_datasets_dataset_by_name(tmp_path, capsys, tiny_model_dir_cli):
    import datasets

    rows = [
        {
            "id": f"q{i}",
            "title": "t",
            "context": "Marie Curie discovered radium in 1898 because she studied uranium rays.",
            "question": "Who discovered radium?",
            "answers": {"text": ["Marie Curie"], "answer_start": [0]},
        }
        for i in range(8)
    ]
    folder = tmp_path / "my_squad"
    folder.mkdir()
    datasets.Dataset.from_list(rows).to_parquet(
        str(folder / "train.parquet")
    )  # a dataset folder, loaded by name
    out = tmp_path / "out"
    args = ["train", "--model", tiny_model_dir_cli, "--dataset", str(folder), "--output-dir", str(out)]
    assert main([*args, "--max_steps", "2", "--per_device_train_batch_size", "4", "--use_cpu"]) == 0
    assert "model saved to" in capsys.readouterr().out and (out / "model.safetensors").exists()
    assert main(["train", "--dataset", str(tmp_path / "missing"), "--output-dir", str(out)]) == 2
    assert "--dataset" in capsys.readouterr().err


def test_ask_help_states_the_pipelines_own_length_prior(capsys):
    from bert_qa_reasoning.cli import build_parser
    from bert_qa_reasoning.pipeline_qa_with_reasoning import LENGTH_PRIOR

    with pytest.raises(SystemExit):
        build_parser().parse_args(["ask", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"(default {LENGTH_PRIOR:g}; 0: off" in help_text
