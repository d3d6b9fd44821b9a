import os

import numpy as np
import pytest
import torch
from transformers import BertForQuestionAnswering, pipeline

import bert_qa_reasoning  # noqa: F401
from bert_qa_reasoning import PassageIndex

POOL = [
    "The river flooded because of heavy rain in the mountains.",
    "Paris is the capital of France and its largest city.",
    "Marie Curie discovered radium and polonium.",
]


def _check(answer, passages):
    assert set(answer) >= {
        "answer",
        "score",
        "start",
        "end",
        "passage_id",
        "passage",
        "source",
        "page",
        "retrieval_score",
        "reasoning",
        "reasoning_scores",
        "locations",
        "reasoning_evidence",
    }
    assert 0.0 <= answer["score"] <= 1.0
    assert passages[answer["passage_id"]][answer["start"] : answer["end"]] == answer["answer"]
    assert abs(sum(answer["reasoning_scores"].values()) - 1) < 1e-4
    evidence = answer["reasoning_evidence"]
    if not answer["answer"]:
        assert evidence is None
        return
    passage = passages[answer["passage_id"]]
    sentence = evidence["sentence"]
    assert passage[sentence["start"] : sentence["end"]] == sentence["text"]
    assert sentence["start"] <= answer["start"] and answer["end"] <= sentence["end"]
    cue = evidence["cue"]
    if answer["reasoning"] == "factual":
        assert cue is None
    elif cue is not None:
        assert sentence["start"] <= cue["start"] < cue["end"] <= sentence["end"]
        assert passage[cue["start"] : cue["end"]] == cue["text"]


def test_single_context_and_pool_and_batch(pipe):
    out = pipe(question="What is the capital of France?", context=POOL[1], top_k=3)
    assert isinstance(out, list) and 1 <= len(out) <= 3
    for a in out:
        _check(a, [POOL[1]])
    assert sum(a["score"] for a in out) <= 1.0 + 1e-6
    many = pipe(
        question=["Who discovered radium?", "Why did the river flood?"], context=POOL, top_k_passages=2
    )
    assert len(many) == 2 and all(isinstance(x, list) for x in many)
    for answers in many:
        for a in answers:
            _check(a, POOL)


def test_retrieve_alone(pipe):
    hits = pipe.retrieve(["Who discovered polonium?", "heavy rain flood"], context=POOL, top_k=2)
    assert [h[0]["passage_id"] for h in hits] == [2, 0]
    for retriever in ("bm25", "dense", "cls", "hybrid"):
        assert len(pipe.retrieve("radium", context=POOL, top_k=3, retriever=retriever)) == 3


def test_the_reader_reranks_retrieved_passages():
    import numpy as np

    from bert_qa_reasoning.pipeline_qa_with_reasoning import RERANK_RETRIEVAL_WEIGHT, QAWithReasoningPipeline

    hits = [{"passage_id": p, "score": s} for p, s in ((7, 3.0), (8, 2.0), (9, 1.0), (4, 0.5))]

    def window(hit, best, null):
        return {"hit": hit, "span_scores": np.array([best, best - 1.0]), "null_logit": null}

    # passage 8: a strong answer; passage 7: retrieved first, nothing convincing; passage 4: never read
    windows = [window(0, 1.0, 2.0), window(1, 9.0, 0.0), window(1, 3.0, -1.0), window(2, 2.0, 0.0)]
    kept, kept_windows = QAWithReasoningPipeline._rerank(hits, windows, keep=2)
    assert [h["passage_id"] for h in kept] == [8, 7]
    z = (np.array([3.0, 2.0, 1.0, 0.5]) - 1.625) / np.array([3.0, 2.0, 1.0, 0.5]).std()
    # margin: best span minus the lowest null over the passage's windows
    assert kept[0]["rerank_score"] == pytest.approx(9.0 - (-1.0) + RERANK_RETRIEVAL_WEIGHT * z[1], rel=1e-5)
    assert kept[0]["score"] == 2.0  # the retrieval score is kept beside it
    assert sorted(w["hit"] for w in kept_windows) == [
        0,
        0,
        1,
    ]  # renumbered to the new ranks; passage 9 dropped
    _, none_read = QAWithReasoningPipeline._rerank(hits, [window(3, 1.0, 0.0)], keep=4)
    assert [w["hit"] for w in none_read] == [0]  # the only passage read comes first


@pytest.fixture(scope="module")
def reference_pipe():
    """The shipped reference model (trained), with the packaged MiniLM retriever."""
    return pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path())


def test_retrieve_reranks_by_default_and_not_with_depth_zero(reference_pipe):
    pipe = reference_pipe
    pool = POOL + [
        f"Filler passage {i} about the weather in spring and the price of bread." for i in range(8)
    ]
    reranked = pipe.retrieve("Who discovered polonium?", context=pool, top_k=3)
    assert reranked[0]["passage_id"] == 2 and len(reranked) == 3
    scores = [h["rerank_score"] for h in reranked]
    assert scores == sorted(scores, reverse=True)
    plain = pipe.retrieve("Who discovered polonium?", context=pool, top_k=3, rerank_depth=0)
    assert all("rerank_score" not in h for h in plain)
    answers = pipe(question="Who discovered polonium?", context=pool)
    assert answers[0]["answer"] == "Marie Curie" and answers[0]["passage_id"] == 2
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="rerank_depth must be a non-negative integer"):
            pipe(question="Who?", context=pool, rerank_depth=bad)


def test_the_length_prior_favours_the_longer_of_two_close_spans(pipe):
    import numpy as np

    text = "It was set up by Executive Order 13702 in 2015."
    index = pipe._pool_index([text, "Another passage."])
    start = text.index("Executive")
    number = text.index("13702")
    window = {
        "hit": 0,
        "span_scores": np.array([5.0, 4.9]),  # "13702" a little ahead of "Executive Order 13702"
        "span_starts": np.array([number, start]),
        "span_ends": np.array([number + 5, number + 5]),
        "span_tokens": np.array([2.0, 4.0]),
        "null_logit": 0.0,
    }
    outputs = {
        "index": index,
        "hits": [{"passage_id": 0, "score": 1.0}],
        "windows": [window],
        "question": "Which?",
    }
    options = pipe._options({})
    assert options["length_prior"] == 0.25
    assert pipe.postprocess(outputs, **{**options, "length_prior": 0})[0]["answer"] == "13702"
    assert (
        pipe.postprocess(outputs, **options)[0]["answer"] == "Executive Order 13702"
    )  # 0.25 * log(4 / 2) > 0.1
    with pytest.raises(ValueError, match="length_prior must be a number >= 0"):
        pipe(question="Which?", context=text, length_prior=-1)


def test_a_question_that_offers_a_choice_is_answered_with_one_of_its_alternatives(pipe):
    import bert_qa_reasoning.pipeline_qa_with_reasoning as module

    text = "The Wells Fargo Center is 37 stories; the Bank of America Tower, built in 1990, has 42."
    index = pipe._pool_index([text, "Another passage."])
    spans = [("built in 1990", 6.0), ("the Bank of America Tower", 4.0), ("37 stories", 3.0)]
    window = {
        "hit": 0,
        "span_scores": np.array([score for _, score in spans]),
        "span_starts": np.array([text.index(answer) for answer, _ in spans]),
        "span_ends": np.array([text.index(answer) + len(answer) for answer, _ in spans]),
        "span_tokens": np.array([3.0, 5.0, 3.0]),
        "null_logit": 0.0,
    }
    options = {**pipe._options({}), "length_prior": 0.0, "top_k": 3}

    def answers(question):
        outputs = {"index": index, "hits": [{"passage_id": 0, "score": 1.0}], "windows": [window]}
        return [a["answer"] for a in pipe.postprocess({**outputs, "question": question}, **options)]

    # the reader's own order for a question without a choice
    assert answers("When was it built?") == ["built in 1990", "the Bank of America Tower", "37 stories"]
    # a choice: the span naming an alternative comes first, the others keep their order
    chosen = answers("Which is taller, the Wells Fargo Center or the Bank of America Tower?")
    assert chosen == ["the Bank of America Tower", "built in 1990", "37 stories"]
    assert module.CHOICE_BONUS > 0


def test_the_reference_reader_answers_a_choice_with_an_alternative(reference_pipe):
    passage = (
        "C4 plants fix carbon dioxide twice, first into a four-carbon acid in the mesophyll and then again in the "
        "bundle sheath. Cyclic photophosphorylation supplies the extra energy this takes: C4 plants need more ATP "
        "than C3 plants, while their need for NADPH is about the same."
    )
    (answer,) = reference_pipe(question="C4 plants need more of which, ATP or NADPH?", context=passage)
    assert answer["answer"] in ("ATP", "more ATP")


def test_long_passage_is_read_with_stride(pipe):
    long = (
        "Filler words about nothing in particular. " * 80 + "The treasure is hidden under the old oak tree."
    )
    out = pipe(
        question="Where is the treasure hidden?",
        context=long,
        max_seq_len=64,
        doc_stride=16,
        max_answer_len=10,
    )
    _check(out[0], [long])


def test_handle_impossible_answer(pipe):
    out = pipe(question="Who?", context=POOL[0], handle_impossible_answer=True, top_k=1000)
    assert any(a["answer"] == "" for a in out)


def test_attached_index_with_provenance_and_save_load(pipe, tmp_path):
    passages = [{"text": t, "source": "doc.pdf", "page": i + 1} for i, t in enumerate(POOL)]
    index = pipe.build_index(passages)
    index.save(str(tmp_path / "idx"))
    assert sorted(os.listdir(tmp_path / "idx")) == [
        "embeddings.safetensors",
        "index_config.json",
        "passages.parquet",
    ]
    loaded = PassageIndex.load(str(tmp_path / "idx"))
    assert loaded.passages == index.passages and loaded.hybrid_method == index.hybrid_method
    pipe.attach_index(loaded)
    out = pipe(question="Who discovered radium?")
    assert out[0]["source"] == "doc.pdf" and out[0]["page"] == 3
    assert pipe.retrieve("radium")[0]["passage_id"] == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"question": "", "context": POOL}, "empty question"),
        ({"question": 3, "context": POOL}, "string"),
        ({"question": "Who?", "context": [1, 2]}, "context must be"),
        ({"question": "Who?", "context": POOL, "retriever": "magic"}, "unknown retriever"),
        ({"question": "Who?", "context": POOL, "top_k": 0}, "top_k"),
    ],
)
def test_bad_inputs(pipe, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pipe(**kwargs)


def test_a_plain_bert_for_question_answering_checkpoint(minilm_dir, tokenizer):
    qa = pipeline(
        "qa-with-reasoning", model=BertForQuestionAnswering.from_pretrained(minilm_dir), tokenizer=tokenizer
    )
    answer = qa(question="Which came first, radium or polonium?", context=POOL[2])[0]
    _check(answer, [POOL[2]])
    assert answer["reasoning_source"] == "labeler" and answer["reasoning"] == "comparative"


def test_a_long_single_context_is_read_with_a_warning(pipe, caplog):
    import logging

    from bert_qa_reasoning.pipeline_qa_with_reasoning import LONG_CONTEXT_WORDS

    long_text = " ".join(["Filler words about nothing."] * (LONG_CONTEXT_WORDS // 4 + 10))
    long_text += " Marie Curie discovered radium."
    with caplog.at_level(logging.WARNING):
        answers = pipe(question="Who discovered radium?", context=long_text, max_seq_len=384)
    assert "Pass a list of passages" in caplog.text
    assert answers[0]["answer"] and any(ch.isalnum() for ch in answers[0]["answer"])


def test_punctuation_is_never_an_answer(pipe):
    for answers in pipe(
        question=["What?", "Who?"], context=["... ; --- !!!", "Marie Curie discovered radium."]
    ):
        assert all(a["answer"] == "" or any(ch.isalnum() for ch in a["answer"]) for a in answers)


ARCHITECTURES = ["bert", "roberta", "distilbert", "deberta-v2", "electra", "xlm-roberta", "modernbert"]


def _tiny_qa_model(kind: str):
    """A tiny randomly initialised extractive-QA model of another architecture, built in-process."""
    from transformers import AutoConfig, AutoModelForQuestionAnswering

    sizes = dict(vocab_size=30522, hidden_size=32, num_attention_heads=2, intermediate_size=64)
    if kind == "distilbert":
        config = AutoConfig.for_model(kind, vocab_size=30522, dim=32, n_heads=2, hidden_dim=64, n_layers=2)
    elif kind == "modernbert":
        config = AutoConfig.for_model(
            kind, **sizes, num_hidden_layers=2, pad_token_id=0, global_attn_every_n_layers=1
        )
    else:
        config = AutoConfig.for_model(
            kind, **sizes, num_hidden_layers=2, max_position_embeddings=520, pad_token_id=0
        )
        if hasattr(config, "type_vocab_size"):
            config.type_vocab_size = 2
    torch.manual_seed(0)
    return AutoModelForQuestionAnswering.from_config(config).eval()


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_any_extractive_qa_checkpoint_reads_spans_and_gets_a_reasoning_type(kind, minilm_dir):
    from transformers import AutoTokenizer

    from bert_qa_reasoning import label_question

    inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if kind in ("bert", "electra") else [])
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir, model_input_names=inputs)
    qa = pipeline("qa-with-reasoning", model=_tiny_qa_model(kind), tokenizer=tokenizer)
    question = "Why did the river flood?"
    answers = qa(question=question, context=POOL, top_k=2, retriever="bm25")
    for answer in answers:
        _check(answer, POOL)
        assert answer["reasoning_source"] == "labeler" and answer["reasoning"] == label_question(question)
    drop_in = pipeline("question-answering", model=qa.model, tokenizer=tokenizer)
    span = drop_in(question=question, context=POOL[0])
    assert span["answer"] == POOL[0][span["start"] : span["end"]]


def test_our_model_reports_its_own_head(pipe):
    answer = pipe(question="Why did the river flood?", context=POOL[0])[0]
    assert answer["reasoning_source"] == "model"


def test_pairs_pools_and_lists_of_pools_by_one_rule(pipe):
    import warnings

    passages = ["Alice Smith founded the company in 1999.", "Bob Jones joined it in 2004."]
    questions = ["Who founded the company?", "Who joined in 2004?"]
    pairs = pipe(question=questions, context=passages)  # as many contexts as questions: pairs, as in 4.x
    assert [a[0]["passage_id"] for a in pairs] == [0, 1]
    pooled = pipe(question=questions, pool=passages, retriever="bm25", top_k_passages=1)  # one shared pool
    assert [a[0]["passage_id"] for a in pooled] == [0, 1]  # BM25 picks each question's passage
    own = pipe(question=questions, context=[[passages[0]], [passages[1], "Nothing here."]], retriever="bm25")
    assert own[0][0]["passage"] == passages[0] and own[1][0]["passage"] in (passages[1], "Nothing here.")
    assert all(a["passage"] != passages[0] for a in own[1])  # the second question never reads the first pool
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = pipe(question=questions, context=[*passages, "Nothing here."], retriever="bm25")
    assert len(old) == 2 and any(
        "pool=[...]" in str(w.message) for w in caught if w.category is FutureWarning
    )
    with pytest.raises(ValueError, match="context= .* or pool="):
        pipe(question=questions, context=passages, pool=passages)
    with pytest.raises(ValueError, match="2 pools for 3 questions"):
        pipe(question=[*questions, "Why?"], context=[[passages[0]], [passages[1]]])


def test_empty_pools_and_passages(pipe):
    assert pipe(question="Who?", context=[]) == []
    assert pipe.retrieve("Who?", context=[]) == []
    answer = pipe(question="Who founded the company?", context=["", "Alice Smith founded the company."])[0]
    assert answer["passage_id"] == 1 and answer["answer"]


def test_options_as_4x_treats_them(pipe):
    text = "Alice Smith founded it in 1999 with Bob Jones, Carol King, Dan Brown and Eve Stone in Paris."
    people = [f"Person number {i} founded company {i} in the year {1900 + i}." for i in range(30)]
    answers = pipe(question="Who founded it?", pool=people, top_k=25, top_k_passages=30, retriever="bm25")
    assert len(answers) == 25  # no cap of 20 candidates: distinct answers from many passages
    # no doc_stride: it follows max_seq_len (min(max_seq_len // 2, 128)), so short windows work
    assert pipe(question="Who founded it?", context=text, max_seq_len=48)[0]["answer"]


def test_a_left_padding_tokenizer_gives_the_same_answers(pipe, minilm_dir):
    from transformers import AutoTokenizer

    left = AutoTokenizer.from_pretrained(minilm_dir, padding_side="left")
    qa_left = pipeline("qa-with-reasoning", model=pipe.model, tokenizer=left)
    contexts = ["Under the old oak tree a fox slept.", "A much longer passage about the river, " * 5]
    kwargs = dict(question=["Where did the fox sleep?", "What is the passage about?"], context=contexts)
    right = pipe(**kwargs, batch_size=2)
    assert [a[0]["answer"] for a in qa_left(**kwargs, batch_size=2)] == [a[0]["answer"] for a in right]


def test_cjk_answers_are_not_widened_to_the_sentence(pipe):
    context = "彼は小学校の国語の教科書を使って日本語を勉強しました。"
    for align in (True, False):
        answer = pipe(question="何を使いましたか?", context=context, align_to_words=align)[0]
        assert answer["answer"] == context[answer["start"] : answer["end"]]
        assert len(answer["answer"]) < len(context) - 2  # a span, not the whole sentence


def test_a_passage_over_a_page_break_reports_the_answers_page(pipe):

    text = "Page five ends with this line.\fOn page six, Marie Curie discovered radium in Paris in 1898."
    index = PassageIndex([{"text": text, "page": 5}])
    reader = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path(), index=index)
    answers = reader(question="Who discovered radium?", top_k=3)
    assert (
        answers[0]["answer"] == "Marie Curie" and answers[0]["page"] == 6
    )  # the trained reader, deterministic
    for answer in answers:
        assert answer["page"] == 5 + text[: answer["start"]].count("\f")


def test_null_answer_beside_top_k_and_lowest_over_windows(pipe):
    filler = "The committee met again in the spring to review the budget of the library network. " * 30
    long = filler + "Marie Curie discovered radium in 1898. " + filler
    answers = pipe(question="Who discovered radium?", context=long, top_k=2, handle_impossible_answer=True)
    assert (
        len(answers) == 3 and sum(a["answer"] == "" for a in answers) == 1
    )  # top_k answers plus the null one
    assert all(0.0 <= a["score"] <= 1.0 for a in answers)


def test_a_list_of_question_context_dicts_is_pairs(pipe):
    rows = [
        {"question": "Who founded the company?", "context": "Alice Smith founded the company in 1999."},
        {"question": "Who joined in 2004?", "context": "Bob Jones joined it in 2004."},
    ]
    answers = pipe(rows)
    assert [a[0]["passage"] for a in answers] == [r["context"] for r in rows]


def test_top_k_answers_are_distinct_and_trimmed(pipe):
    from bert_qa_reasoning.pipeline_qa_with_reasoning import _trim_edges

    for raw, clean in [
        ("the TOSS 4 STIG [56].", "the TOSS 4 STIG"),
        ("Executive Order 13702,", "Executive Order 13702"),
        ("a result [3, 4]", "a result"),
        ("Article 12(2)", "Article 12(2)"),
        ("the U.S.", "the U.S."),
        ("Paris (France)", "Paris (France)"),
    ]:
        s, e = _trim_edges(raw, 0, len(raw))
        assert raw[s:e] == clean
    text = "The order was Executive Order 13702 [12], signed in 2015 by the President of the United States."
    answers = pipe(question="Which order was it?", context=text, top_k=5)
    spans = [(a["start"], a["end"]) for a in answers]
    for i, (s1, e1) in enumerate(spans):  # no two answers of one passage overlap
        assert all(e1 <= s2 or e2 <= s1 for s2, e2 in spans[i + 1 :])
    assert not any(a["answer"].endswith(("[12]", ",")) for a in answers)
    assert sum(a["score"] for a in answers) <= 1.0 + 1e-6


def test_a_name_keeps_the_abbreviation_written_after_it():
    from bert_qa_reasoning.pipeline_qa_with_reasoning import _with_abbreviation

    for text, span, answer in [
        (
            "uses the Network Time Protocol (NTP) for time",
            "Network Time Protocol",
            "Network Time Protocol (NTP)",
        ),
        (
            "via the Preboot eXecution Environment (PXE).",
            "the Preboot eXecution Environment",
            "the Preboot eXecution Environment (PXE)",
        ),
        (
            "graphics processing units (GPUs) and CPUs",
            "graphics processing units",
            "graphics processing units (GPUs)",
        ),
        ("the United States (US) and Canada", "the United States", "the United States (US)"),
        ("sold by the company (US) last year", "the company", "the company"),  # not the name's letters
        ("the Authority (Au) ruled", "the Authority", "the Authority"),  # one capital: no abbreviation
        ("sold 300 tons (2019)", "300 tons", "300 tons"),  # a year
        ("the Network Time Protocol, (NTP)", "the Network Time Protocol", "the Network Time Protocol"),
    ]:
        start = text.index(span)
        assert text[start : _with_abbreviation(text, start, start + len(span))] == answer


def test_score_threshold_drops_weak_answers(pipe):
    context = "Marie Curie discovered radium in Paris in 1898. The committee met in the spring."
    every = pipe(question="Who discovered radium?", context=context, top_k=5)
    cut = sorted(a["score"] for a in every)[len(every) // 2]
    kept = pipe(question="Who discovered radium?", context=context, top_k=5, score_threshold=cut)
    assert kept and all(a["score"] >= cut for a in kept)
    assert [a["answer"] for a in kept] == [a["answer"] for a in every if a["score"] >= cut]
    assert pipe(question="Who discovered radium?", context=context, score_threshold=1.0) == [
        a for a in pipe(question="Who discovered radium?", context=context) if a["score"] >= 1.0
    ]
    for bad in (-0.1, 1.5, "high", True):
        with pytest.raises(ValueError, match="score_threshold"):
            pipe(question="Who?", context=context, score_threshold=bad)
    with pytest.raises(ValueError, match="retrieval_temperature"):
        pipe(question="Who?", context=context, retrieval_temperature=0)


def test_fast_path_is_chosen_where_it_is_right(minilm_dir, tokenizer):
    from transformers import BertConfig

    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    model = BertForQuestionAnsweringWithReasoning.from_pretrained(minilm_dir, dtype=torch.float32)
    on_cpu = pipeline(
        "qa-with-reasoning", model=model, tokenizer=tokenizer, retriever_model=False, device="cpu"
    )
    assert on_cpu.fast_path is False and model.config._attn_implementation == "sdpa"  # CPU: left as loaded
    forced = pipeline(
        "qa-with-reasoning",
        model=model,
        tokenizer=tokenizer,
        retriever_model=False,
        device="cpu",
        fast_path=True,
    )
    assert (
        forced.fast_path
        and model.config._attn_implementation == "varlen"
        and not model.config.varlen_cuda_graphs
    )
    answer = forced(question="Who discovered radium?", context="Marie Curie discovered radium in 1898.")[0]
    assert answer["answer"] == "Marie Curie discovered radium in 1898."[answer["start"] : answer["end"]]
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2
    )
    with pytest.raises(ValueError, match="fast_path=True needs a model with the varlen path"):
        pipeline(
            "qa-with-reasoning",
            model=BertForQuestionAnswering(config),
            tokenizer=tokenizer,
            retriever_model=False,
            device="cpu",
            fast_path=True,
        )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fast_path_on_cuda_gives_the_answers_of_sdpa(minilm_dir):
    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    contexts = [
        "Marie Curie discovered radium in Paris in 1898 with her husband Pierre.",
        "The harbour of Kestrel Bay was dredged in 1911. Fishing boats moor along the north quay. " * 12,
    ]
    questions = ["Who discovered radium?", "When was the harbour dredged?"]
    answers = {}
    for fast in (False, None):
        torch.manual_seed(0)
        model = BertForQuestionAnsweringWithReasoning.from_pretrained(minilm_dir, dtype=torch.float16)
        pipe = pipeline(
            "qa-with-reasoning",
            model=model,
            tokenizer=minilm_dir,
            device=0,
            fast_path=fast,
            retriever_model=False,
        )
        assert pipe.fast_path is (fast is None)
        answers[fast] = [
            pipe(question=questions, context=contexts, top_k=3) for _ in range(2)
        ]  # 2nd: graph replay
    assert model.config._attn_implementation == "varlen" and model.config.varlen_cuda_graphs
    for slow_run, fast_run in zip(answers[False], answers[None]):
        for slow, fast in zip(slow_run, fast_run):
            assert [a["answer"] for a in slow] == [a["answer"] for a in fast]
            assert all(abs(a["score"] - b["score"]) < 2e-2 for a, b in zip(slow, fast))


def _questions_and_contexts(n: int) -> tuple[list[str], list[str]]:
    """n questions, each with its own passage; some passages long enough for several windows."""
    names = ["Kestrel", "Ardmore", "Belltown", "Corran", "Dunmore", "Eastwick", "Fallow", "Glenrae"]
    questions, contexts = [], []
    for i in range(n):
        name = names[i % len(names)]
        text = (
            f"The harbour of {name} Bay was dredged in {1900 + i}. Fishing boats moor along the north quay. "
        )
        contexts.append(text * (1 + 14 * (i % 3 == 0)))  # every third passage: several windows
        questions.append(f"When was the harbour of {name} Bay dredged?")
    return questions, contexts


def test_answers_do_not_depend_on_how_windows_are_batched(pipe):
    # Questions are answered as their last window comes back (`_read_windows`): with batches of 2 windows, a
    # question's windows come back in different batches, and each question must still get its own answers.
    questions, contexts = _questions_and_contexts(9)
    pool = list(dict.fromkeys(contexts))
    for call in (dict(context=contexts), dict(pool=pool, retriever="bm25", rerank_depth=4)):
        small = pipe(question=questions, top_k=2, batch_size=2, **call)
        large = pipe(question=questions, top_k=2, batch_size=64, **call)
        alone = [
            pipe(question=q, top_k=2, **({**call, "context": c} if "context" in call else call))
            for q, c in zip(questions, contexts)
        ]
        for a, b, c in zip(small, large, alone):
            assert [x["answer"] for x in a] == [x["answer"] for x in b] == [x["answer"] for x in c]
            assert all(abs(x["score"] - y["score"]) < 1e-4 for x, y in zip(a, b))


def test_cpu_batches_hold_at_most_their_token_budget(pipe):
    import bert_qa_reasoning.pipeline_qa_with_reasoning as pipeline_module

    budget = pipeline_module._CPU_BATCH_TOKENS
    lengths = np.array([100] * 50 + [384] * 25 + [5000])  # sorted; the last one alone is over the budget
    batches = pipe._batches(lengths, batch_size=64)
    assert np.array_equal(np.concatenate(batches), np.arange(len(lengths)))  # every window once, in order
    assert [len(b) for b in batches] == [budget // 100, 10, *[budget // 384] * 2, 25 - 2 * (budget // 384), 1]
    for b in batches:
        assert len(b) <= 64 and (len(b) == 1 or len(b) * lengths[b[-1]] <= budget)
    assert [len(b) for b in pipe._batches(np.full(10, 8), batch_size=4)] == [
        4,
        4,
        2,
    ]  # batch_size still holds


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fast_path_on_cuda_with_batches_in_flight_gives_the_answers_of_one_batch(minilm_dir):
    # The next batch is queued before the last one's results are copied back and unpacked (`_run_windows`).
    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    torch.manual_seed(0)
    model = BertForQuestionAnsweringWithReasoning.from_pretrained(minilm_dir, dtype=torch.float16)
    pipe = pipeline("qa-with-reasoning", model=model, tokenizer=minilm_dir, device=0, retriever_model=False)
    assert pipe.fast_path
    questions, contexts = _questions_and_contexts(40)
    one_batch = pipe(question=questions, context=contexts, top_k=3, batch_size=256)
    for _ in range(2):  # the second time through replays the graphs
        in_flight = pipe(question=questions, context=contexts, top_k=3, batch_size=4)
        for a, b in zip(one_batch, in_flight):
            assert [x["answer"] for x in a] == [x["answer"] for x in b]
            assert all(abs(x["score"] - y["score"]) < 2e-2 for x, y in zip(a, b))


def test_an_index_with_tokens_of_another_tokenizer_is_tokenized_again(pipe):
    from bert_qa_reasoning.windows import PassageTokens

    index = PassageIndex(POOL)
    expected = pipe(question="Who discovered radium?", context=POOL, top_k=2, retriever="bm25")
    stale = index.passage_tokens(pipe.tokenizer)
    # ids of another vocabulary under another fingerprint: they must not be read
    index.tokens = PassageTokens(stale.ids * 0 + 1, stale.offsets, stale.starts, "0" * 16)
    pipe.attach_index(index)
    try:
        answers = pipe(question="Who discovered radium?", top_k=2, retriever="bm25")
    finally:
        pipe.index = None
    assert index.tokens.fingerprint != "0" * 16
    assert [a["answer"] for a in answers] == [a["answer"] for a in expected]


def test_a_comparison_over_table_rows_is_answered_from_the_numbers(pipe):
    from tests.test_table_answers import ROWS

    prose = (
        "Some states may reflect lower than expected numbers for handgun checks because of state permit laws."
    )
    pool = [prose, *ROWS]
    question = "Who logged more total checks, Illinois or Indiana?"
    (answer,) = pipe(question=question, context=pool)
    assert answer["answer"] == "Indiana" and answer["passage_id"] == 2
    assert answer["passage"][answer["start"] : answer["end"]] == "Indiana"
    assert answer["comparison"]["column"] == "Totals" and answer["comparison"]["op"] == "max"
    assert [r["label"] for r in answer["comparison"]["rows"]] == ["Indiana", "Illinois"]
    answers = pipe(question=question, context=pool, top_k=3)
    assert answers[0]["answer"] == "Indiana" and sum(a["score"] for a in answers) <= 1.0 + 1e-6
    assert all("comparison" not in a for a in answers[1:])
    # turned off, or a question that compares nothing: the reader answers
    assert "comparison" not in pipe(question=question, context=pool, compare_tables=False)[0]
    assert "comparison" not in pipe(question="How many permit checks did Indiana record?", context=pool)[0]
    with pytest.raises(ValueError, match="compare_tables"):
        pipe(question=question, context=pool, compare_tables="yes")


def test_a_table_in_a_pdf_answers_comparisons_end_to_end(pipe, tmp_path, capsys):
    from bert_qa_reasoning import load_pdf_qa
    from bert_qa_reasoning.cli import print_answer
    from tests.test_pdf_text import _table_pdf

    path = str(tmp_path / "permits.pdf")
    _table_pdf(path)
    passages = load_pdf_qa([path], name="passages", cache_dir=str(tmp_path / "cache"))
    question = "Which county issued the most resident hunting permits?"
    (answer,) = pipe(question=question, context=[p["text"] for p in passages])  # a pool of strings
    assert answer["answer"] == "Cedar Falls" and answer["comparison"]["column"] == "Residents Hunting"
    pipe.build_index(passages)  # and attached: sources and pages come with the rows
    try:
        (answer,) = pipe(question=question)
        assert (answer["answer"], answer["source"], answer["page"]) == ("Cedar Falls", "permits.pdf", 1)
        (answer,) = pipe(question="Which had more permits in total, Brook or Dunmore?")
        assert answer["answer"] == "Brook" and answer["comparison"]["column"] == "Totals"
        print_answer("Which had more permits in total, Brook or Dunmore?", [answer])
        assert "compared 'Totals': Brook 144 > Dunmore 7" in capsys.readouterr().out
        print_answer("q", [{**answer, "comparison": {**answer["comparison"], "rows": [
            {"label": "Texas", "value": 2236457.0}, {"label": "Utah", "value": 0.5}]}}])  # fmt: skip
        assert "Texas 2,236,457 > Utah 0.5" in capsys.readouterr().out
    finally:
        pipe.index = None
