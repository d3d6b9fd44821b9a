"""`evaluate` metric: SQuAD v1.1 exact match / F1 plus reasoning-type accuracy and macro-F1.

Load it without the Hub: `evaluate.load(bert_qa_reasoning.metrics_path())` or
`evaluate.load("<site-packages>/bert_qa_reasoning/squad_with_reasoning")`.
"""

import datasets
import evaluate

from bert_qa_reasoning.metrics import qa_with_reasoning_scores

_DESCRIPTION = """SQuAD v1.1 exact match and F1 (official normalisation, max over reference answers), with the
accuracy and macro-F1 of a reasoning-type classifier (factual / causal / comparative)."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of {"id": str, "prediction_text": str, "reasoning": int (optional)}.
    references: list of {"id": str, "answers": {"text": [str], "answer_start": [int]}, "reasoning": int (optional)}.
Returns:
    exact_match, f1, num_examples, and reasoning_accuracy / reasoning_macro_f1 when reasoning ids are given.
Example:
    >>> metric = evaluate.load("path/to/squad_with_reasoning")
    >>> metric.compute(predictions=[{"id": "1", "prediction_text": "Paris", "reasoning": 0}],
    ...                references=[{"id": "1", "answers": {"text": ["Paris"], "answer_start": [0]}, "reasoning": 0}])
"""

_CITATION = """@inproceedings{rajpurkar-etal-2016-squad, title={SQuAD: 100,000+ Questions for Machine Comprehension
of Text}, author={Rajpurkar, Pranav and Zhang, Jian and Lopyrev, Konstantin and Liang, Percy}, year={2016}}"""


NO_LABEL = -1  # what a row without `reasoning` carries


def _features(with_reasoning: bool) -> datasets.Features:
    reasoning = {"reasoning": datasets.Value("int32")} if with_reasoning else {}
    answers = datasets.Sequence({"text": datasets.Value("string"), "answer_start": datasets.Value("int32")})
    return datasets.Features(
        {
            "predictions": {
                "id": datasets.Value("string"),
                "prediction_text": datasets.Value("string"),
                **reasoning,
            },
            "references": {"id": datasets.Value("string"), "answers": answers, **reasoning},
        }
    )


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class SquadWithReasoning(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=_features(with_reasoning=True),
        )

    def compute(self, *, predictions=None, references=None, **kwargs):
        """As `evaluate.Metric.compute`; `reasoning` is optional on either side (the standard squad inputs work)."""

        def fill(rows):
            return None if rows is None else [{**r, "reasoning": r.get("reasoning", NO_LABEL)} for r in rows]

        return super().compute(predictions=fill(predictions), references=fill(references), **kwargs)

    def _compute(self, predictions, references, num_reasoning_classes=3):
        preds = {p["id"]: p["prediction_text"] for p in predictions}
        refs = {r["id"]: r["answers"]["text"] for r in references}
        ref_reasoning = {r["id"]: r.get("reasoning") for r in references}
        pred_reasoning = {p["id"]: p.get("reasoning") for p in predictions}
        known = lambda value: value is not None and value != NO_LABEL  # noqa: E731
        ids = [i for i in refs if known(ref_reasoning.get(i)) and known(pred_reasoning.get(i))]
        return qa_with_reasoning_scores(
            preds,
            refs,
            [pred_reasoning[i] for i in ids] if ids else None,
            [ref_reasoning[i] for i in ids] if ids else None,
            num_reasoning_classes,
            strict=False,  # as the official script: a missing prediction scores 0
        )
