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


@pytest.mark.parametrize(
    "question, label",
    [
        # causal: means, purpose, enabling causes, effects, conditions
        ("How did the garrison manage to hold the bridge for a week?", "causal"),
        ("What allowed the rebels to slip past the blockade?", "causal"),
        ("What are the small holes in the hull used for?", "causal"),
        ("In what way did the new tax shape voting patterns?", "causal"),
        ("What prompted the council to close the harbour?", "causal"),
        ("What did the invention of the telegraph make possible?", "causal"),
        ("The drought of 1930 led to what?", "causal"),
        ("Under what circumstances can the president dissolve parliament?", "causal"),
        ("The mayor refused to sign the bill. What was her reasoning?", "causal"),
        # comparative: choices, contrasts, ranking, amounts of difference
        ("Of the two routes, which was safer?", "comparative"),
        ("Instead of stone, what did the builders use for the upper floors?", "comparative"),
        ("Unlike his brother, where did Henry study?", "comparative"),
        ("The north bank or the south bank: where was the market held first?", "comparative"),
        ("What do the two novels share apart from their setting?", "comparative"),
        ("How much taller is the new tower than the old one?", "comparative"),
        ("Where does the club stand in the league table?", "comparative"),
        ("Which version of the engine allowed longer flights?", "comparative"),
        # factual look-alikes
        ("What is the Cause, a charity, called?", "factual"),
        ("What is the name of the effect caused by gravity bending light?", "factual"),
        ("Who was the first bishop of the diocese?", "factual"),
        ("Who designed the oldest bridge in the city?", "factual"),
        ("How many ships did the company own in 1700?", "factual"),
        ("What killed more than two hundred sailors during the voyage?", "causal"),
    ],
)
def test_new_constructions(question, label):
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
