import pytest

from bert_qa_reasoning.evidence import answer_sentence, find_cue, reasoning_evidence, sentence_spans

TEXT = (
    "Dr. Smith arrived in 1990. The river flooded because of heavy rain in the mountains. "
    "Paris is larger than Lyon, e.g. by area. It is 3.5 km long."
)


def test_sentences_keep_abbreviations_and_decimals_together():
    assert [TEXT[s:e].strip() for s, e in sentence_spans(TEXT)] == [
        "Dr. Smith arrived in 1990.",
        "The river flooded because of heavy rain in the mountains.",
        "Paris is larger than Lyon, e.g. by area.",
        "It is 3.5 km long.",
    ]
    spans = sentence_spans(TEXT)
    assert spans[0][0] == 0 and spans[-1][1] == len(TEXT)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # every character in exactly one sentence


@pytest.mark.parametrize(
    "answer, reasoning, cue",
    [
        ("heavy rain", "causal", "because of"),
        ("Paris", "comparative", "larger than"),
        ("Smith", "factual", None),
        ("Smith", "causal", None),  # no causal word in that sentence
    ],
)
def test_evidence_sentence_and_cue(answer, reasoning, cue):
    start = TEXT.index(answer)
    evidence = reasoning_evidence(TEXT, start, start + len(answer), reasoning)
    sentence = evidence["sentence"]
    assert TEXT[sentence["start"] : sentence["end"]] == sentence["text"]
    assert sentence["start"] <= start and start + len(answer) <= sentence["end"]
    if cue is None:
        assert evidence["cue"] is None
    else:
        got = evidence["cue"]
        assert got["text"] == cue and TEXT[got["start"] : got["end"]] == cue
        assert sentence["start"] <= got["start"] < got["end"] <= sentence["end"]


def test_the_cue_nearest_the_answer_wins_and_weak_cues_are_a_fallback():
    text = "Prices rose because of demand, and exports fell as a result of the strike."
    start = text.index("the strike")
    assert find_cue(text, (0, len(text)), (start, start + 10), "causal")["text"] == "as a result of"
    weak = "The dam was built to stop the floods."
    s = weak.index("stop the floods")
    assert find_cue(weak, (0, len(weak)), (s, s + 15), "causal")["text"] == "to stop"


def test_an_answer_over_two_sentences_gets_both():
    text = "One. Two three. Four."
    assert answer_sentence(text, text.index("One"), text.index("three") + 5) == (0, len(text) - len(" Four."))


def test_cues_keep_their_case_and_offsets_where_lower_casing_moves_them():
    from bert_qa_reasoning.evidence import find_cue

    text = "Sales fell. Because Of the storm, LARGER THAN expected losses followed."
    cue = find_cue(text, (12, len(text)), (20, 32), "causal")
    assert cue == {"text": "Because Of", "start": 12, "end": 22}
    # "İ" lowers to two characters: the offsets are still the original text's
    text = "İİ İstanbul is larger than Ankara because of trade."
    cue = find_cue(text, (0, len(text)), (27, 33), "comparative")
    assert text[cue["start"] : cue["end"]] == cue["text"] == "larger than"
