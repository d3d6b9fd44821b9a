"""The reasoning-type label set and the rule-based question labeler.

Three reasoning types:

- **causal** — the answer is a cause, reason, purpose, mechanism or means, a condition that brings something
  about, or an effect or consequence: "Why ...?", "What led to X?", "What caused X?", "What made X possible?",
  "What allowed / prompted / drove X to ...?", "How did X affect Y?", "How did X manage to ...?", "In what way did
  X hurt Y?", "What was X used / built / meant for?", "For what purpose ...?", "What did X lead to?", "What came of
  X?", "Under what conditions ...?".
- **comparative** — the answer comes from comparing or ranking two or more things the passage compares: "Which
  came first, A or B?", "How does A differ from B?", "What do A and B have in common?", "Which had more ...?",
  "Unlike A, what did B ...?", "Instead of A, ...?", "Of the two, which ...?", "How much taller is A than B?",
  "Where does X rank among ...?", "What is the largest X?".
- **factual** — everything else: who/what/when/where/how-many look-ups of a stated fact, including look-alikes
  ("Who was the first president of X?", "What is the name of the effect ...?", "What is the Cause, a charity,
  called?").

Only the question part of the text is read: when a question opens with a statement ("Tesla said it could not be
stolen. What was his reasoning?", "X settled in A rather than B - what forced that choice?") the rules look at
what follows the last sentence break. The rule families are tried in this order (first match wins):

1. Strong causal forms: "why", "how come", explicit reason/purpose phrases ("for what reason/purpose", "to what
   end", "with what aim", "on what grounds/basis", "because of / due to / thanks to what"), "what led to", and
   "how did X come to / end up / manage to ...". Then "cause" used as a verb ("What caused X?", "What did X
   cause?"), except in a question that asks for a name. These win over comparative cues: "Why is A larger than
   B?" asks for a reason.
2. Strong comparative forms: an explicit choice between alternatives ("..., A or B?", "A or B: which ...?", "Did
   A or B ...?", "Between A and B, which ...?", "Of the two ..., which ...?"); comparison words ("compared
   with", "in contrast to", "unlike", "rather than", "instead", "relative to", "measure up / stack up", "differ",
   "distinguish", "set apart", "stand out", "in common", "similar", "the same as", "as X as", "share", "like
   X, ...", "X, but what ...?", "while A ..., what ...?", "X that Y lacks", "than Y did?"); ranking and order
   ("rank", "where does X place / stand among", "came before / after", "ahead of", "exceed", "overtake",
   "predate", "outnumber"); amounts of difference ("by how much", "by what factor", "how many times more", "how
   much taller"); and a question word that picks among candidates with a comparative or a superlative predicate
   ("Who was drafted earlier?", "Which team gained more yards?", "Which type is most abundant?"). These win
   over the weaker causal forms: "Which version allowed longer stays?" compares.
3. Weaker causal forms (skipped in a question that asks for a name, a time or an amount): reason/consequence
   nouns ("What was the reason / motive / effect / impetus ...?", "What is behind X?", "What was responsible?");
   purpose ("What was X built / used / designed for?", "to do what?", "what for?", "What was X trying /
   supposed to achieve?", "in order to"); origin ("Where does the name X come from?", "What did X stem from?");
   conditions ("under what conditions", "unless"); effects ("What did X lead to / result in / bring about / make
   possible / mean for / do to Y?", "What happened to X after ...?", "What came of X?", "What would follow?",
   "Because X, what ...?"); a subject "what" (or "which <noun>") whose verb brings something about ("What drove
   / kept / allowed / prompted / made X ...?", "Which decision forced ...?", "X sparked interest in what?");
   and means ("How did X do Y?", "In what way did X affect Y?", "By what means ...?") — except how-questions
   that ask for a manner or description ("How is X pronounced?", "How did X compare ...?").
4. Weaker comparative forms (skipped for time and amount questions): substitution ("What replaced X?"), "than"
   ("more than a thousand" is an amount, not a comparison), "the first / last / only X to do Y", and
   superlatives that rank the answer ("What is the largest X?", "Which X has the highest Y?", "among the
   biggest"; not in a question that asks for a name, and not "Who designed the oldest park?", whose answer is
   not the ranked thing).
5. Evidence from the context when it is known: if the answer span sits right after a causal connective
   ("because", "due to", "as a result of", ...) the question is causal; right after "than" it is comparative.
6. Otherwise factual.

``CAUSAL_PATTERNS`` and ``COMPARATIVE_PATTERNS`` hold every causal and every comparative question form, in the
order they are tried.
"""

from __future__ import annotations

import re

# The label names are defined once, in the Hub-bound configuration (a saved model carries them in its config).
from .configuration_bert_qa_reasoning import DEFAULT_REASONING_LABELS as REASONING_LABELS

LABEL2ID: dict[str, int] = {name: i for i, name in enumerate(REASONING_LABELS)}

_FLAGS = re.IGNORECASE


def _verb_forms(*specs: str) -> str:
    """A regex alternation of the inflections of some verbs.

    Each spec is a base form, optionally followed by its irregular forms: ``"lead/led"``, ``"drive/drove/driven"``.
    The regular forms (-s, -ed, -ing, with the usual spelling changes) are always added.
    """
    forms: set[str] = set()
    for spec in specs:
        base, *irregular = spec.split("/")
        head, _, particle = base.partition(" ")
        inflected = {head}
        if head.endswith("y") and head[-2] not in "aeiou":
            inflected |= {head[:-1] + "ies", head[:-1] + "ied", head + "ing"}
        elif head.endswith("e"):
            inflected |= {head + "s", head + "d", head[:-1] + "ing"}
        elif head.endswith(("s", "sh", "ch", "x", "z")):
            inflected |= {head + "es", head + "ed", head + "ing"}
        else:
            inflected |= {head + "s", head + "ed", head + "ing"}
        for form in irregular:
            inflected.add(form)
            if form.endswith(head[-1] * 2 + "ed"):  # stop/stopped -> stopping
                inflected.add(form[:-2] + "ing")
        if irregular and not irregular[0].endswith("ed"):  # lead/led: no "leaded"
            inflected.discard(head + "ed")
        for form in inflected:
            forms.add(f"{form} {particle}".strip())
    return "|".join(sorted((re.escape(f).replace(r"\ ", " ") for f in forms), key=len, reverse=True))


# Verbs whose subject is a cause: "What drove X to ...?", "What kept X from ...?", "What made X possible?".
_CAUSE_VERBS = _verb_forms(
    "cause",
    "lead/led",
    "make/made",
    "let/let",
    "allow",
    "enable",
    "permit/permitted",
    "force",
    "compel/compelled",
    "drive/drove/driven",
    "push",
    "pull",
    "prompt",
    "trigger",
    "spark",
    "provoke",
    "motivate",
    "inspire",
    "encourage",
    "convince",
    "persuade",
    "induce",
    "stop/stopped",
    "prevent",
    "keep/kept",
    "delay",
    "hinder",
    "block",
    "bring/brought",
    "give/gave/given",
    "get/got/gotten",
    "turn",
    "shape",
    "reshape",
    "alter",
    "change",
    "transform",
    "affect",
    "influence",
    "impact",
    "help",
    "hurt/hurt",
    "harm",
    "damage",
    "destroy",
    "kill",
    "wipe",
    "doom",
    "ruin",
    "cripple",
    "boost",
    "reduce",
    "improve",
    "worsen",
    "exacerbate",
    "fuel/fuelled/fueled",
    "spur/spurred",
    "stir/stirred",
    "set off/set",
    "release",
    "create",
    "draw/drew/drawn",
    "attract",
    "scatter",
    "knock",
    "deal/dealt",
    "earn",
    "worry/worried",
    "deter/deterred",
    "discourage",
    "decide",
    "determine",
    "dictate",
    "explain",
    "contribute",
    "concentrate",
    "threaten",
    "break/broke/broken",
    "spread/spread",
    "carry/carried",
    "devastate",
    "hasten",
    "accelerate",
    "protect",
    "save",
    "end",
    "pave",
    "send/sent",
    "throw/threw/thrown",
    "plunge",
    "lure",
    "tempt",
    "hold up/held",
    "hold back/held",
    "put off/put",
    "wear down/wore/worn",
)
# The subset that marks a cause even after "which <noun>" ("Which decision forced ...?").
_STRONG_CAUSE_VERBS = _verb_forms(
    "cause",
    "lead to/led",
    "force",
    "compel/compelled",
    "drive/drove/driven",
    "push",
    "prompt",
    "trigger",
    "spark",
    "provoke",
    "motivate",
    "inspire",
    "convince",
    "persuade",
    "induce",
    "alter",
    "prevent",
    "stop/stopped",
    "enable",
    "kill",
    "destroy",
    "doom",
    "bring about/brought",
    "give rise/gave",
    "contribute",
    "result in",
    "determine",
    "dictate",
    "encourage",
    "deter/deterred",
    "discourage",
)
_EFFECT_VERBS = (
    r"lead to|leads to|led to|result in|results in|resulted in|cause|bring about|trigger|set off|spark|provoke|"
    r"prompt|make possible|make it possible|achieve|accomplish|stem from|gain from|get out of|end up doing|"
    r"do to|do for(?! a living)|doing to|doing for|did to|did for|does to|does for|mean for(?! (?:[\w'\-]+ ){1,3}to\b)|allow (?:\w+ ){1,4}to|let (?:\w+ ){1,4}do|"
    r"enable (?:\w+ ){1,4}to|force (?:\w+ ){1,4}to|lead (?:\w+ ){1,4}to|push (?:\w+ ){1,4}into|"
    r"drive (?:\w+ ){1,4}to|give rise to|pave the way for|contribute to"
)
# How-questions with these verbs ask for a manner or a description, not a means: "How is X pronounced?".
_MANNER_VERBS = _verb_forms(
    "compare",
    "differ",
    "measure",
    "stack",
    "rank",
    "rate",
    "fare",
    "relate",
    "stand/stood",
    "sit/sat",
    "see/saw/seen",
    "view",
    "regard",
    "describe",
    "depict",
    "define",
    "spell/spelt",
    "pronounce",
    "call",
    "treat",
    "classify",
    "divide",
    "organize",
    "organise",
    "react",
    "respond",
    "perform",
    "feel/felt",
    "look",
    "sound",
    "vote",
    "do/did/done",
    "finish",
    "score",
    "appear",
    "seem",
    "translate",
    "write/wrote/written",
    "abbreviate",
    "interpret",
    "portray",
    "characterize",
    "characterise",
    "refer",
)
_AUX = r"(?:is|was|are|were|do|does|did|has|have|had|can|could|will|would|shall|should|may|might|must)"
_ADVERBS = (
    r"(?:(?:else|really|actually|exactly|first|finally|eventually|probably|likely|most likely|mainly|mostly|"
    r"largely|partly|primarily|chiefly|most commonly|ultimately|also|then|later|originally|once|still|often|"
    r"usually|typically|generally|ever|\w+ly)\s+)*"
)
# A subject "what" (at the start, or after an introductory phrase) and the auxiliaries that may follow it.
_WHAT_SUBJECT = (
    r"(?:^|[,;:]\s*)what\s+"
    + _ADVERBS
    + r"(?:(?:(?:can|could|may|might|must|will|would|should|did|does|do|has|"
    r"have|had)(?:\s+have)?|(?:is|was|are|were) (?:thought|said|believed|known|likely|expected|reported|"
    r"suspected|understood|supposed) to(?: have)?)\s+)?"
    + _ADVERBS
    + r"(?:(?:begun|began|begin|begins|started|starts|"
    r"start|continued|continues|continue|helped|helps|help|tends|tended|tend|seems|seemed|appears|appeared) to\s+)?"
)
_NAMING = re.compile(
    r"\b(?:called|named|known as|termed|nicknamed|dubbed)(?:\s+[\w'\-]+){0,3}\s*\?\s*$|\b(?:the name of|what name|(?:term|word) for|"
    r"stands? for|short for|known as what|called what|(?:term|word|name|phrase|expression)s? (?:used |given )?(?:for|to))\b",
    _FLAGS,
)
_REASON_NOUNS = (
    r"reasons?|causes?|motivations?|motives?|purposes?|consequences?|results?|effects?|impacts?|outcomes?|"
    r"explanations?|rationale|basis|grounds?|reasoning|justifications?|impetus|incentives?|catalysts?|triggers?|"
    r"driving force|intention"
)
_DETERMINER = r"(?:the |an? |his |her |its |their |this |that |these |those |[\w.\-]+'s? )?"

# Causal rule families. "Strong" ones win over any comparative cue; "weak" ones lose to the strong comparative
# constructions (an explicit choice, "differ", "unlike", ...) but win over superlatives and "than".
_STRONG_CAUSAL: tuple[str, ...] = (
    # why / how come
    r"\bwhy\b",
    r"\bhow come\b",
    # an explicit reason or purpose phrase
    r"\bfor what (?:reasons?|purposes?|ends?|motives?)\b",
    r"\b(?:because of|due to|owing to|thanks to|on account of|in (?:the )?light of|as a result of) (?:what|which)\b",
    r"\bto what end\b",
    r"\bwith what (?:aim|goal|purpose|intent|intention|objective|motive|end)\b",
    r"\bon what (?:grounds?|basis)\b|\bon (?:what|which) (?:grounds?|basis)\b",
    r"\bwhat (?:led|leads|lead|has led|had led|have led) to\b",
    r"\bhow (?:did|does|do|has|have|can|could|would|will|might) .{1,80}?\b(?:come to|end up|manage to|managed to)\b",
)
# "cause" used as a verb: "What caused X?", "What did X cause?". Like every cue below, it does not count in a
# question that asks for a name ("What is the name of the effect caused by ...?").
_CAUSE_VERB_CUES: tuple[str, ...] = (
    r"\b(?:caused|causing)\b",
    r"\b(?:what|which|that)\s+(?:[\w'\-]+\s+){0,3}?(?<!the )(?<!a )(?<!an )(?<!its )(?<!their )(?<!his )(?<!her )"
    r"causes?\b(?!\s+of\b)",
    r"\b(?:did|does|do|can|could|will|would|may|might|to)\s+(?:[^?]{0,60}\s)?cause\b",
)
# A reason / purpose / consequence noun: "What was the main reason for ...?", "What was his motive?".
_CAUSAL_NOUN_CUES: tuple[str, ...] = (
    r"\bwhat(?:'s| is| was| are| were| has been| had been| seems to be| appears to be)\s+"
    + _DETERMINER
    + r"(?:\w+ )?(?:"
    + _REASON_NOUNS
    + r")\b",
    r"\b(?:reasons?|causes?|motives?|motivations?|purposes?|consequences?|effects?|impacts?|outcomes?|"
    r"explanations?|impetus|rationale|justifications?) (?:of|for|behind)\b|\bpurposes? in\b",
    r"\bwhat (?:\w+ )?(?:reasons?|motives?|motivations?|purposes?|explanations?|justifications?) "
    r"(?:did|does|do|was|were|is|are|had|has|have|could|would|might)\b",
    r"\bwhat (?:\w+ )?(?:consequences?|effects?|impacts?|results?|outcomes?|damage|influence|benefits?|"
    r"difference|role) (?:did|does|do|has|have|had|will|would|could|might|can)\b[^?]*\b(?:have|has|had|cause|make|"
    r"bring|produce|leave|play)\b",
    r"\b(?:had|have|has|with) what (?:\w+ )?(?:consequences?|effects?|impacts?|results?|outcomes?)\b",
    r"\b(?:product|result|consequence|outcome|effect|cause|source|root|origin)s? of (?:what|which)\b",
    r"^(?!(?:[^?]*,\s*)?(?:who|whom|whose)\b)[^?]*\b(?:behind|responsible|to blame|decisive|instrumental|"
    r"(?:a|the) (?:\w+ )?factor (?:in|behind|that|for|of)|factor\s*\?)",
)
_CAUSAL_FORMS: tuple[str, ...] = (
    r"\bblam(?:e|es|ed|ing)\b",
    r"(?:^|[,;:]\s*)(?:what|which)\b[^?]*\bcredit(?:s|ed)? (?:[\w'\-]+ ){0,6}(?:with|for)\b",
    # origin of a name or state: "Where does the name X come from?", "What did X stem from?"
    r"\b(?:where|what)\b[^?]*\b(?:do|does|did)\b[^?]*\b(?:come|stem|arise|derive|originate|spring) from\b",
    r"\b(?:comes?|came|stems?|stemmed|arises?|arose|derives?|derived|originates?|originated|springs?|sprang) "
    r"from (?:what|which)\b",
    r"\b(?:gets?|got|take|takes|took|earns?|earned|derives?|derived) (?:its|their|his|her|the) (?:\w+ )?"
    r"(?:name|nickname|title)\b",
    # purpose: "What was X built for?", "to do what?", "what for?", "What was X trying to achieve?"
    r"\bfor what\s*[?,]|^(?:[^?]*,\s*)?for what (?:did|does|do|was|were|is|are|had|has|would|could|will|can|must|"
    r"should)\b",
    r"\bwhat for\s*\?",
    r"\bin order to\b|\bso as to\b",
    r"\bto \w+ (?:\w+ )?what\b(?: \w+)?\s*\?\s*$",
    r"\bwhat\b[^?]*\b(?:trying|hoping|aiming|seeking|attempting|striving|meant|supposed|intended|designed|"
    r"set up|established|expected|planning|looking) to (?:\w+ )?(?:do|achieve|accomplish|avoid|get|gain|"
    r"prevent|provide|guard|protect|ensure|secure|deliver|bring|serve|address|solve|fix|stop|win|make|create|"
    r"keep|offer|promote|encourage)\b",
    r"\b(?:used|designed|intended|needed|required|meant|built|made|set up|established|created|founded|formed|"
    r"there|employed|constructed|introduced|developed) for\s*\?\s*$",
    r"\bwhat (?:is|was|are|were) .{1,60}? (?:(?:used|needed|required) (?:for|to (?:do|achieve|accomplish))|(?:designed|"
    r"intended|meant) (?:for\s*\?|to\b))",
    r"\b(?:pay|pays|paid|spend|spends|spent|use|used) (?:[\w'\-]+ ){0,5}(?:for|on)\s*\?\s*$",
    r"\bwhat (?:job|service)s? (?:did|does|do) [^?]*\b(?:do|perform|serve|fulfil|fulfill|provide)\s*\?|\bwhat "
    r"functions? (?:did|does|do|was|were|is|are)\b",
    r"\bwhat (?:is|was|are|were) the (?:point|goal|aim|objective|idea) (?:of|behind|in)\b",
    r"\bout of (?:\w+ )?(?:concern|fear|desire|need|respect|loyalty|spite|necessity|gratitude|protest|"
    r"sympathy|anger)\b",
    r"^over what (?:did|does|do|was|were|had|has)\b",
    r"^to (?!what\b|whom?\b|which\b)\w+\b[^?]*,\s*(?:what|which|how|who)\b",
    r"\bwhat (?:was|were|is|are|had been|has been) [^?]*\b(?:forced|compelled|pushed|driven|obliged|prompted|"
    r"persuaded|encouraged|induced|motivated|inspired|pressured|moved|led) to\b",
    # a condition that brings something about
    r"\bunder (?:what|which) (?:conditions?|circumstances?)\b|\bon (?:what|which) conditions?\b|\bunless\b",
    # effects: "What did X lead to?", "What happened as a result?", "What came of X?", "What would follow?"
    r"\b(?:led|leads|lead|leading) to\b",
    r"\b(?:resulted|results|result|resulting) (?:in|from)\b",
    r"^(?:because|due to|owing to|on account of|thanks to|as a (?:result|consequence) of)\b[^?]*,\s*(?:what|"
    r"which|how|who|where)\b",
    r"\bwhat (?:happens|happened|will happen|would happen|could happen|might happen|can happen) "
    r"(?:to|when|if|after|as|because|next|then)\b",
    r"\bwhat (?:happens|(?:would|will|could|might)(?: have)? happen(?:ed)?)\b",
    r"\bwhat (?:came|comes|will come|would come|has come) of\b",
    r"\bwhat (?:would|will|might|could|must) (?:follow|result|ensue)\b",
    r"\bwhat (?:else )?(?:did|does|do|will|would|could|might|can|has|have|had|may) (?!(?:he|she|they|we|you|i) (?:do|did)"
    r"\b)[^?]*?\b(?:" + _EFFECT_VERBS + r")\b",
    r"\b(?:caused|inspired|prompted|triggered|driven|motivated|influenced|affected|shaped|sparked|provoked|"
    r"fuelled|fueled|spurred|explained|determined|dictated) by (?:what|which)\b",
    # a subject "what" whose verb brings something about: "What drove X to Y?", "What has kept X from Y?"
    _WHAT_SUBJECT
    + r"(?!(?:make|makes|made|making) up\b|(?:turn|turns|turned|turning) out\b)(?:"
    + _CAUSE_VERBS
    + r")\b(?!\s+(?:in|on|at|during|after|before|with|by|as)\b)(?=\s+\S)",
    r"(?:^|[,;:]\s*)what\s+"
    + _ADVERBS
    + r"(?:is|was|are|were|has been|had been|have been)\s+"
    + _ADVERBS
    + r"(?:"
    + "|".join(f for f in _CAUSE_VERBS.split("|") if f.split(" ")[0].endswith("ing"))
    + r")\b",
    r"(?:^|[,;:]\s*)(?:which|what)\s+(?:(?!"
    + _AUX
    + r"\b)[\w'\-]+\s+){1,4}?(?:"
    + _AUX
    + r"\s+)?"
    + _ADVERBS
    + r"(?:"
    + _STRONG_CAUSE_VERBS
    + r")\b(?!\s+(?:\w+ly\s+)?(?:\w+ed|is|was|are|were|have|has|had|did|do|does)\b)",
    r"(?:^|[,;:]\s*)what (?:do|did|does) [^?]{1,60}\b(?:say|says|said|think|thinks|thought|believe|believes|"
    r"believed|claim|claims|claimed|suggest|feel|felt|argue|argued)\s+(?:is|was|were|are|had|has|have)\s+"
    + _ADVERBS
    + r"(?:"
    + _CAUSE_VERBS
    + r")\b",
    # a declarative question that ends in the wh-phrase: "X sparked interest in what?", "X led to what?"
    r"^(?!(?:what|which|who|whom|whose|when|where|why|how|is|was|are|were|do|does|did|can|could)\b)[^?]*(?<!\bto)\s(?:"
    + _STRONG_CAUSE_VERBS
    + r"|paved the way for|gave rise to)\b(?!\s+(?:of|from|up)\b)[^?,;:]*(?<!\bfor)\s(?:what|which)\b[^?]*\?\s*$",
    # means and manner: "How did X beat Y?", "In what way did X hurt Y?", "By what means ...?"
    r"\bby (?:what|which) (?:means|method|methods|mechanism|mechanisms|process|route|way)\b",
    r"\bthrough what (?:means|mechanism|process)\b",
    r"(?:^|[,;:]\s*)(?:how|in what ways?|in which ways?)\s+(?:did|does|do|can|could|would|will|might|may|should|has|"
    r"have|had)\s+(?!(?:[\w'\-]+\s+){0,8}?(?:"
    + "|".join(f for f in _MANNER_VERBS.split("|") if not f.endswith("ing"))
    + r")\b)",
    r"\bhow (?:is|are|was|were) [^?]{1,80}?\b(?:able to|formed|created|produced|made|caused|achieved|"
    r"accomplished|obtained|generated|prevented|solved|resolved|transmitted|spread|triggered|funded|financed|"
    r"powered|kept|defeated|destroyed|killed|won|lost|saved|cured|treated|controlled|maintained)\b",
    r"\bin what ways? (?:is|are|was|were) [^?]*\b(?:affected|influenced|changed|shaped|impacted)\b",
)

_SUPERLATIVE_WORDS = (
    "most|least|best|worst|fewest|largest|smallest|biggest|highest|lowest|longest|shortest|oldest|youngest|"
    "newest|earliest|latest|greatest|farthest|furthest|nearest|closest|fastest|slowest|strongest|weakest|"
    "richest|poorest|heaviest|lightest|deepest|tallest|widest|hottest|coldest|warmest|wettest|driest|"
    "busiest|densest|brightest|cheapest|simplest|easiest|hardest|quickest|safest|commonest|rarest|"
    "wealthiest|eldest|loudest|costliest|deadliest|healthiest|happiest|smartest|toughest|fiercest"
)
_COMPARATIVE_WORDS = (
    r"more|less|fewer|earlier|later|sooner|older|younger|elder|bigger|larger|smaller|higher|lower|longer|"
    r"shorter|faster|quicker|slower|closer|nearer|greater|better|worse|stronger|weaker|richer|"
    r"poorer|heavier|lighter|cheaper|harder|easier|wider|narrower|deeper|shallower|warmer|colder|hotter|"
    r"cooler|wetter|drier|brighter|busier|safer|simpler|thicker|thinner|louder|denser|taller|newer"
)
# "more than a thousand" / "later became" are not comparisons between the things asked about.
_NOT_A_COMPARISON = (
    r"(?!\s+than\s+(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|a hundred|hundreds|"
    r"thousands|millions|half|twice|once)\b|[$£€\d]))(?<!\blater)(?<!\bearlier)"
)
_WH_CHOICE = r"(?:^|[,;:]\s*)(?:(?:in|at|on|under|for|from|to|with|by|of|during|after|before) )?(?:which|who|whose|whom|where)\b"

_WH_ANY = _WH_CHOICE.replace("(?:which|who|whose|whom|where)", "(?:which|who|whose|whom|where|what)")

# Comparative rule families, "strong" (checked before the weak causal rules) and "weak" (after them).
_STRONG_COMPARATIVE: tuple[str, ...] = (
    # an explicit choice between alternatives: "Which came first, A or B?", "A or B: which ...?", "Did A or B ...?"
    r"\bor\b[^?]*?(?:[:;]|\s[\-–—])\s*(?:which|who|whose|what|where)\b",
    r"^(?:[^?]*?,\s*|(?:in|by|at|on|during|after|before|under|since|until|from)\s+[\w\-–'.]+\s+)?(?:is|was|are|were|do|"
    r"does|did|can|could|has|have|had|will|would|should)\b[^?]*\bor\b(?! not\b)",
    r"^(?![^?]*\bwhether\b)[^?]*,\s*(?:the\s+)?[^,?]{1,60}\s+or\s+[^,?]{1,60}\?\s*$",
    r"^between (?!\d)[^?]*\band\b[^?]*,\s*(?:which|who|whose|what|where)\b",
    r"\b(?:compromise|middle ground|cross|midway|halfway) between\b",
    r"^of\b[^,?]*,\s*(?:which|who|whose)\b|\bof the (?:two|three|four|both)\b(?![\w\-])",
    r"\b(?:which|who|whose) (?:came|comes|happened|occurred|was|is|were|are) (?:first|last|earlier|later|"
    r"before|after)\b(?!\s+(?:\w+ed|to)\b)",
    # comparison words
    r"\bcompar(?:e|es|ed|ing|ison|isons|able|atively)\b|\bcontrast\b|\bas opposed to\b|\bunlike\b|\brather than\b",
    r"\binstead\b|\bversus\b|\bvs\.?(?=\s)|\brelative to\b|\bin relation to\b|\bwhereas\b",
    r"\bmeasures? up\b|\bmeasured up\b|\bstacks? up\b|\bstacked up\b|\bstands? (?:against|out)\b|\bstood out\b",
    r"\bdiffer(?:s|ed|ing|ence|ences|ently|ent from|ent than|ent to|ent about|ent in)?\b(?! manufacturers)"
    r"(?<!\bdifferent)|\bany different\b",
    r"\bdistinguish(?:es|ed|ing)?\b|\bdistinct from\b|\bsets? (?:[\w'\-]+ ){0,6}apart\b|\bunique among\b",
    r"\bin common\b|\bsimilar(?:ity|ities|ly)?\b|\bresembl(?:e|es|ed|ance)\b|\balike\b|\bequally\b",
    r"\band\b[^?]*\bboth\b|\bboth (?:of them|have|had|has|share|shared|do|did|does)\b",
    r"\bthe same (?:[\w\-]+ )?(?:as|with)\b|\b(?:do|did|does|doing|keep|stay|remain|remained|stayed) the same\b"
    r"|\bthe same\s*\?",
    r"\bseparat(?:e|es|ed)\s+(?:[\w'\-]+\s+){1,8}from\b|\brelates? to\b|\bpart(?:ed)? ways\b|\bdiverg\w*",
    r"\bahead of\b|\b(?:finish|finished|came|placed|ranked|trailed|lagged|fell) behind\b|\bat odds with\b|\bin line with\b|\bon a par with\b|\bon par with\b|\bsuperior to\b|\binferior to\b",
    r"\bas (?!well\b|soon\b|long\b|far\b|much\b|many\b|part\b|a\b|an\b|the\b|of\b|to\b|for\b)\w+ as\b",
    r"\bwhat (?:[\w'\-]+ ){0,2}(?:do|did|does|must|might|can|could|will|would)\b[^?]*\bshare\b"
    r"|\bshare[sd]? (?:[\w'\-]+ ){0,3}with\b|\b(?:both|all|each)\b[^?]*\bshare\b",
    r"^like\b",
    r",\s*but\s+(?:what|where|which|who|whom|whose|how|when)\b",
    r"(?:^|,\s*)while\b(?!\s+(?:in|on|at|during|still|there|here|abroad|away|young|serving|a student|he|she|it|they|"
    r"we|i|you|his|her|its|their)\b)"
    r"(?![^,?]*\b(?:being|\w+ing)\b)|\bwhile (?:the|a|an|some|other|others|most|many)\b(?![^,?]*\b(?:being|\w+ing)\b)",
    r"\b(?:pick|picks|picked|choose|chose|chosen|prefer|preferred|favou?r|favou?red|obey|value|valued)\b[^?]*"
    r"\b(?:over|above)\b|\babove the rest\b|\bover the others\b|\b(?:than|of) (?:any|all) others?\b",
    r"\b(?:improvements?|advantages?|edge|superiority)\b[^?]*\b(?:on|over)\b",
    r"\bout(?:number|perform|sell|sold|gain|gained|pace|paced|last|lasted|live|lived|rank|ranked|strip|stripped|"
    r"weigh|weighed|scored|numbered)s?\b",
    r"\b(?:exceed|exceeds|exceeded|surpass|surpasses|surpassed|overtake|overtakes|overtook|overtaken|outstrip|"
    r"predate|predates|predated|postdate|antedate|antedates|trailed|underbid|underbids|outbid)\b(?=\s+\w)|\btrails? (?:which|what|"
    r"only|behind|just)\b",
    r"\bthat\s+(?:[\w'.\-]+\s+){1,5}?(?:doesn't|don't|didn't|couldn't|can't|cannot|wasn't|weren't|isn't|aren't|"
    r"lacks?|lacked|does not|do not|did not|could not|has|have|had|did|does|do)(?:\s+(?:not|allow|have|lack|"
    r"offer|do))?\s*\?\s*$",
    r"\bthan\b[^?]{1,40}\b(?:did|does|do|was|were|is|are|had|has|have|could|can)\s*\?\s*$",
    r"\bto a (?:lesser|smaller|greater|larger|higher|lower) (?:degree|extent)\b",
    # ranking and order
    r"\brank(?:s|ed|ing)?\b(?<!\bthe rank)(?! of\b)",
    r"\bwhere (?:does|did|do|would|will) [^?]*(?<!\btake)(?<!\btook)(?<!\bthe)\s(?:place|stand|fall|sit|finish|come)\s*"
    r"(?:\?|\b(?:among|in the|by|against|overall|globally|nationally|worldwide|relative|compared)\b)",
    r"\bhow (?:does|did|do) [^?]*\b(?:rate|place)\b",
    r"\bbirth order\b|\bin order of\b|\bpecking order\b",
    r"\b(?:distinction|unique|position|standing|place)\b[^?]*\bamong\b|^among\b[^?]*,\s*(?:which|who|what|where|how)\b",
    r"\b(?:came|comes|come|arrived|arrives|happened|occurred)\s+(?:right\s+|just\s+|immediately\s+|directly\s+)?"
    r"(?:before|after|behind)\b",
    r"\b(?:was|is|were|are|came|comes) next\b|\bhow (?:long|many years|much time|soon) (?:after|before)\b",
    r"\b(?:what|which) (?:earlier|later)\b|\bat the top\b|\btops\b|\bpeak(?:ed|s)?\s*\?",
    # amounts of change and difference: "By how much did X rise?", "How many times more ...?"
    r"^(?:[^?]*?,\s*)?by how (?:much|many)\b|\bby what (?:factor|percentage|margin|amount|proportion|fraction|"
    r"ratio)\b",
    r"\bhow (?:much|many) (?:" + _COMPARATIVE_WORDS + r")\b",
    r"\bhow much (?:did|has|had|does|do|have) [^?]*\b(?:change|changed|vary|varied)\b",
    r"\b(?:grew|rose|fell|dropped|declined|increased|decreased|shrank|climbed|jumped|grow|rise|fall|drop|decline|"
    r"increase|decrease|shrink)\b (?:by|from)\b|\bdropped to\b[^?]*\bfrom\b",
    r"\b(?:times|twice|half) as\b|\bhow many times (?:more|less|as|greater|larger|bigger|higher|faster|the)\b|\btimes (?:more|less|greater|larger|bigger|higher|faster)\b",
    r"\b(?:gap|difference|ratio|margin) between\b",
    # a question word picking among candidates with a comparative: "Who was drafted earlier?", "Which ... more ...?"
    _WH_CHOICE
    + r"(?:[^?]*\s)?(?!(?:one|two|three|four|five|six|seven|eight|nine|ten|\d+|several|many|some|any|no|"
    r"few|a few|once|much) )[\w'\-]+\s+(?:"
    + _COMPARATIVE_WORDS
    + r")\b"
    + _NOT_A_COMPARISON
    + r"(?!\s+(?:\w+ed|became|become|"
    r"went|moved|wrote|took|renamed)\b)",
    _WH_ANY
    + r"[^?]*\b(?:most (?:\w+ly )?\w+|(?:the )?(?:"
    + _SUPERLATIVE_WORDS.replace("most|", "")
    + r"))\s*\?\s*$",
)

_WEAK_COMPARATIVE: tuple[str, ...] = (
    # substitution: "What replaced X?", "What was used in place of X?"
    r"(?:^|[,;:]\s*)(?:what|which)\b[^?]*\breplac(?:e|es|ed|ing)\b|\breplac\w* (?:by|with) (?:what|which)\b"
    r"|\bin place of\b|\bsubstitut\w*",
    r"\bthan\b(?<!\bother than)(?<!\brather than)" + r"(?<!\bmore than)(?<!\bless than)(?<!\bfewer than)",
    r"\b(?:more|less|fewer) than\b(?!\s+(?:(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|"
    r"hundreds|thousands|millions|half|twice|once)\b|[$£€\d]))",
    # "the first / last / only X to do Y" ranks a group
    r"\bthe (?:\w+ )?(?:first|last|only) (?:(?![\w\-]+ed\b)[\w\-]+ ){0,3}(?:to|ever)\b",
)
# Superlatives that rank the answer: "What is the largest X?", "Which X has the highest Y?" (not in a question
# that asks for a name: "What are the largest projects called?").
_SUPERLATIVES: tuple[str, ...] = (
    r"(?:^|[,;:]\s*)(?:what|which|who|where)(?:\s+[\w'\-]+){0,8}?\s*(?:\bis|\bare|\bwas|\bwere|'s|\bremains?|"
    r"\bwould be|\bwill be)\s+(?:by far\s+|probably\s+|perhaps\s+|still\s+)?(?:(?:the\s+|[\w.\-]+'s?\s+)(?:[\w'.\-]+\s+)?)?"
    r"(?:" + _SUPERLATIVE_WORDS + r")\b(?! of\b)(?!\s+(?:\w+ly|likely)\b)",
    r"(?:^|[,;:]\s*)(?:which|what)\b(?:\s+[\w'\-]+){0,4}?\s+(?:has|have|had|contains?|contained|holds?|held|"
    r"took in|takes in|earned|earns|gets|got|received|receives|produced|produces|attracts?|attracted|boasts?|"
    r"draws?|drew|posted|recorded|won|hosted|saw|sees|carries|carried)\s+(?:by far\s+)?the\s+(?:\w+\s+)?(?:"
    + _SUPERLATIVE_WORDS
    + r")\b(?! of\b)",
    r"\bamong the (?:\w+ )?(?:" + _SUPERLATIVE_WORDS + r")\b",
)


def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, _FLAGS) for p in patterns)


_STRONG_CAUSAL_RE = _compile(_STRONG_CAUSAL)
_CAUSE_VERB_RE = _compile(_CAUSE_VERB_CUES)
_CAUSAL_NOUN_RE = _compile(_CAUSAL_NOUN_CUES)
_CAUSAL_FORMS_RE = _compile(_CAUSAL_FORMS)
_STRONG_COMPARATIVE_RE = _compile(_STRONG_COMPARATIVE)
_WEAK_COMPARATIVE_RE = _compile(_WEAK_COMPARATIVE)
_SUPERLATIVES_RE = _compile(_SUPERLATIVES)
# The public rule sets: every causal and every comparative question form, in the order they are tried.
CAUSAL_PATTERNS: tuple[re.Pattern[str], ...] = (
    _STRONG_CAUSAL_RE + _CAUSE_VERB_RE + _CAUSAL_NOUN_RE + _CAUSAL_FORMS_RE
)
COMPARATIVE_PATTERNS: tuple[re.Pattern[str], ...] = (
    _STRONG_COMPARATIVE_RE + _WEAK_COMPARATIVE_RE + _SUPERLATIVES_RE
)

_CAUSAL_CONNECTIVE_BEFORE = re.compile(
    r"(?:because(?: of)?|due to|owing to|as a (?:result|consequence) of|caused by|thanks to|"
    r"in order to|so (?:as to|that)|led to|resulted in|leading to|resulting in)\W*(?:\w+\W+){0,2}$",
    _FLAGS,
)
_COMPARATIVE_BEFORE = re.compile(r"\b(?:than|compared (?:to|with)|whereas|unlike)\W*(?:\w+\W+){0,2}$", _FLAGS)

# A question may open with a statement: "Tesla said it could not be stolen. What was his reasoning?"
_CLAUSE_BREAK = re.compile(r"(?<=[.;!?])\s+(?=[A-Z\"'])|\s+[\-–—]\s+|\s*—\s*")
_QUESTION_WORD = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", _FLAGS)


def _focus(question: str) -> str:
    """The part of the question that asks: what follows the last sentence break (". ", "; ", " - ") after which a
    question word still comes; the whole question when there is none."""
    for brk in reversed(list(_CLAUSE_BREAK.finditer(question))):
        rest = question[brk.end() :]
        if _QUESTION_WORD.search(rest):
            return rest
    return question


# A question that asks for a time or an amount is answered by one, whatever causes or rankings it mentions.
_TIME_OR_AMOUNT = re.compile(
    r"^(?:[^?,]*,\s*)?(?:when\s+(?:did|does|do|was|were|is|are|had|has|have|will|would|can|could)\b|(?:in |on |by |"
    r"during |since |until )?what (?:year|years|date|month|day|time|decade|century|period|percentage|proportion|share|"
    r"fraction|number|amount)\b|how (?:many|much|long|often|far|old|soon)\b(?! (?:"
    + _COMPARATIVE_WORDS
    + r")\b))",
    _FLAGS,
)


def _question_type(question: str) -> str | None:
    """The reasoning type the question's own wording shows, or `None` when it shows none (factual)."""
    focus = _focus(question)
    naming = bool(_NAMING.search(focus))
    if any(p.search(focus) for p in _STRONG_CAUSAL_RE):
        return "causal"
    if not naming and any(p.search(focus) for p in _CAUSE_VERB_RE):
        return "causal"
    if any(p.search(focus) for p in _STRONG_COMPARATIVE_RE) or _STRONG_COMPARATIVE_RE[0].search(question):
        return "comparative"
    if naming or _TIME_OR_AMOUNT.search(focus):
        return None
    if any(p.search(focus) for p in _CAUSAL_NOUN_RE + _CAUSAL_FORMS_RE):
        return "causal"
    if any(p.search(focus) for p in _WEAK_COMPARATIVE_RE + _SUPERLATIVES_RE):
        return "comparative"
    return None


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
    label = _question_type(q)
    if label is not None:
        return label
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


REASONING_DATA = "reasoning_questions.jsonl"  # in the package's data/ folder; see data/README.md


def reasoning_data_path() -> str:
    """Path of the shipped hand-labelled reasoning questions (JSON lines, CC BY-SA 4.0)."""
    import os

    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", REASONING_DATA)


def load_reasoning_questions(split: str | None = None, path: str | None = None) -> list[dict]:
    """The hand-labelled reasoning questions as SQuAD-style rows.

    Args:
        split (`str`, *optional*): `"train"` (SQuAD v1.1 dev articles 0-31, and document-style passages) or
            `"validation"` (articles 32-39, and other document-style passages); all rows when unset. No row comes
            from our `test` articles (40-47). Rows over document-style passages have `article` and `paragraph`
            `None`.
        path (`str`, *optional*): another file of the same schema.

    Returns:
        `list[dict]`: `id`, `title`, `context`, `question`, `answers` (`{"text": [..], "answer_start": [..]}`),
        `reasoning_label`, `cue` (`{"text", "start", "end"}` or `None` for factual rows), `article`, `paragraph`,
        `split`, `source`, `page`.
    """
    import json

    if split is not None and split not in ("train", "validation"):
        raise ValueError(
            f"load_reasoning_questions: unknown split {split!r}; choose 'train' or 'validation'."
        )
    path = path or reasoning_data_path()
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            r = json.loads(line)
            if split is not None and r["split"] != split:
                continue
            if r["label"] not in REASONING_LABELS:
                raise ValueError(
                    f"{path}:{n}: unknown label {r['label']!r}; expected one of {list(REASONING_LABELS)}."
                )
            cue = None
            if r.get("cue_text") is not None:
                cue = {"text": r["cue_text"], "start": r["cue_start"], "end": r["cue_end"]}
            rows.append(
                {
                    "id": r["id"],
                    "title": r["title"],
                    "context": r["context"],
                    "question": r["question"],
                    "answers": {"text": [r["answer_text"]], "answer_start": [r["answer_start"]]},
                    "reasoning_label": r["label"],
                    "cue": cue,
                    "article": r["article"],
                    "paragraph": r["paragraph"],
                    "split": r["split"],
                    "source": REASONING_DATA,
                    "page": 0,
                }
            )
    return rows


__all__ = [
    "COMPARATIVE_PATTERNS",
    "CAUSAL_PATTERNS",
    "LABEL2ID",
    "REASONING_LABELS",
    "label_question",
    "label_to_id",
    "load_reasoning_questions",
    "reasoning_data_path",
]
