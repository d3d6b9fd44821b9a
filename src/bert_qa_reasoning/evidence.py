"""The evidence behind a reasoning label: the passage sentence that holds an answer, and the cue in it.

For an answer span of a passage this finds the sentence around it and, for causal and comparative answers, the
words in that sentence that signal the relation ("because of", "led to", "larger than", "the oldest", ...). The
pipeline returns it as `reasoning_evidence`, so a reader can check why an answer is called causal or comparative.

This file travels to the Hub with saved models: it imports only the standard library.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "no", "fig", "figs",
    "vol", "pp", "p", "ca", "approx", "dept", "inc", "ltd", "co", "corp", "gen", "col", "lt", "sgt", "capt",
    "gov", "sen", "rep", "u.s", "u.k", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "al",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+|$)")


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


# Cues come in two tiers: explicit relation words, and weaker ones (a purpose "to", "after", "but") that are only
# taken when a sentence has no explicit one.
CAUSAL_CUES = _words(
    r"because(?:\s+of)?|due\s+to|owing\s+to|thanks\s+to|on\s+account\s+of|as\s+(?:a|the)\s+(?:direct\s+)?"
    r"(?:result|consequence)(?:\s+of)?|the\s+result\s+of|in\s+order\s+to|so\s+(?:as\s+to|that)|"
    r"for\s+the\s+purpose\s+of|in\s+exchange\s+for|in\s+response\s+to|(?:led|leads?|leading)\s+(?:\w+\s+)?to|"
    r"result(?:ed|s|ing)?\s+(?:in|from)|caused?\s+by|caus(?:e|es|ed|ing)|stemm(?:ed|ing)\s+from|stems\s+from|"
    r"derived\s+from|attribut(?:ed|es)\s+\w*\s*to|blam(?:ed|es|ing)|based\s+on|therefore|thus|hence|"
    r"consequently|accordingly|prompt(?:ed|s|ing)?|trigger(?:ed|s|ing)?|provok(?:ed|es|ing)|forc(?:ed|es|ing)|"
    r"coerc(?:ed|es|ing)|allow(?:ed|s|ing)?|enabl(?:ed|es|ing)|made\s+(?:it\s+)?possible|"
    r"contribut(?:ed|es|ing)\s+to|help(?:s|ed|ing)?|encourag(?:ed|es|ing)|requir(?:ed|es|ing)|"
    r"(?:is|are|was|were|be|been|being)\s+used\s+(?:for|to|in|as)|used\s+(?:to|for)|meant\s+to|"
    r"designed\s+to|intended\s+to|responsible\s+for|affect(?:ed|s|ing)?|influenc(?:e|ed|es|ing)|"
    r"impact(?:ed|s)?|effects?\s+of|chang(?:ed|es|ing)|earn(?:ed|s)|reasons?|motivat(?:ed|es|ion)|"
    r"believing\s+that|knowing\s+that|dissatisfied\s+(?:by|with)|unless|since"
)
WEAK_CAUSAL_CUES = _words(
    r"to\s+(?:\w+)|after|following|through|by\s+\w+ing|as|so|with|for|when|if|gave|made|makes"
)
_SUPERLATIVES = (
    "most|least|best|worst|fewest|largest|smallest|biggest|highest|lowest|longest|shortest|oldest|youngest|"
    "eldest|newest|earliest|latest|greatest|farthest|furthest|nearest|closest|fastest|slowest|strongest|weakest|"
    "richest|poorest|heaviest|lightest|deepest|tallest|widest|hottest|coldest|warmest|wettest|driest|busiest|"
    "densest|brightest|cheapest|simplest|easiest|hardest|first|last|only"
)
_COMPARATIVES = (
    "more|less|fewer|greater|larger|smaller|higher|lower|better|worse|older|younger|bigger|longer|shorter|"
    "earlier|later|faster|slower|wider|narrower|heavier|lighter|richer|poorer|closer|nearer|farther|further|"
    "stronger|weaker|cheaper|deeper|taller|warmer|colder|hotter|newer|busier|denser"
)
COMPARATIVE_CUES = _words(
    rf"(?:{_COMPARATIVES})\s+(?:\w+\s+){{0,3}}?than|than|(?:the\s+)?(?:\w+-)?(?:{_SUPERLATIVES})|"
    r"(?:second|third|fourth|fifth)(?:[- ](?:only|\w+est))?|ranked\s+\w+|twice(?:\s+as)?|"
    r"(?:one|two|three)-(?:half|third|quarter|fifth|eighth|tenth)s?|unlike|(?:a|in)\s+like\s+manner|like|alike|"
    r"whereas|compared\s+(?:to|with)|in\s+comparison\s+(?:to|with)|in\s+contrast(?:\s+to|\s+with)?|"
    r"by\s+contrast|as\s+opposed\s+to|similar(?:ly)?(?:\s+to)?|the\s+same(?:\s+as)?|in\s+common|equal(?:ly)?|"
    r"differ(?:s|ed|ence|ences|ent)?(?:\s+from)?|distinct(?:ion)?(?:\s+from)?|distinguish(?:es|ed)?|"
    r"deviat(?:es|ed)\s+from|both|neither|instead(?:\s+of)?|rather\s+than|in\s+place\s+of|followed\s+by|"
    r"preced(?:ed|es|ing)|predat(?:ed|es|ing)|succeed(?:ed|s)|overtak(?:en|es)|outnumber(?:ed|s|ing)?|"
    r"out\w+ed|exceed(?:ed|s)?|surpass(?:ed|es)?|beat(?:ing)?\s+out|rival(?:led|s)?|"
    r"(?:increas|decreas|reduc|declin)(?:ed|es|ing)|not\s+as|as\s+(?:much|many|well)\s+as|"
    rf"{_COMPARATIVES}"
)
WEAK_COMPARATIVE_CUES = _words(r"however|but|although|while|respectively|before|after|also|whilst|yet")
CUES = {"causal": (CAUSAL_CUES, WEAK_CAUSAL_CUES), "comparative": (COMPARATIVE_CUES, WEAK_COMPARATIVE_CUES)}


def _lowercase_form(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same cue pattern for lower-cased text, case-sensitive and anchored at word starts: the same matches,
    five to eight times faster (every alternative starts with a word character, so `\b` there is a word start;
    checked on all SQuAD paragraphs)."""
    inner = pattern.pattern[len(r"\b(?:") : -len(r")\b")]
    return re.compile(rf"(?<!\w)(?=\w)(?:{inner})\b")


_LOWERCASE_CUES = {name: tuple(_lowercase_form(p) for p in tiers) for name, tiers in CUES.items()}


_NEXT_CHARACTER = re.compile(r"\s*(\S)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of `text` (a full stop after a known abbreviation, an initial or inside a
    number does not end one). Every character of `text` belongs to exactly one span."""
    return list(_sentence_spans(text))


@lru_cache(maxsize=4096)  # a passage's answers share its sentences: split each passage once
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        word = re.search(r"([\w.]+)[.!?]*[\"')\]]*$", text[start:end])
        token = word.group(1).lower().rstrip(".") if word else ""
        if match.group().startswith(".") and (token in _ABBREVIATIONS or len(token) == 1):
            continue
        following = _NEXT_CHARACTER.match(text, end)
        if following and following.group(1).islower():  # "e.g. the", "approx. one": no new sentence
            continue
        spans.append((start, end))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    return tuple(spans or [(0, len(text))])


def answer_sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the sentence(s) of `text` that hold the answer `text[start:end]`, without outer white space."""
    spans = _sentence_spans(text)
    first = next((s for s, e in spans if s <= start < e), spans[0][0])
    last = next((e for s, e in spans if s < max(end, start + 1) <= e), spans[-1][1])
    while first < last and text[first].isspace():
        first += 1
    while last > first and text[last - 1].isspace():
        last -= 1
    return first, last


def find_cue(
    text: str, sentence: tuple[int, int], answer: tuple[int, int], reasoning: str
) -> dict[str, Any] | None:
    """The cue of `reasoning` in `text[sentence[0]:sentence[1]]` closest to the answer span, or None.

    Explicit cues ("because of", "larger than") are looked for first, weak ones ("to", "after", "but") only when the
    sentence has none. A cue that overlaps the answer counts (an answer "larger than Lyon" carries its own cue);
    among several the nearest to the answer wins, the earlier one on ties.
    """
    haystack, tiers = text.lower(), _LOWERCASE_CUES.get(reasoning, ())
    if len(haystack) != len(text):  # lower-casing moved the offsets ("İ" lowers to two characters)
        haystack, tiers = text, CUES.get(reasoning, ())
    for pattern in tiers:
        best, best_distance = None, None
        for match in pattern.finditer(haystack, *sentence):
            start, end = match.start(), match.end()
            if start < answer[1] and answer[0] < end:
                distance = 0
            else:
                distance = min(abs(start - answer[1]), abs(answer[0] - end))
            if best is None or distance < best_distance:
                best, best_distance = (start, end), distance
        if best is not None:
            return {"text": text[best[0] : best[1]], "start": best[0], "end": best[1]}
    return None


def reasoning_evidence(text: str, start: int, end: int, reasoning: str) -> dict[str, Any]:
    """What makes an answer `text[start:end]` of type `reasoning`.

    Args:
        text (`str`): the passage.
        start, end (`int`): the answer's character offsets in `text`.
        reasoning (`str`): the answer's reasoning type (`factual`, `causal`, `comparative`).

    Returns:
        `dict` with `sentence` (`{"text", "start", "end"}`, offsets in `text`) and `cue` (the same form, for causal
        and comparative answers; `None` when no cue is found or the answer is factual).
    """
    s0, s1 = answer_sentence(text, start, end)
    return {
        "sentence": {"text": text[s0:s1], "start": s0, "end": s1},
        "cue": find_cue(text, (s0, s1), (start, end), reasoning),
    }


__all__ = [
    "CAUSAL_CUES",
    "COMPARATIVE_CUES",
    "answer_sentence",
    "find_cue",
    "reasoning_evidence",
    "sentence_spans",
]
