"""The reasoning-type label set and the rule-based question labeler.

Three reasoning types:

- **causal** — the answer is a cause, reason, purpose, effect or consequence: "Why ...?", "What led to X?",
  "What caused X?", "What was the consequence/result/effect of X?", "What made X possible?", "How did X affect Y?",
  "For what purpose ...?", "What happened as a result of X?".
- **comparative** — the answer comes from comparing or ranking two or more things: "Which came first, A or B?",
  "How does A differ from B?", "Is A larger than B?", "What is the largest/most ... ?", "What do A and B have in
  common?", "How many more ...?", "Compared with A, ...".
- **factual** — everything else: who/what/when/where/how-many look-ups of a stated fact.

The rules are applied in this order (first match wins):

1. Causal question forms (rule set ``CAUSAL_PATTERNS``). Causal wins over comparative because "Why is A larger
   than B?" asks for a reason.
2. Comparative question forms (``COMPARATIVE_PATTERNS``), including superlatives ("the largest", "the most",
   "the first ... to") and explicit alternatives ("..., A or B?").
3. Evidence from the context when it is known: if the answer span sits right after a causal connective
   ("because", "due to", "as a result of", ...) the question is causal; right after "than" it is comparative.
4. Otherwise factual.
"""

from __future__ import annotations

import re

# The label names are defined once, in the Hub-bound configuration (a saved model carries them in its config).
from .configuration_bert_qa_reasoning import DEFAULT_REASONING_LABELS as REASONING_LABELS

LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(REASONING_LABELS)}

_FLAGS = re.IGNORECASE

CAUSAL_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, _FLAGS)
    for p in (
        r"^\s*(?:and\s+|so\s+|but\s+)?why\b",
        r"\bhow come\b",
        r"\bwhat (?:was|were|is|are) (?:the )?(?:main |primary |major |chief |key |direct |underlying )?"
        r"(?:reasons?|causes?|motivations?|purposes?|consequences?|results?|effects?|impacts?|outcomes?|"
        r"explanations?|rationale|basis|grounds?)\b",
        r"\b(?:reasons?|causes?|motive|motivation|purpose|consequences?|effects?|impacts?|outcomes?)\s+(?:of|for|behind)\b",
        r"\bwhat (?:led|leads|lead|has led) to\b",
        r"\bwhat (?:caused|causes|cause|prompted|prompts|triggered|triggers|drove|drives|motivated|motivates|"
        r"forced|forces|allowed|allows|enabled|enables|made|makes|kept|keeps|brought about|gave rise to|"
        r"contributed to|contributes to|resulted in|results in|helped|inspired|influenced)\b",
        r"\b(?:led|leads|lead) to\b",
        r"\b(?:resulted|results|result) (?:in|from)\b",
        r"\bas a (?:result|consequence) of\b",
        r"\b(?:because|due to|owing to|on account of|thanks to)\b",
        r"\bwhat happens? (?:when|if|after|as a result)\b",
        r"\bwhat happened (?:when|if|after|as a result|because|to)\b",
        r"\bhow (?:did|does|do|has|have|can|could|would|will|might|is|was|were) .{1,80}?\b"
        r"(?:affect|affects|affected|influence|influenced|impact|impacted|cause|caused|lead|led|result|"
        r"contribute|contributed|change|changed|help|helped|prevent|prevented|enable|enabled)\b",
        r"\bfor what (?:reason|purpose)\b",
        r"\bin order to\b",
        r"\bwhat (?:is|was|are|were) .{1,60}? (?:used|designed|intended|needed|required|meant) (?:for|to)\b",
        r"\bwhat (?:is|was|are|were) the (?:point|goal|aim|objective) of\b",
        r"\bwhat did .{1,80}? (?:lead to|result in|cause|bring about)\b",
        r"\bwhy\b",
    )
)

_SUPERLATIVE_WORDS = (
    "most|least|best|worst|fewest|largest|smallest|biggest|highest|lowest|longest|shortest|oldest|youngest|"
    "newest|earliest|latest|greatest|farthest|furthest|nearest|closest|fastest|slowest|strongest|weakest|"
    "richest|poorest|heaviest|lightest|deepest|tallest|widest|hottest|coldest|warmest|wettest|driest|"
    "busiest|largest|densest|brightest|cheapest|simplest|easiest|hardest|smallest|first|last|only"
)

COMPARATIVE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, _FLAGS)
    for p in (
        r"\bthan\b",
        r"\bcompared? (?:to|with)\b|\bcomparison\b|\bin contrast (?:to|with)\b|\bcompare\b",
        r"\b(?:differ|differs|differed|difference|differences|different from|distinguish|distinguishes)\b",
        r"\b(?:similar|similarity|similarities|same as|alike|in common|resemble|resembles)\b",
        r"\b(?:versus|vs\.?)\b",
        r"\bwhereas\b|\bwhile\b.{1,60}\bwhile\b",
        r"\bwhich (?:came|comes|happened|occurred|was|is|were|are) (?:first|last|earlier|later|before|after)\b",
        r"\b(?:which|who|what)\b.{0,80},?\s+(?:the\s+)?[\w'\- ]{1,40}\s+or\s+(?:the\s+)?[\w'\- ]{1,40}\?\s*$",
        r"\bhow (?:much|many) (?:more|less|fewer|larger|smaller|bigger|higher|lower|longer|shorter|older|younger)\b",
        r"\b(?:more|less|fewer) \w+ than\b",
        r"\b(?:more|less|fewer|greater|larger|smaller|higher|lower|better|worse|older|younger|bigger|longer|"
        r"shorter|earlier|later)\b.{0,40}\b(?:or)\b",
        rf"\bthe (?:\w+ )?(?:{_SUPERLATIVE_WORDS})\b",
        r"\b(?:rank|ranked|ranks|ranking|outnumber|outnumbered|exceed|exceeded|exceeds|surpass|surpassed)\b",
        r"\b(?:increase|decrease|increased|decreased|grew|declined|rose|fell) (?:by|from)\b",
    )
)

# "the first" / "the only" / "the last" are only comparative when they rank ("the first X to do Y").
_WEAK_SUPERLATIVE = re.compile(r"\bthe (?:\w+ )?(?:first|last|only)\b", _FLAGS)
_STRONG_SUPERLATIVE = re.compile(
    rf"\bthe (?:\w+ )?(?:{_SUPERLATIVE_WORDS.replace('|first|last|only', '')})\b", _FLAGS
)
_RANKING_FIRST = re.compile(r"\bthe (?:\w+ )?(?:first|last|only) (?:\w+ ){0,3}(?:to|ever)\b", _FLAGS)

_CAUSAL_CONNECTIVE_BEFORE = re.compile(
    r"(?:because(?: of)?|due to|owing to|as a (?:result|consequence) of|caused by|thanks to|"
    r"in order to|so (?:as to|that)|led to|resulted in|leading to|resulting in)\W*(?:\w+\W+){0,2}$",
    _FLAGS,
)
_COMPARATIVE_BEFORE = re.compile(r"\b(?:than|compared (?:to|with)|whereas|unlike)\W*(?:\w+\W+){0,2}$", _FLAGS)


def _is_comparative(question: str) -> bool:
    for pattern in COMPARATIVE_PATTERNS:
        match = pattern.search(question)
        if not match:
            continue
        if pattern.pattern.startswith(r"\bthe (?:\w+ )?(?:most"):
            # a superlative: strong ones always rank; first/last/only only when they rank a group
            if _STRONG_SUPERLATIVE.search(question) or _RANKING_FIRST.search(question):
                return True
            if _WEAK_SUPERLATIVE.search(question):
                continue
        return True
    return False


def label_question(question: str, context: str | None = None, answer: dict | str | None = None) -> str:
    """Maps a question (and, when known, its context and answer) to a reasoning type.

    Args:
        question (`str`): The question text.
        context (`str`, *optional*): The passage the answer comes from.
        answer (`str` or `dict`, *optional*): The answer text, or a SQuAD answer dict with `text` and
            `answer_start` (lists are accepted; the first answer is used).

    Returns:
        `str`: one of `"factual"`, `"causal"`, `"comparative"` (see the module docstring for the rules).

    Raises:
        `ValueError`: if `question` is not a non-empty string.

    Example:
    ```python
    >>> label_question("What led to the fall of the Roman Republic?")
    'causal'
    >>> label_question("Which came first, the printing press or the telescope?")
    'comparative'
    >>> label_question("Who wrote Hamlet?")
    'factual'
    ```
    """
    if not isinstance(question, str) or not question.strip():
        raise ValueError(f"label_question needs a non-empty question string, got {question!r}.")
    q = " ".join(question.split())
    if any(p.search(q) for p in CAUSAL_PATTERNS):
        return "causal"
    if _is_comparative(q):
        return "comparative"
    if context:
        before = _text_before_answer(context, answer)
        if before is not None:
            if _CAUSAL_CONNECTIVE_BEFORE.search(before):
                return "causal"
            if _COMPARATIVE_BEFORE.search(before):
                return "comparative"
    return "factual"


def _text_before_answer(context: str, answer: dict | str | None) -> str | None:
    """The 60 characters of context just before the answer span, when it can be located."""
    if answer is None:
        return None
    if isinstance(answer, dict):
        texts, starts = answer.get("text"), answer.get("answer_start")
        if isinstance(texts, (list, tuple)):
            if not texts:
                return None
            texts, starts = texts[0], (starts[0] if isinstance(starts, (list, tuple)) and starts else None)
        if isinstance(starts, int) and starts >= 0:
            return context[max(0, starts - 60) : starts]
        answer = texts
    if not isinstance(answer, str) or not answer:
        return None
    start = context.find(answer)
    return None if start < 0 else context[max(0, start - 60) : start]


def label_to_id(label: str) -> int:
    """Class id of a reasoning label; raises `ValueError` naming the unknown label and the known ones."""
    try:
        return LABEL2ID[label]
    except KeyError:
        raise ValueError(
            f"Unknown reasoning label {label!r}; expected one of {list(REASONING_LABELS)}."
        ) from None


__all__ = [
    "COMPARATIVE_PATTERNS",
    "CAUSAL_PATTERNS",
    "LABEL2ID",
    "REASONING_LABELS",
    "label_question",
    "label_to_id",
]
