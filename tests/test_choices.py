"""Questions that offer a choice (`choices`): the alternatives they name, and which answers name one."""

import pytest

from bert_qa_reasoning.choices import names_alternative, question_alternatives


@pytest.mark.parametrize(
    "question, alternatives",
    [
        (
            "Which is taller, the Wells Fargo Center or the Bank of America Tower?",
            ["the Wells Fargo Center", "the Bank of America Tower"],
        ),
        (
            "Is Jacksonville nearer to the Georgia state line or to Miami?",
            ["the Georgia state line", "Miami"],
        ),
        ("Are stromules commoner in chloroplasts or in plastids?", ["chloroplasts", "plastids"]),
        ("C4 plants need more of which, ATP or NADPH?", ["ATP", "NADPH"]),
        (
            "Sunni, Shia or Ahmadiyya — which group makes up the bulk of Kenya's Muslims?",
            ["Sunni", "Shia", "Ahmadiyya"],
        ),
        (
            "Between Guam and the Virgin Islands, which had fewer total checks?",
            ["Guam", "the Virgin Islands"],
        ),
        (
            "Who holds more: the world's three richest people, or the lowest 48 nations?",
            ["the world's three richest people", "the lowest 48 nations"],
        ),
        (
            "In the early count, who held the lead, Odinga or Kibaki?",
            ["Odinga", "Kibaki"],
        ),
        ("Among rich countries, is life expectancy higher or lower?", ["higher", "lower"]),
        ("Do the sectors account for a bigger share of jobs or of GDP?", ["jobs", "GDP"]),
        # where the first alternative starts is not said: only its last word is sure
        ("Did the region do better under Spanish rule or British rule?", ["rule", "British rule"]),
    ],
)
def test_the_alternatives_a_question_offers(question, alternatives):
    assert question_alternatives(question) == alternatives


@pytest.mark.parametrize(
    "question",
    [
        "Who discovered polonium?",
        "Between 1888 and 1926, how much did his weight change?",  # "between" without a choice
        "Or what did the agency decide?",  # "or" with nothing before it to choose
        "What did the agency decide or?",
        "",
    ],
)
def test_questions_without_a_choice(question):
    assert question_alternatives(question) is None


def test_an_answer_names_an_alternative_when_its_words_are_the_alternatives():
    alternatives = ["the Georgia state line", "Miami"]
    assert names_alternative("Georgia state line", alternatives)  # part of it, at least half
    assert names_alternative("the Georgia state line", alternatives)
    assert names_alternative("Miami, Florida", alternatives)  # the alternative and a little more
    assert not names_alternative("state", alternatives)  # too small a part
    assert not names_alternative("about 340 miles north of Miami", alternatives)  # a statement, not a choice
    assert not names_alternative("Orlando", alternatives)
    assert not names_alternative("...", alternatives)
    assert not names_alternative("Miami", ["the", ""])  # alternatives of articles alone name nothing
