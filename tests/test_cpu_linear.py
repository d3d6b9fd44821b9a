"""cpu_linear: float32 CPU linears on oneDNN's kernel, and the pipeline's CPU fast path that uses it."""

import pytest
import torch
import torch.nn.functional as F
from transformers import pipeline

import bert_qa_reasoning.pipeline_qa_with_reasoning as pipeline_module
from bert_qa_reasoning.cpu_linear import (
    OneDNNLinear,
    bfloat16_linear_speedup,
    linear_shapes,
    onednn_linear_available,
    onednn_linear_faster,
    route_linears,
)

pytestmark = pytest.mark.skipif(not onednn_linear_available(), reason="this PyTorch has no oneDNN")


def _routed_calls(fn) -> int:
    """How many times `fn()` ran oneDNN's linear kernel."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return sum(e.count for e in prof.key_averages() if e.key == "mkldnn::_linear_pointwise")


@pytest.mark.parametrize(
    "shape, transpose, bias",
    [((5, 32), False, True), ((5, 32), True, True), ((2, 3, 4, 32), False, False), ((3, 7, 32), False, True)],
)
def test_routed_linears_compute_what_f_linear_computes(shape, transpose, bias):
    weight, b = torch.randn(48, 32), (torch.randn(48) if bias else None)
    x = torch.randn(*shape)
    if transpose:  # a non-contiguous input
        x = torch.randn(*reversed(shape)).t()
    with torch.inference_mode():
        expected = F.linear(x, weight, b)
        with OneDNNLinear():
            got = F.linear(x, weight, b)
        with OneDNNLinear():
            assert _routed_calls(lambda: F.linear(x, weight, b)) == 1
    assert got.shape == expected.shape and torch.allclose(got, expected, atol=1e-5, rtol=1e-5)


def test_autograd_other_dtypes_and_modules_outside_the_mode_are_left_to_pytorch():
    weight = torch.randn(16, 8, requires_grad=True)
    x = torch.randn(4, 8)
    with OneDNNLinear():
        assert _routed_calls(lambda: F.linear(x, weight)) == 0  # needs a gradient: no backward on oneDNN's op
        y = F.linear(x, weight)
        with torch.no_grad():
            assert _routed_calls(lambda: F.linear(x, weight)) == 1
            assert _routed_calls(lambda: F.linear(x.double(), weight.double())) == 0
    y.sum().backward()
    assert torch.allclose(weight.grad, x.sum(0).expand(16, 8))
    lin = torch.nn.Linear(8, 3)
    with torch.no_grad():
        assert _routed_calls(lambda: lin(x)) == 0  # outside the mode
        with OneDNNLinear():
            assert _routed_calls(lambda: lin(x)) == 1  # an nn.Linear goes through F.linear


def test_what_the_op_would_compute_differently_is_left_to_pytorch():
    weight, x = torch.randn(6, 4), torch.randn(3, 4)
    with torch.inference_mode(), OneDNNLinear():
        for bias in (torch.tensor(5.0), torch.ones(1)):  # broadcast biases: the op drops or refuses them
            assert _routed_calls(lambda bias=bias: F.linear(x, weight, bias)) == 0
            assert torch.allclose(F.linear(x, weight, bias), x @ weight.T + bias)
        with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):  # PyTorch's own error
            F.linear(torch.randn(3, 5), weight)
        assert _routed_calls(lambda: F.linear(x, weight.to_sparse())) == 0
    import torch.autograd.forward_ad as fwAD

    with torch.no_grad(), fwAD.dual_level(), OneDNNLinear():
        dual = fwAD.make_dual(x, torch.ones_like(x))
        tangent = fwAD.unpack_dual(F.linear(dual, weight)).tangent
    assert tangent is not None and torch.allclose(tangent, torch.ones_like(x) @ weight.T)


@pytest.fixture
def bfloat16_loses(monkeypatch):
    """This CPU times bfloat16 linears as no faster than float32 (so that the float32 kernels are tested alone)."""
    monkeypatch.setattr(pipeline_module, "bfloat16_linear_speedup", lambda *args: 1.0)


@pytest.fixture
def onednn_wins(monkeypatch, bfloat16_loses):
    """This CPU times oneDNN's kernel as the faster one (on an Intel Xeon MKL wins, on an AMD EPYC oneDNN)."""
    monkeypatch.setattr(pipeline_module, "onednn_linear_faster", lambda *args: True)


def test_the_kernels_are_timed_once_per_model_shape():
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 64))
    model.append(torch.nn.Linear(64, 128))
    shapes = linear_shapes(model)
    assert shapes == ((64, 128, 2), (128, 64, 1))
    onednn_linear_faster.cache_clear()
    first = onednn_linear_faster(shapes, torch.get_num_threads())
    assert isinstance(first, bool) and onednn_linear_faster(shapes, torch.get_num_threads()) is first
    assert onednn_linear_faster.cache_info().hits == 1 and onednn_linear_faster.cache_info().misses == 1
    assert onednn_linear_faster((), 2) is False  # no linear layer: nothing to route


def test_the_cpu_default_follows_the_timing_and_true_forces_onednn(monkeypatch, bfloat16_loses):
    import bert_qa_reasoning

    path = bert_qa_reasoning.reference_model_path()
    asked = []

    def timing(shapes, threads):
        asked.append(shapes)
        return False

    monkeypatch.setattr(pipeline_module, "onednn_linear_faster", timing)
    slower = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu")
    forced = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu", fast_path=True)
    config = slower.model.config
    assert asked == [linear_shapes(slower.model)]  # timed only when not forced
    assert (config.hidden_size, config.intermediate_size, config.num_hidden_layers) in asked[0]
    assert not slower.cpu_onednn and forced.cpu_onednn
    question, context = "Who founded the company?", "Alice Smith founded the company in 1999 in Leeds."
    assert _routed_calls(lambda: slower(question=question, context=context)) == 0
    assert slower(question=question, context=context)[0]["answer"] == "Alice Smith"


def test_batch_widths_are_rounded_to_16_tokens_within_the_position_limit(onednn_wins):
    import bert_qa_reasoning

    path = bert_qa_reasoning.reference_model_path()
    widths = []
    question, context = "Who founded the company?", "Alice Smith founded the company in 1999 in Leeds."
    for fast_path in (None, False):
        pipe = pipeline(
            "qa-with-reasoning", model=path, retriever_model=False, device="cpu", fast_path=fast_path
        )
        hook = pipe.model.register_forward_pre_hook(
            lambda module, args, kwargs: widths.append(kwargs["input_ids"].shape[1]), with_kwargs=True
        )
        assert pipe(question=question, context=context)[0]["answer"] == "Alice Smith"
        if fast_path is None:
            pipe.model.config.max_position_embeddings = 20  # a limit below the rounded width caps it
            pipe(question=question, context=context)
        hook.remove()
    exact = len(pipe.tokenizer(question, context)["input_ids"])
    assert exact % 16 and widths == [16 * (exact // 16 + 1), max(exact, 20), exact]


def test_the_cpu_fast_path_is_on_where_it_wins_and_gives_the_same_answers(onednn_wins):
    import bert_qa_reasoning

    path = bert_qa_reasoning.reference_model_path()
    fast = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu")
    plain = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu", fast_path=False)
    assert fast.cpu_onednn and not plain.cpu_onednn and fast.fast_path is False  # no varlen on the CPU
    questions = [
        "Why did the council close the bridge?",
        "How does the new engine differ from the old one?",
        "When was the observatory founded?",
    ]
    context = (
        "The observatory was founded in 1874 on the hill above the town. In 1990 the council closed the old "
        "bridge because its piers had cracked after the flood. The new engine burns hydrogen, whereas the old "
        "one burned coal and needed a crew of three."
    )
    calls = _routed_calls(lambda: fast(question=questions, context=[context] * 3, top_k=3))
    assert calls >= fast.model.config.num_hidden_layers * 6  # every linear of the encoder, at least once
    assert _routed_calls(lambda: plain(question=questions, context=[context] * 3)) == 0
    got = fast(question=questions, context=[context] * 3, top_k=3)
    expected = plain(question=questions, context=[context] * 3, top_k=3)
    for g, e in zip(got, expected):
        assert [a["answer"] for a in g] == [a["answer"] for a in e]
        assert [a["reasoning"] for a in g] == [a["reasoning"] for a in e]
        assert all(abs(a["score"] - b["score"]) < 1e-4 for a, b in zip(g, e))


def test_the_bfloat16_speedup_is_timed_once_per_model_shape():
    shapes = ((64, 128, 2), (128, 64, 1))
    bfloat16_linear_speedup.cache_clear()
    first = bfloat16_linear_speedup(shapes, torch.get_num_threads())
    assert first > 0 and bfloat16_linear_speedup(shapes, torch.get_num_threads()) == first
    assert bfloat16_linear_speedup.cache_info().misses == 1
    assert bfloat16_linear_speedup((), 2) == 0.0


@pytest.fixture
def bfloat16_wins(monkeypatch):
    """This CPU times bfloat16 linears as ×10 faster (an Intel Xeon with AMX: ×3–5; elsewhere below ×2)."""
    monkeypatch.setattr(pipeline_module, "bfloat16_linear_speedup", lambda *args: 10.0)


_QUESTIONS = [
    "Why did the council close the bridge?",
    "How does the new engine differ from the old one?",
    "When was the observatory founded?",
    "Who founded the company?",
]
_CONTEXT = (
    "The observatory was founded in 1874 on the hill above the town. In 1990 the council closed the old "
    "bridge because its piers had cracked after the flood. The new engine burns hydrogen, whereas the old "
    "one burned coal and needed a crew of three. Alice Smith founded the company in 1999 in Leeds."
)


def _reads(pipe) -> list[torch.dtype]:
    """Patches `pipe` to record the dtype of every encoder call; returns the record."""
    dtypes = []
    forward = pipe._forward

    def recording(inputs):
        dtypes.append(next(pipe._reader().parameters()).dtype)
        return forward(inputs)

    pipe._forward = recording
    return dtypes


def test_bfloat16_reads_first_where_it_wins_and_never_with_fast_path_false(bfloat16_wins):
    import bert_qa_reasoning

    path = bert_qa_reasoning.reference_model_path()
    mixed = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu")
    plain = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu", fast_path=False)
    assert mixed.cpu_bfloat16 and not plain.cpu_bfloat16
    plain_reads, mixed_reads = _reads(plain), _reads(mixed)
    expected = plain(question=_QUESTIONS, context=[_CONTEXT] * 4)
    got = mixed(question=_QUESTIONS, context=[_CONTEXT] * 4)
    assert set(plain_reads) == {torch.float32}
    assert mixed_reads[0] == torch.bfloat16  # every question read in bfloat16 first, in one batch
    assert mixed.model.dtype == torch.float32  # the model itself is left as it is: a copy reads in bfloat16
    # answers (and reasoning types) are float32's: the close ones were read again; scores are within bfloat16's
    for g, e in zip(got, expected):
        assert (g[0]["answer"], g[0]["reasoning"]) == (e[0]["answer"], e[0]["reasoning"])
        assert abs(g[0]["score"] - e[0]["score"]) < 0.1


def test_only_the_close_questions_are_read_again_in_float32(bfloat16_wins, monkeypatch):
    import bert_qa_reasoning

    path = bert_qa_reasoning.reference_model_path()
    mixed = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu")
    plain = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu", fast_path=False)
    reads = _reads(mixed)
    margins = []
    postprocess = mixed._postprocess

    def recording(outputs, options):
        answers, margin = postprocess(outputs, options)
        if mixed._reading_bfloat16:
            margins.append((outputs["question"], margin))
        return answers, margin

    mixed._postprocess = recording
    mixed(question=_QUESTIONS, context=[_CONTEXT] * 4)
    close = {q for q, margin in margins if pipeline_module._close(*margin)}
    assert not any(reranked for _, (_, _, reranked) in margins)  # one passage each: nothing re-ranked
    assert len(margins) == 4 and reads.count(torch.bfloat16) == 1
    assert reads.count(torch.float32) == (1 if close else 0)  # the close ones, together in one batch
    # margins of inf: every question is read again, and answers and scores are float32's exactly
    monkeypatch.setattr(pipeline_module, "BFLOAT16_ANSWER_MARGIN", float("inf"))
    got = mixed(question=_QUESTIONS, context=[_CONTEXT] * 4, top_k=2)
    expected = plain(question=_QUESTIONS, context=[_CONTEXT] * 4, top_k=2)
    assert got == expected
    # margins of -inf: nothing is read again
    for name in ("BFLOAT16_ANSWER_MARGIN", "BFLOAT16_RERANKED_ANSWER_MARGIN", "BFLOAT16_REASONING_MARGIN"):
        monkeypatch.setattr(pipeline_module, name, -float("inf"))
    reads.clear()
    mixed(question=_QUESTIONS, pool=[_CONTEXT, "The river rose after the storm."])
    assert set(reads) == {torch.bfloat16}


def test_the_bfloat16_copy_follows_the_models_weights(bfloat16_wins):
    import bert_qa_reasoning

    path = bert_qa_reasoning.reference_model_path()
    mixed = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu")
    mixed(question=_QUESTIONS[0], context=_CONTEXT)
    first = mixed._bfloat16_model[-1]
    mixed(question=_QUESTIONS[1], context=_CONTEXT)
    assert mixed._bfloat16_model[-1] is first  # made once
    with torch.no_grad():  # trained further, in place
        mixed.model.qa_outputs.bias.add_(1.0)
    mixed(question=_QUESTIONS[0], context=_CONTEXT)
    copy = mixed._bfloat16_model[-1]
    assert copy is not first
    assert torch.equal(copy.qa_outputs.bias, mixed.model.qa_outputs.bias.bfloat16())
    # another model in its place, or a parameter replaced rather than changed in place
    import copy as copying

    mixed.model = copying.deepcopy(mixed.model)
    mixed(question=_QUESTIONS[0], context=_CONTEXT)
    assert mixed._bfloat16_model[-1] is not copy
    again = mixed._bfloat16_model[-1]
    mixed.model.qa_outputs.bias.data = torch.zeros(2)
    mixed(question=_QUESTIONS[0], context=_CONTEXT)
    assert mixed._bfloat16_model[-1] is not again
    assert torch.equal(mixed._bfloat16_model[-1].qa_outputs.bias, torch.zeros(2, dtype=torch.bfloat16))


def _margin(pipe, spans, **options):
    """The answer margin `_postprocess` gives for made-up spans of one passage: `spans` is [(text, logit)], the
    null logit 0 unless `null=` is given."""
    import numpy as np

    passage = "Alice met Bob in Leeds, and Carol stayed in York."
    index = pipe._pool_index(passage)
    starts = [passage.index(text) for text, _ in spans]
    window = {
        "hit": 0,
        "span_scores": np.array([logit for _, logit in spans]),
        "span_starts": np.array(starts),
        "span_ends": np.array([s + len(text) for s, (text, _) in zip(starts, spans)]),
        "span_tokens": np.ones(len(spans)),
        "null_logit": options.pop("null", 0.0),
    }
    outputs = {
        "index": index,
        "hits": [{"passage_id": 0, "score": 1.0}],
        "windows": [window],
        "question": "Who?",
    }
    answers, (margin, _, _) = pipe._postprocess(outputs, pipe._options({"length_prior": 0, **options}))
    return [a["answer"] for a in answers], margin


def test_the_answer_margin_covers_every_way_an_answer_can_swap():
    import bert_qa_reasoning

    pipe = pipeline(
        "qa-with-reasoning", model=bert_qa_reasoning.reference_model_path(), retriever_model=False
    )
    # two close answers; a distant second
    assert _margin(pipe, [("Alice", 1.0), ("Bob", 0.99)])[1] == pytest.approx(0.01)
    assert _margin(pipe, [("Alice", 1.0), ("Bob", -2.0)])[1] == pytest.approx(3.0)
    # the null answer on top does not hide how close the two answers below it are
    answers, margin = _margin(pipe, [("Alice", 1.0), ("Bob", 0.99)], null=2.5, handle_impossible_answer=True)
    assert answers == ["", "Alice"] and margin == pytest.approx(0.01)
    # a span dropped as a variant of the answer ("in Leeds" of "Leeds") takes its place if it overtakes it
    answers, margin = _margin(pipe, [("Leeds", 1.0), ("in Leeds", 0.99), ("Bob", -3.0)])
    assert answers == ["Leeds"] and margin == pytest.approx(0.01)
    # an answer whose score is close to score_threshold may drop out
    answers, margin = _margin(pipe, [("Alice", 0.0), ("Bob", -4.0)], score_threshold=0.95)
    assert answers == ["Alice"] and margin < 0.1


def test_routed_linear_modules_call_onednn_for_their_dtypes_only():
    import copy

    class Scaled(torch.nn.Linear):  # a subclass keeps its own forward
        def forward(self, x):
            return 2 * super().forward(x)

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(32, 48), torch.nn.GELU(), Scaled(48, 16))
    expected = model(torch.ones(3, 32))
    routed = route_linears(copy.deepcopy(model).bfloat16())
    x = torch.randn(2, 5, 32)
    with torch.inference_mode():
        got = routed(x.bfloat16())
        assert _routed_calls(lambda: routed(x.bfloat16())) == 1  # the plain Linear only
        reference = model.bfloat16()(x.bfloat16())
    assert got.dtype == torch.bfloat16 and torch.allclose(got.float(), reference.float(), atol=1e-2)
    # float32 inputs go to F.linear as before; the routed model still deep-copies
    fp32 = route_linears(copy.deepcopy(model).float(), dtypes=(torch.bfloat16,))
    with torch.inference_mode():
        assert _routed_calls(lambda: fp32(torch.ones(3, 32))) == 0
    assert torch.allclose(copy.deepcopy(fp32)(torch.ones(3, 32)), expected, atol=1e-2)


def test_bfloat16_first_is_given_up_when_most_questions_are_read_again(bfloat16_wins, monkeypatch, caplog):
    import bert_qa_reasoning

    path = bert_qa_reasoning.reference_model_path()
    mixed = pipeline("qa-with-reasoning", model=path, retriever_model=False, device="cpu")
    monkeypatch.setattr(pipeline_module, "BFLOAT16_ANSWER_MARGIN", float("inf"))  # every question is close
    few = pipeline_module._BFLOAT16_REVIEW_AFTER // 2
    mixed(question=_QUESTIONS * (few // 4), context=[_CONTEXT] * (few // 4 * 4))
    assert mixed.cpu_bfloat16  # too few questions yet to judge
    reads = _reads(mixed)
    with caplog.at_level("INFO"):
        mixed(question=_QUESTIONS * (few // 4), context=[_CONTEXT] * (few // 4 * 4))
    assert not mixed.cpu_bfloat16 and "float32 alone from now on" in caplog.text
    reads.clear()
    mixed(question=_QUESTIONS, context=[_CONTEXT] * 4)
    assert set(reads) == {torch.float32}  # one read, in float32
