import pytest

from bert_qa_reasoning.reasoning import label_question, label_to_id


@pytest.mark.parametrize(
    "question, label",
    [
        ("Why did the Roman Empire fall?", "causal"),
        ("What led to the French Revolution?", "causal"),
        ("What was the consequence of the drought?", "causal"),
        ("How did the treaty affect trade?", "causal"),
        ("Which came first, the printing press or the telescope?", "comparative"),
        ("How does a virus differ from a bacterium?", "comparative"),
        ("Is Mars larger than Mercury?", "comparative"),
        ("What is the largest city in Poland?", "comparative"),
        ("Who was the first person to walk on the moon?", "comparative"),
        ("Who wrote Hamlet?", "factual"),
        ("In what year was Harvard founded?", "factual"),
        ("What is the name of the first book?", "factual"),
    ],
)
def test_rules(question, label):
    assert label_question(question) == label


def test_context_evidence():
    context = "The harvest failed because of the long drought."
    assert (
        label_question(
            "What happened to the harvest?", context, {"text": ["the long drought"], "answer_start": [29]}
        )
        == "causal"
    )
    assert label_question("What happened to the harvest?", context, "the long drought") == "causal"


def test_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        label_question("  ")
    with pytest.raises(ValueError, match="Unknown reasoning label 'funny'"):
        label_to_id("funny")
