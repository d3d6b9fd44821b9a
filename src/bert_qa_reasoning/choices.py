"""Questions that offer a choice: "Which is taller, the Wells Fargo Center or the Bank of America Tower?".

The answer to such a question is one of the alternatives it names. A reader trained on SQuAD has learnt that answers
are rarely words of the question, and so often answers with neither alternative ("constructed in 1990 as the Barnett
Center"). This module finds the alternatives a question offers (`question_alternatives`) and tells whether a
candidate answer names one of them (`names_alternative`); the pipeline then prefers, among the reader's own
candidates, those that do (`CHOICE_BONUS` of `pipeline_qa_with_reasoning`). Which alternative wins stays the
reader's decision.

This file travels to the Hub with saved models: standard library only.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

# A preposition that opens the second alternative opens the first too: "nearer to the state line or to Miami".
_PREPOSITIONS = {
    "to", "in", "under", "by", "with", "at", "on", "for", "from", "of", "than", "as", "into", "during",
    "before", "after",
}  # fmt: skip
# Words that open the question's own part of a clause ("Which is taller", "who held the lead"), not an alternative.
_QUESTION_WORDS = {
    "which", "who", "whom", "whose", "what", "where", "when", "why", "how", "is", "are", "was", "were", "do",
    "does", "did", "can", "could", "should", "would", "will", "shall", "has", "have", "had", "may", "might", "must",
}  # fmt: skip
# A question offers a choice when it opens with one of these ("Is A nearer to B or to C?"), when the choice follows a
# break ("What did they prefer, tea or coffee?", "...: A or B"), or when it asks "which", "who" or "whose" and the
# alternatives end it.
_AUXILIARIES = {
    "is", "are", "was", "were", "do", "does", "did", "can", "could", "should", "would", "will", "has", "have", "had",
}  # fmt: skip
_ASKS_WHICH = re.compile(r"(?i)\b(?:which|who|whom|whose)\b")
# "or" before these is no choice: "prime or not", "less than or equal to", "3 or more numbers", "later or sooner".
_NOT_AN_ALTERNATIVE = {"not", "equal", "more", "less", "fewer", "so", "other", "others", "otherwise", "later"}
# What may end the clause that holds the choice: "...: A or B", "A or B — which ...?"
_CLAUSE_BREAK = re.compile(r"\s*(?:[:;—–]|\s-\s)\s*")
_BETWEEN = re.compile(r"(?i)^between (.+?) and (.+?), (?:which|who|whose)\b")
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation) | {"‘", "’", "“", "”", "—", "–"}
# A list of alternatives ("Sunni, Shia or Ahmadiyya") holds items this short.
_MAX_ITEM_WORDS = 4
# A clause of its own before "or" ("...: the world's three richest people, or ...") is an alternative this short.
_MAX_CLAUSE_WORDS = 8


def _words(text: str) -> set[str]:
    """The words of `text` as SQuAD's evaluation compares them: lower case, no punctuation, no articles."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return set(_ARTICLES.sub(" ", text).split())


def question_alternatives(question: str) -> list[str] | None:
    """The alternatives a question offers, or None when it offers none.

    Examples:
        "Which is taller, the Wells Fargo Center or the Bank of America Tower?" -> ["the Wells Fargo Center", "the
        Bank of America Tower"]; "Is Jacksonville nearer to the Georgia state line or to Miami?" -> ["the Georgia
        state line", "Miami"]; "Sunni, Shia or Ahmadiyya — which group is largest?" -> ["Sunni", "Shia",
        "Ahmadiyya"]; "Between Guam and the Virgin Islands, which had fewer checks?" -> ["Guam", "the Virgin
        Islands"].

    Where the question does not say where the first alternative starts ("Did the region fare better under the
    Spanish or the British?"), only its last word is taken: a candidate still names it when it holds that word.
    """
    q = question.strip().rstrip("?").strip()
    between = _BETWEEN.match(q)
    if between:
        return [between.group(1), between.group(2)]
    if not q:
        return None
    opens_with_auxiliary = q.split()[0].lower() in _AUXILIARIES
    asks_which = _ASKS_WHICH.search(q) is not None
    for n, clause in enumerate(_CLAUSE_BREAK.split(q)):
        words = clause.split()
        ors = [i for i, w in enumerate(words) if w.lower() == "or"]
        if not ors or ors[-1] == 0 or ors[-1] == len(words) - 1:
            continue
        i = ors[-1]
        right = " ".join(words[i + 1 :])
        left = " ".join(words[:i]).rstrip(",")
        first = right.split()[0].lower()
        if "," in right or first.strip(",") in _NOT_AN_ALTERNATIVE or len(right.split()) > _MAX_CLAUSE_WORDS:
            continue  # "a=3,6 or 9, how many ...", "prime or not", "or ... is an example of what kind of ...?"
        parts = [p.strip() for p in left.split(",")]
        if len(parts) == 1 and n > 0 and len(words[:i]) <= _MAX_CLAUSE_WORDS:
            return [left, right]  # "...: A or B"
        # the parts after the question's own ("Which is taller, A or B", "A, B or C — which ...")
        items = []
        for part in reversed(parts if first not in _PREPOSITIONS else []):
            if not part or part.split()[0].lower() in _QUESTION_WORDS:
                break
            items.insert(0, part)
        if len(parts) == 1 and items and len(items[0].split()) > _MAX_ITEM_WORDS:
            items = []  # a whole question without a break, not an alternative
        if len(items) > 1 and all(len(p.split()) <= _MAX_ITEM_WORDS for p in items):
            return [*items, right]
        if items:
            return [items[-1], right]
        yes_no = (
            opens_with_auxiliary or (parts[-1].split() or [""])[0].lower() in _AUXILIARIES
        )  # "Among X, is A or B"
        if n == 0 and not yes_no and not (asks_which and len(right.split()) <= _MAX_ITEM_WORDS):
            # no break before the choice: a "which" or "who" question whose alternatives end it ("Which is older
            # the British Empire or the Ethiopian Empire?"), not one that names two things on the way ("Who
            # decides how land or property is used?", "What can 2D or 3D crystals reach?")
            continue
        left_words = parts[-1].split()
        if not left_words:
            continue
        if first in _PREPOSITIONS:  # "nearer to A or to B"
            at = [k for k, w in enumerate(left_words) if w.lower() == first]
            if at and at[-1] + 1 < len(left_words):
                return [" ".join(left_words[at[-1] + 1 :]), " ".join(right.split()[1:])]
        return [left_words[-1], right]
    return None


def names_alternative(answer: str, alternatives: Sequence[str]) -> bool:
    """Whether a candidate answer names one of the alternatives: its words are all of one alternative's, and at least
    half of them ("Georgia state line" for "the Georgia state line", "the UK" for "the UK"), or it is the alternative
    and a few words about it (no more words than twice the alternative's)."""
    words = _words(answer)
    if not words:
        return False
    for alternative in alternatives:
        alt = _words(alternative)
        if not alt:
            continue
        if words <= alt and 2 * len(words) >= len(alt):
            return True
        if alt <= words and len(words) <= 2 * len(alt):
            return True
    return False


__all__ = ["names_alternative", "question_alternatives"]
