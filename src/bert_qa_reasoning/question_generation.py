"""Question generation from passages: every generated answer is an exact span of its passage.

Strategies:

- `main_idea` — the seed's toy: "What is the main idea of <source>, page <n>?" answered by the passage's first
  sentence (labelled factual).
- `patterns` — questions read off sentence patterns:
  causal ("X because Y", "X due to / as a result of Y", "X led to / caused / resulted in Y"),
  comparative ("X is <adj>-er / more <adj> than Y", "X ..., whereas Y", "the largest/most ... X"),
  factual (definitions "X is a Y", dates "in 1990", numbers "12,000 people").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .pdf_text import split_sentences

STRATEGIES = ("main_idea", "patterns")


@dataclass
class GeneratedQA:
    question: str
    answer_text: str
    answer_start: int  # offset in the passage
    reasoning_label: str


_AUX = r"(?:is|was|are|were|has been|have been|had been)"
_WORDS = r"[^,;:.!?]"

_CAUSE_AFTER = re.compile(
    rf"^(?P<effect>[A-Z]{_WORDS}{{10,160}}?),? (?P<conn>because of|because|due to|owing to|as a result of|thanks to) "
    rf"(?P<cause>{_WORDS}{{3,120}})[.;]?$"
)
_CAUSE_VERB = re.compile(
    rf"^(?P<cause>[A-Z]{_WORDS}{{3,100}}?) (?P<verb>led to|caused|resulted in|gave rise to|contributed to|triggered|"
    rf"brought about) (?P<effect>{_WORDS}{{3,140}})[.;]?$"
)
_COMPARATIVE = re.compile(
    rf"^(?P<a>[A-Z]{_WORDS}{{2,80}}?) (?P<aux>is|was|are|were) (?P<adj>(?:much |far |slightly )?(?:more|less) \w+|\w+er) "
    rf"than (?P<b>{_WORDS}{{2,120}})[.;]?$"
)
_SUPERLATIVE = re.compile(
    rf"^(?P<a>[A-Z]{_WORDS}{{2,80}}?) (?P<aux>is|was|are|were|became|remains) (?P<sup>the (?:\w+ )?(?:largest|"
    rf"smallest|biggest|highest|lowest|longest|shortest|oldest|youngest|earliest|greatest|most \w+|least \w+|"
    rf"first|fastest|richest|busiest)) (?P<rest>{_WORDS}{{2,120}})[.;]?$"
)
_DEFINITION = re.compile(
    rf"^(?P<x>(?:The |An? )?[A-Z][\w\-' ]{{1,60}}?) (?P<aux>is|was|are|were) (?P<y>(?:a|an|the|one of the) {_WORDS}{{3,140}})[.;]?$"
)
_YEAR = re.compile(r"\b(?:in|In|since|by|By) (?P<year>1[0-9]{3}|20[0-9]{2})\b")
_AUX_INVERT = re.compile(r"^(?P<subj>[A-Z][^,;:]{2,80}?) (?P<aux>was|were|is|are|had|has|have) (?P<rest>.+)$")


def _lower_first(text: str) -> str:
    # keep acronyms and proper nouns ("NASA", "Paris") capitalised
    if (
        len(text) > 1
        and text[0].isupper()
        and text[1].islower()
        and text.split()[0]
        in {
            "The",
            "A",
            "An",
            "This",
            "These",
            "Those",
            "It",
            "Its",
            "Their",
            "His",
            "Her",
            "Our",
            "Some",
            "Many",
            "Most",
            "He",
            "She",
            "They",
            "We",
            "There",
            "In",
            "On",
            "At",
            "After",
            "Before",
            "During",
        }
    ):
        return text[0].lower() + text[1:]
    return text


_PRONOUNS = {"this", "that", "these", "those", "it", "they", "he", "she", "we", "i", "which", "who", "there"}


def _is_pronoun(text: str) -> bool:
    return text.lower() in _PRONOUNS


def _strip_end(text: str) -> str:
    return text.strip().rstrip(".;,").strip()


def _span(passage: str, sentence_start: int, match: re.Match[str], group: str) -> tuple[str, int]:
    start, end = match.span(group)
    text = match.group(group)
    # trim trailing punctuation/space but keep the span exact
    while text and text[-1] in " .;,":
        text = text[:-1]
        end -= 1
    while text and text[0] == " ":
        text = text[1:]
        start += 1
    return text, sentence_start + start


def questions_from_sentence(passage: str, start: int, end: int) -> Iterator[GeneratedQA]:
    """Pattern questions for the sentence `passage[start:end]`."""
    sentence = passage[start:end]
    if len(sentence) < 20 or "\n" in sentence:
        return
    if m := _CAUSE_AFTER.match(sentence):
        text, pos = _span(passage, start, m, "cause")
        if len(text.split()) >= 2:
            yield GeneratedQA(f"Why {_invert(_strip_end(m.group('effect')))}?", text, pos, "causal")
    if m := _CAUSE_VERB.match(sentence):
        text, pos = _span(passage, start, m, "cause")
        if len(text.split()) <= 12 and not _is_pronoun(text):
            yield GeneratedQA(f"What {m.group('verb')} {_strip_end(m.group('effect'))}?", text, pos, "causal")
    if m := _COMPARATIVE.match(sentence):
        text, pos = _span(passage, start, m, "a")
        if len(text.split()) <= 10 and not _is_pronoun(text):
            yield GeneratedQA(
                f"What {m.group('aux')} {m.group('adj')} than {_strip_end(m.group('b'))}?",
                text,
                pos,
                "comparative",
            )
    if m := _SUPERLATIVE.match(sentence):
        text, pos = _span(passage, start, m, "a")
        if len(text.split()) <= 10 and not _is_pronoun(text):
            yield GeneratedQA(
                f"What {m.group('aux')} {m.group('sup')} {_strip_end(m.group('rest'))}?",
                text,
                pos,
                "comparative",
            )
    if (m := _DEFINITION.match(sentence)) and not m.group("x").startswith(("There ", "It ", "This ")):
        text, pos = _span(passage, start, m, "y")
        if 1 <= len(text.split()) <= 25:
            yield GeneratedQA(
                f"What {m.group('aux')} {_lower_first(m.group('x').strip())}?", text, pos, "factual"
            )
    for m in _YEAR.finditer(sentence):
        clause = (sentence[: m.start()] + sentence[m.end() :]).strip().rstrip(".;")
        clause = re.sub(r"\s+,", ",", re.sub(r"\s{2,}", " ", clause)).strip(" ,")
        inverted = _invert(clause, require=True)
        if inverted and len(inverted.split()) <= 25:
            yield GeneratedQA(
                f"In what year {inverted}?", m.group("year"), start + m.start("year"), "factual"
            )
        break


def _invert(clause: str, require: bool = False) -> str:
    """'The city was founded' -> 'was the city founded'; leaves other clauses as they are (unless `require`)."""
    m = _AUX_INVERT.match(clause)
    if not m or len(m.group("subj").split()) > 8 or m.group("subj").split()[0] in ("There", "It", "This"):
        return "" if require else _lower_first(clause)
    return f"{m.group('aux')} {_lower_first(m.group('subj'))} {m.group('rest')}"


def generate_questions(
    passage: str, source: str, page: int, strategies: tuple[str, ...] = STRATEGIES
) -> list[GeneratedQA]:
    """All questions the chosen strategies produce for a passage; raises `ValueError` for an unknown strategy."""
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"Unknown question strategy {unknown}; choose from {list(STRATEGIES)}.")
    spans = split_sentences(passage)
    out: list[GeneratedQA] = []
    if "main_idea" in strategies and spans:
        s, e = spans[0]
        out.append(
            GeneratedQA(f"What is the main idea of {source}, page {page}?", passage[s:e], s, "factual")
        )
    if "patterns" in strategies:
        seen: set[str] = set()
        for s, e in spans:
            for qa in questions_from_sentence(passage, s, e):
                if qa.question not in seen:
                    seen.add(qa.question)
                    out.append(qa)
    for qa in out:  # the invariant every consumer relies on
        assert passage[qa.answer_start : qa.answer_start + len(qa.answer_text)] == qa.answer_text
    return out


__all__ = ["GeneratedQA", "STRATEGIES", "generate_questions", "questions_from_sentence"]
