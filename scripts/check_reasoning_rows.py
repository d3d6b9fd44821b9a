"""Checks a writer's file of new hand-labelled reasoning questions (`benchmarks/data/reasoning_guidelines.md`)
before it joins `src/bert_qa_reasoning/data/reasoning_questions.jsonl`:

    python scripts/check_reasoning_rows.py FILE [--articles A-B | --doc] [--squad dev-v1.1.json]

`--articles A-B`: rows over SQuAD v1.1 dev paragraphs of articles A-B (each context must be that paragraph's text);
`--doc`: rows over document-style passages (article and paragraph null). Prints every problem found (offsets, keys,
labels, cues, repeats of a SQuAD or shipped question), then a summary with the variety figures; exits 1 if any row
has a problem. Repeats are looked for among SQuAD's questions and the shipped rows of other ids.
"""

import collections
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SHIPPED = os.path.join(ROOT, "src", "bert_qa_reasoning", "data", "reasoning_questions.jsonl")
SQUAD = os.path.join(ROOT, "..", "shared", "data", "squad-v1.1", "dev-v1.1.json")
LABELS = ("factual", "causal", "comparative")
KEYS = [
    "id",
    "split",
    "article",
    "title",
    "paragraph",
    "context",
    "question",
    "answer_text",
    "answer_start",
    "label",
    "cue_text",
    "cue_start",
    "cue_end",
]


def norm(q):
    return re.sub(r"[^a-z0-9 ]", "", q.lower()).strip()


def main():
    path = sys.argv[1]
    args = sys.argv[2:]
    lo = hi = None
    if "--articles" in args:
        lo, hi = map(int, args[args.index("--articles") + 1].split("-"))
    doc = "--doc" in args
    squad_path = args[args.index("--squad") + 1] if "--squad" in args else SQUAD
    with open(squad_path, encoding="utf-8") as f:
        squad = json.load(f)["data"]
    seen = {norm(qa["question"]) for a in squad for p in a["paragraphs"] for qa in p["qas"]}
    with open(SHIPPED, encoding="utf-8") as f:
        shipped = [json.loads(line) for line in f if line.strip()]
    problems = 0
    counts = collections.Counter()
    openings = collections.defaultdict(set)
    why = than = 0
    ids = set()
    mine = set()
    rows = []
    parsed = []  # (line number, row)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                parsed.append((n, json.loads(line)))
            except ValueError as e:
                print(f"line {n}: not JSON: {e}")
                problems += 1
    # a file already merged into the shipped one is not its own repeat
    own_ids = {r.get("id") for _, r in parsed if isinstance(r, dict)}
    seen |= {norm(r["question"]) for r in shipped if r["id"] not in own_ids}
    for n, r in parsed:
        rows.append(r)
        bad = []
        if list(r) != KEYS:
            bad.append(f"keys must be exactly {KEYS} in that order, got {list(r)}")
            r = {k: r.get(k) for k in KEYS}
        if r["id"] in ids:
            bad.append("duplicate id")
        ids.add(r["id"])
        if not str(r["id"]).startswith("bqr-"):
            bad.append("id must start with bqr-")
        if r["label"] not in LABELS:
            bad.append(f"label {r['label']!r}")
        ctx, ans, st = r["context"], r["answer_text"], r["answer_start"]
        if not isinstance(st, int) or ctx[st : st + len(ans or "")] != ans or not ans:
            bad.append(
                f"answer_text not at answer_start (context[{st}:...] = {ctx[st : st + len(ans or '')]!r})"
            )
        elif ans != ans.strip():
            bad.append("answer has leading/trailing space")
        if r["label"] == "factual":
            if r["cue_text"] is not None or r["cue_start"] is not None or r["cue_end"] is not None:
                bad.append("factual rows have no cue (null cue_text/cue_start/cue_end)")
        else:
            c, cs, ce = r["cue_text"], r["cue_start"], r["cue_end"]
            if not c or not isinstance(cs, int) or not isinstance(ce, int) or ctx[cs:ce] != c:
                bad.append(
                    f"cue not at cue_start:cue_end (context[{cs}:{ce}] = {ctx[cs:ce] if isinstance(cs, int) and isinstance(ce, int) else None!r})"
                )
        if doc:
            if r["article"] is not None or r["paragraph"] is not None:
                bad.append("document-style rows have article and paragraph null")
        else:
            a = r["article"]
            if not isinstance(a, int) or (lo is not None and not lo <= a <= hi):
                bad.append(f"article {a!r} outside {lo}-{hi}")
            else:
                paras = squad[a]["paragraphs"]
                p = r["paragraph"]
                if not isinstance(p, int) or not 0 <= p < len(paras) or paras[p]["context"] != ctx:
                    bad.append("context is not SQuAD dev article/paragraph's exact text")
                if squad[a]["title"] != r["title"]:
                    bad.append("title is not the article's title")
            if r["split"] != "train":
                bad.append("split must be train")
        q = norm(r["question"])
        if q in seen:
            bad.append("question repeats a SQuAD or shipped question")
        if q in mine:
            bad.append("question repeats one earlier in this file")
        mine.add(q)
        if not r["question"].strip().endswith("?"):
            bad.append("question should end with ?")
        if bad:
            problems += 1
            print(f"line {n} ({r['id']}): " + "; ".join(bad))
        counts[r["label"]] += 1
        words = r["question"].split()
        openings[r["label"]].add(" ".join(words[:2]).lower())
        if r["label"] == "causal" and not re.search(r"\bwhy\b", r["question"], re.I):
            why += 1
        if r["label"] == "comparative" and not re.search(
            r"\bthan\b|\b\w+est\b|\bmost\b|\bleast\b", r["question"], re.I
        ):
            than += 1
    print(f"{len(rows)} rows, {problems} with problems; labels {dict(counts)}")
    for lab in LABELS:
        print(f"  {lab}: {len(openings[lab])} distinct two-word openings")
    if counts["causal"]:
        print(f"  causal without 'why': {100 * why / counts['causal']:.0f} % (want >= 40 %)")
    if counts["comparative"]:
        print(
            f"  comparative without than/superlative: {100 * than / counts['comparative']:.0f} % (want >= 40 %)"
        )
    sys.exit(1 if problems else 0)


main()
