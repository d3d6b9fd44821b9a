"""Question generation from passages: every generated answer is an exact span of its passage.

Strategies:

- `main_idea` — the seed's toy: "What is the main idea of <source>, page <n>?" answered by the passage's first
  sentence (labelled factual).
- `patterns` — questions read off sentence patterns:
  causal ("X because Y", "X due to / as a result of Y", "X led to / caused / resulted in Y"),
  comparative ("X is <adj>-er / more <adj> than Y", "X ..., whereas Y", "the largest/most ... X"),
  factual (definitions "X is a Y", dates "in 1990").

Questions are made grammatical by inverting the clause they come from: "the city was founded" -> "was the city
founded", or with do-support from a verb's lemma (LemmInflect): "the river flooded" -> "did the river flood". A
clause that cannot be inverted safely (no recognisable finite verb, a pronoun or prepositional phrase as subject, a
relative clause in the subject) gives no question rather than a broken one.
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
# "in 1990" only: "by 1990" or "since 1990" do not date the event itself.
_YEAR = re.compile(r"\b(?:in|In) (?P<year>1[0-9]{3}|20[0-9]{2})\b(?![-–/'’])")
_CITATION = re.compile(r"\s*\[[^\]]{1,40}\]")


_LOWER_FIRST_WORDS = {
    "The", "A", "An", "This", "These", "Those", "It", "Its", "Their", "His", "Her", "Our", "Some", "Many", "Most",
    "He", "She", "They", "We", "There", "In", "On", "At", "After", "Before", "During", "Each", "Every", "All",
    "Both", "Several", "Few", "Other", "Such", "No",
}  # fmt: skip


def _lower_first(text: str) -> str:
    """Lower-cases a sentence-initial word that is not part of a name: function words ("The city" -> "the city")
    and common nouns, adjectives, adverbs or gerunds followed by a lower-case word ("Competition amongst" ->
    "competition amongst", but "Hurricane Floyd" stays)."""
    from lemminflect import getAllLemmas

    first, _, rest = text.partition(" ")
    common = (
        first[:1].isupper()
        and first[1:].islower()
        and rest[:1].islower()
        and any(getAllLemmas(first.lower(), upos=pos) for pos in ("NOUN", "ADJ", "ADV", "VERB"))
    )
    if first in _LOWER_FIRST_WORDS or common:
        return first.lower() + text[len(first) :]
    return text


# A subject that starts with one of these is not a noun phrase we can move ("Among the cities ...", "When a ...")
# or only makes sense in context ("He", "It", "Another cause").
_BAD_SUBJECT_START = {
    "there", "it", "this", "that", "these", "those", "he", "she", "they", "we", "i", "you", "which", "who", "what",
    "another", "one", "other", "others", "such", "among", "amongst", "from", "inside", "outside", "in", "on", "at",
    "for", "with", "by", "during", "after", "before", "when", "while", "whereas", "although", "though", "if", "as",
    "since", "because", "despite", "of", "to", "under", "over", "within", "between", "starting", "following",
    "according", "unlike", "like", "however", "also", "then", "thus", "here", "now", "but", "and", "or", "so",
    "yet", "both", "either", "neither", "each", "most", "many", "some", "all",
}  # fmt: skip
_SUBJECT_BREAKERS = {"that", "which", "who", "whom", "whose", "where", "when", "and", "but", "or"}
_BE_AND_MODALS = {
    "is",
    "was",
    "are",
    "were",
    "can",
    "could",
    "will",
    "would",
    "should",
    "may",
    "might",
    "must",
}
_PERFECT = {"has", "have", "had"}


_DANGLING = {
    "the",
    "a",
    "an",
    "its",
    "their",
    "his",
    "her",
    "our",
    "this",
    "that",
    "these",
    "those",
    "of",
    "in",
    "to",
}


def _subject_ok(words: list[str]) -> bool:
    if not 1 <= len(words) <= 9:
        return False
    if words[0].lower().strip("\"'(") in _BAD_SUBJECT_START or words[-1].lower() in _DANGLING:
        return False
    return not any(w.lower() in _SUBJECT_BREAKERS or w.endswith((",", ";", ":")) or "(" in w for w in words)


def _verb_lemmas(word: str) -> tuple[str, ...]:
    from lemminflect import getAllLemmas

    return getAllLemmas(word, upos="VERB").get("VERB", ())


def _inflects_as(word: str, tag: str) -> str | None:
    """The verb lemma of `word` when `word` is that lemma's `tag` form (VBD, VBZ, VBN), else None."""
    from lemminflect import getInflection

    if not word.isalpha() or not word.islower():
        return None
    for lemma in _verb_lemmas(word):
        if lemma != word and word in getInflection(lemma, tag=tag):
            return lemma
    return None


def _second_predicate(rest: list[str]) -> bool:
    """True when the words after the verb hold another predicate ("... and became", "..., but he died", "..., which
    gave way", "... were ranked"): the verb found first was then a participle or one of two clauses' verbs, and
    inverting it breaks the question."""
    clause_break = False
    for word in rest:
        if word in _BE_AND_MODALS:
            return True
        if clause_break and (_inflects_as(word, "VBD") or _inflects_as(word, "VBZ")):
            return True
        clause_break = clause_break or word in ("and", "but", "or", "which", "who", "while", "whereas")
        clause_break = clause_break or word.endswith(",")
    return False


def _is_noun(word: str) -> bool:
    from lemminflect import getAllLemmas

    return bool(getAllLemmas(word, upos="NOUN"))


def _bare_verb(word: str) -> bool:
    """A base-form verb that is not also a noun or adjective ("include"): after a main verb it means we misread."""
    from lemminflect import getAllLemmas

    return (
        word.isalpha()
        and word.islower()
        and word in _verb_lemmas(word)
        and not _is_noun(word)
        and not getAllLemmas(word, upos="ADJ")
    )


def _question_body(clause: str, passive_only: bool = False) -> str:
    """Inverts a declarative clause for a wh-question, or returns "" when that cannot be done safely.

    "The city was founded by X" -> "was the city founded by X"; "The river flooded" -> "did the river flood";
    "Competition tends to lower wages" -> "does competition tend to lower wages". With `passive_only`, a form of
    "be" must be followed by a participle ("was founded", not "was the capital"): what a date question needs.
    """
    words = clause.split()
    for i in range(1, min(len(words), 10)):
        word, subject, rest = words[i], words[:i], words[i + 1 :]
        after = rest[0] if rest else ""
        perfect = word in _PERFECT and after and _inflects_as(after, "VBN")
        if word in _BE_AND_MODALS or perfect:
            if not _subject_ok(subject) or not rest or _second_predicate(rest) or (passive_only and perfect):
                return ""
            if (
                passive_only
                and word in _BE_AND_MODALS
                and not (
                    _inflects_as(after, "VBN")
                    or after == "been"
                    or (after.endswith("ed") and after.isalpha())
                )
            ):
                return ""
            return " ".join([word, _lower_first(" ".join(subject)), *rest])
        for tag, do in (("VBD", "did"), ("VBZ", "does")):
            lemma = _inflects_as(word, tag)
            if lemma and len(subject) == 1 and _is_noun(word):
                return ""  # "Private schools prefer": one-word subject, "schools" is the noun it modifies
            if lemma and after not in ("by", "on", "as"):  # "founded by": a participle phrase, not the verb
                if not _subject_ok(subject) or _second_predicate(rest) or _bare_verb(after):
                    return ""
                return " ".join([do, _lower_first(" ".join(subject)), lemma, *rest])
    return ""


_PERSON_NOUNS = {
    "person", "man", "woman", "player", "quarterback", "coach", "president", "king", "queen", "emperor", "khan",
    "writer", "author", "poet", "scientist", "actor", "actress", "singer", "leader", "general", "founder", "ruler",
    "chief", "minister", "architect", "painter", "composer", "director", "inventor", "explorer", "mathematician",
    "physicist", "chemist", "philosopher", "doctor", "officer", "captain", "pope", "bishop", "senator", "governor",
    "mayor", "champion", "winner", "athlete", "pilot", "astronaut", "engineer", "economist",
}  # fmt: skip


def _wh(answer: str, predicate: str) -> str:
    """ "Who" when the answer reads as a name (capitalised words, no article) and the predicate names a person's
    role ("the first quarterback"); "What" otherwise."""
    words = answer.split()
    name = 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and words[0] not in ("The", "A", "An")
    role = any(w.lower().strip(",.") in _PERSON_NOUNS for w in predicate.split())
    return "Who" if name and role else "What"


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
        body = _question_body(_strip_end(m.group("effect")))
        if len(text.split()) >= 2 and body and not body.split()[-1].endswith("ly"):
            yield GeneratedQA(f"Why {body}?", text, pos, "causal")
    if m := _CAUSE_VERB.match(sentence):
        text, pos = _span(passage, start, m, "cause")
        if len(text.split()) <= 12 and _subject_ok(text.split()):
            yield GeneratedQA(f"What {m.group('verb')} {_strip_end(m.group('effect'))}?", text, pos, "causal")
    if m := _COMPARATIVE.match(sentence):
        text, pos = _span(passage, start, m, "a")
        if len(text.split()) <= 10 and _subject_ok(text.split()):
            yield GeneratedQA(
                f"{_wh(text, m.group('b'))} {m.group('aux')} {m.group('adj')} than {_strip_end(m.group('b'))}?",
                text,
                pos,
                "comparative",
            )
    if m := _SUPERLATIVE.match(sentence):
        text, pos = _span(passage, start, m, "a")
        elliptic = m.group("rest").split()[0] in (
            "in",
            "of",
            "and",
            "to",
            "among",
            "on",
            "at",
        )  # "the largest in"
        if len(text.split()) <= 10 and _subject_ok(text.split()) and not elliptic:
            yield GeneratedQA(
                f"{_wh(text, m.group('sup') + ' ' + m.group('rest'))} {m.group('aux')} {m.group('sup')} {_strip_end(m.group('rest'))}?",
                text,
                pos,
                "comparative",
            )
    definition = _DEFINITION.match(sentence)
    if (
        (m := definition)
        and _subject_ok(m.group("x").split())
        and not _BE_AND_MODALS & set(m.group("x").split())
    ):
        text, pos = _span(passage, start, m, "y")
        if 1 <= len(text.split()) <= 25:
            yield GeneratedQA(
                f"What {m.group('aux')} {_lower_first(m.group('x').strip())}?", text, pos, "factual"
            )
    for m in _YEAR.finditer(sentence):
        if "," in " ".join(sentence[: m.start()].split()[-3:]):
            break  # "..., written in 1303": the year dates a modifier, not the clause
        clause = (sentence[: m.start()] + sentence[m.end() :]).strip().rstrip(".;")
        clause = re.sub(r"\s+,", ",", re.sub(r"\s{2,}", " ", clause)).strip(" ,")
        inverted = _question_body(clause, passive_only=True)
        if inverted and len(inverted.split()) <= 20:
            yield GeneratedQA(
                f"In what year {inverted}?", m.group("year"), start + m.start("year"), "factual"
            )
        break


def _tidy(question: str) -> str:
    """Drops citation marks ("[note 2]") and stray spaces or punctuation before the question mark."""
    question = _CITATION.sub("", question)
    question = re.sub(r"\s+([?.,;:])", r"\1", question)
    question = re.sub(r"[.,;:]+\?$", "?", question)
    return re.sub(r"\s{2,}", " ", question)


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
                qa.question = _tidy(qa.question)
                if qa.question not in seen:
                    seen.add(qa.question)
                    out.append(qa)
    for qa in out:  # the invariant every consumer relies on
        assert passage[qa.answer_start : qa.answer_start + len(qa.answer_text)] == qa.answer_text
    return out


__all__ = ["GeneratedQA", "STRATEGIES", "generate_questions", "questions_from_sentence"]
