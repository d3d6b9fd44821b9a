"""Are the answers unchanged? The pipeline of another checkout (`--old-src`, e.g. a `git worktree` of the commit
before a speed change) against this one, on the SQuAD `test` questions, with the shipped reference model (CPU).

    python benchmarks/compare_answers.py --squad dev-v1.1.json --old-src /tmp/old/src

Two readings of each question: with its gold paragraph (pairs), and over the 334-paragraph test pool (BM25 top-3,
`retrieval_temperature` fixed and re-ranking off, so that both sides score alike). Prints the share of identical top answers, EM / F1 of
each side, and the questions whose answers differ.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def answer_all(squad: str, limit: int | None) -> dict:
    from transformers import pipeline

    import bert_qa_reasoning

    with open(squad, encoding="utf-8") as f:
        data = json.load(f)["data"][40:48]
    rows = [(qa["question"], p["context"]) for a in data for p in a["paragraphs"] for qa in p["qas"]][:limit]
    qa = pipeline("qa-with-reasoning", model=bert_qa_reasoning.reference_model_path(), retriever_model=False)
    questions, contexts = [q for q, _ in rows], [c for _, c in rows]
    pairs = qa(question=questions, context=contexts, batch_size=64)
    qa.build_index(list(dict.fromkeys(contexts)))
    options = dict(batch_size=64, retriever="bm25", retrieval_temperature=0.1)
    if "rerank_depth" in getattr(sys.modules[type(qa).__module__], "_DEFAULTS", {}):
        options["rerank_depth"] = 0  # a side that re-ranks reads the retriever's own top 3, as one without
    pool = qa(question=questions, **options)

    def pick(answers):
        return [
            (a[0]["answer"], a[0]["start"], round(a[0]["score"], 4)) if a else ("", -1, 0) for a in answers
        ]

    return {"pairs": pick(pairs), "pool": pick(pool)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--squad", required=True)
    parser.add_argument("--old-src", required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--side", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        print("RESULT " + json.dumps(answer_all(args.squad, args.limit)))
        return
    sides = {}
    for name, src in (("old", args.old_src), ("new", os.path.join(HERE, "..", "src"))):
        command = [sys.executable, __file__, "--side", name, "--squad", args.squad, "--old-src", args.old_src]
        command += ["--limit", str(args.limit)] if args.limit else []
        out = subprocess.run(
            command, env={**os.environ, "PYTHONPATH": os.path.abspath(src)}, capture_output=True, text=True
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(out.stderr[-5000:])
        sides[name] = json.loads(line[7:])
    sys.path.insert(0, os.path.join(HERE, "..", "src"))
    from bert_qa_reasoning.metrics import exact_match_score, f1_score

    with open(args.squad, encoding="utf-8") as f:
        data = json.load(f)["data"][40:48]
    golds = [qa["answers"] for a in data for p in a["paragraphs"] for qa in p["qas"]][: args.limit]
    for reading in ("pairs", "pool"):
        old, new = sides["old"][reading], sides["new"][reading]
        same = sum(a[0] == b[0] for a, b in zip(old, new))
        scores = {}
        for name, answers in (("old", old), ("new", new)):
            em = sum(max(exact_match_score(a[0], g["text"]) for g in gs) for a, gs in zip(answers, golds))
            f1 = sum(max(f1_score(a[0], g["text"]) for g in gs) for a, gs in zip(answers, golds))
            scores[name] = (100 * em / len(golds), 100 * f1 / len(golds))
        print(
            f"{reading}: same top answer {same}/{len(old)} ({100 * same / len(old):.2f} %); EM / F1 old "
            f"{scores['old'][0]:.2f} / {scores['old'][1]:.2f}, new {scores['new'][0]:.2f} / {scores['new'][1]:.2f}"
        )
        for i, (a, b) in enumerate(zip(old, new)):
            if a[0] != b[0]:
                print(f"   q{i}: old {a} new {b}")


if __name__ == "__main__":
    main()
