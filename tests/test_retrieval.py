import os

import pytest
import torch
from transformers import pipeline

from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning, PassageIndex
from bert_qa_reasoning.retrieval import (
    BM25,
    DEFAULT_HYBRID_METHOD,
    DEFAULT_HYBRID_WEIGHT,
    bm25_tokenize,
    combine_hybrid,
)

POOL = [
    "The river flooded because of heavy rain in the mountains.",
    "Paris is the capital of France and its largest city.",
    "Marie Curie discovered radium and polonium.",
]


def test_bm25_ranks_the_passage_with_the_query_terms_first():
    bm25 = BM25().fit(POOL)
    scores = bm25.scores(["who discovered radium", "capital of France", "why did the river flood"])
    assert scores.shape == (3, 3)
    assert scores.argmax(dim=1).tolist() == [2, 1, 0]
    assert bm25_tokenize("Radium, RADIUM!") == bm25_tokenize("radium radium")


def test_combine_hybrid_defaults_are_the_index_defaults():
    bm25 = torch.tensor([[3.0, 1.0, 0.0]])
    dense = torch.tensor([[0.1, 0.9, 0.2]])
    default = combine_hybrid(bm25, dense)
    explicit = combine_hybrid(bm25, dense, DEFAULT_HYBRID_WEIGHT, DEFAULT_HYBRID_METHOD)
    torch.testing.assert_close(default, explicit)
    index = PassageIndex(POOL)
    assert (index.hybrid_weight, index.hybrid_method) == (DEFAULT_HYBRID_WEIGHT, DEFAULT_HYBRID_METHOD)
    with pytest.raises(ValueError, match="Unknown hybrid fusion"):
        combine_hybrid(bm25, dense, method="magic")


def test_load_names_the_missing_file(tmp_path):
    with pytest.raises(ValueError, match="index_config.json is missing"):
        PassageIndex.load(str(tmp_path))


def test_index_without_pyarrow_falls_back_to_json_lines(pipe, tmp_path, monkeypatch):
    import sys

    index = pipe.build_index([{"text": t, "page": i + 1} for i, t in enumerate(POOL)])
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # an environment with torch and transformers only
    index.save(str(tmp_path / "idx"))
    assert "passages.jsonl" in os.listdir(tmp_path / "idx")
    assert PassageIndex.load(str(tmp_path / "idx")).passages == index.passages


def test_index_refuses_another_model(pipe, tmp_path, tiny_config, tokenizer):
    index = pipe.build_index(POOL, retrievers=("bm25", "cls"))
    other = pipeline(
        "qa-with-reasoning", model=BertForQuestionAnsweringWithReasoning(tiny_config), tokenizer=tokenizer
    )
    with pytest.raises(ValueError, match="another encoder"):
        other.attach_index(index)


@pytest.mark.slow
def test_large_pool_indexes_in_batches(pipe):
    pool = [f"Passage number {i} talks about topic {i % 97} and item {i % 13}." for i in range(20000)]
    index = PassageIndex.build(pool, retrievers=("bm25",))
    assert len(index) == 20000
    assert pipe.retrieve("topic 5 item 7", context=pool[:2000], top_k=3, retriever="bm25")[0]["score"] > 0


def test_one_encoder_pass_serves_both_poolings(pipe, monkeypatch):
    import bert_qa_reasoning.retrieval as retrieval

    calls = []
    real = retrieval.embed_texts

    def counting(texts, encoder, tokenizer, pooling="mean", *args, **kwargs):
        calls.append(pooling)
        return real(texts, encoder, tokenizer, pooling, *args, **kwargs)

    monkeypatch.setattr(retrieval, "embed_texts", counting)
    index = PassageIndex.build(
        POOL, pipe.model, pipe.tokenizer, retrievers=("bm25", "dense", "cls"), show_progress=False
    )
    assert calls == [["mean", "cls"]]  # the QA encoder serves dense and cls in one pass
    separate = real(POOL, pipe.model, pipe.tokenizer, "cls")
    torch.testing.assert_close(index.embeddings["cls"], separate)
    calls.clear()
    PassageIndex.build(
        POOL,
        pipe.model,
        pipe.tokenizer,
        dense_encoder=pipe.retriever_model,
        dense_tokenizer=pipe.retriever_tokenizer,
        show_progress=False,
    )
    assert calls == [["mean"], ["cls"]]  # two different encoders: one pass each


@pytest.mark.slow
def test_the_default_hybrid_never_loses_to_bm25_on_our_validation_split(pipe):
    from bert_qa_reasoning.squad import load_squad_split
    from tests.conftest import SQUAD

    rows = load_squad_split(SQUAD, "validation")
    paragraphs = list(dict.fromkeys(r["context"] for r in rows))
    gold = torch.tensor([paragraphs.index(r["context"]) for r in rows])
    index = pipe.build_index(paragraphs)  # the default: BM25 + the packaged all-MiniLM-L6-v2
    assert index.available == ["dense", "bm25", "hybrid"]
    questions = [r["question"] for r in rows]
    recall = {}
    for retriever in ("bm25", "hybrid"):
        hits = pipe.retrieve(
            questions, top_k=1, retriever=retriever, rerank_depth=0
        )  # the retriever's own order
        recall[retriever] = (torch.tensor([h[0]["passage_id"] for h in hits]) == gold).float().mean().item()
    assert recall["hybrid"] >= recall["bm25"], recall
    assert pipe._default_retriever(index) == "hybrid"


def test_without_a_sentence_embedding_model_the_default_is_bm25(tiny_config, tokenizer):
    from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning

    qa = pipeline(
        "qa-with-reasoning",
        model=BertForQuestionAnsweringWithReasoning(tiny_config),
        tokenizer=tokenizer,
        retriever_model=False,
    )
    index = qa.build_index(POOL)
    assert index.available == ["bm25"] and qa._default_retriever(index) == "bm25"
    assert qa._default_retriever(PassageIndex(POOL)) == "bm25"  # ad-hoc pools too
    # an index whose dense vectors come from the QA encoder is read, but not searched by default
    own = PassageIndex.build(POOL, qa.model, qa.tokenizer, retrievers=("bm25", "dense"), show_progress=False)
    qa.attach_index(own)
    assert qa._default_retriever(own) == "bm25"
