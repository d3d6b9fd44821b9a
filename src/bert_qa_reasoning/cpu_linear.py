"""Float32 linear layers on the CPU through oneDNN, for inference.

PyTorch's CPU `F.linear` goes to the BLAS it was built with (MKL in the PyPI wheels). On some CPUs oneDNN's own
float32 kernel, which PyTorch also ships (`torch.ops.mkldnn._linear_pointwise`), is much faster for the shapes an
encoder has: on a 2-core AMD EPYC, a 192 x 384 -> 1536 layer takes 0.54 ms against 1.21 ms; on a 2-core Intel Xeon
with AVX-512, where MKL is at home, oneDNN is 5 % slower (`benchmarks/bench_cpu_linear.py`).
[`onednn_linear_faster`] times the two once per process on the model's layer shapes, and the pipeline routes to
oneDNN only where it wins. It is the same float32 arithmetic: results differ from the default path only by the
order of summation (a few 1e-6 on a layer's outputs), never by precision.

[`OneDNNLinear`] is a `TorchFunctionMode`: inside `with OneDNNLinear():`, every float32 CPU `F.linear` of a model,
whatever its architecture (BERT, RoBERTa, DeBERTa), runs on oneDNN's kernel. Nothing of the model is changed or
copied, so weights updated later are used as they are. Calls that need autograd (reverse or forward mode), other
dtypes, devices, layouts and tensor subclasses go to PyTorch as usual. A mode entered inside this one sees the
oneDNN op, not `F.linear`, for the calls routed.

Travels to the Hub with the pipeline: only torch.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from functools import cache

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode


def onednn_linear_available() -> bool:
    """Whether this PyTorch build has oneDNN and its float32 linear kernel."""
    return bool(torch.backends.mkldnn.is_available()) and hasattr(torch.ops.mkldnn, "_linear_pointwise")


# oneDNN is chosen only when it is at least this much faster: a near tie is not worth the width rounding it needs
ONEDNN_MIN_SPEEDUP = 1.1


def _kernel_totals(
    shapes: tuple[tuple[int, int, int], ...], kernels: dict[str, Callable], tokens: int
) -> dict[str, float]:
    """Seconds each kernel takes for one pass over `shapes` (`(in_features, out_features, count)`), each layer
    timed on `tokens` rows: every kernel warms up twice per shape, then the kernels run alternately five times, and
    the medians, weighted by `count`, are summed. A kernel is `kernel(x, weight, bias)` on float32 tensors."""
    generator = torch.Generator().manual_seed(0)
    totals = dict.fromkeys(kernels, 0.0)
    with torch.inference_mode():
        for in_features, out_features, count in shapes:
            x = torch.randn(tokens, in_features, generator=generator)
            weight = torch.randn(out_features, in_features, generator=generator) / in_features**0.5
            bias = torch.zeros(out_features)
            prepared = {name: make(x, weight, bias) for name, make in kernels.items()}
            seconds: dict[str, list[float]] = {name: [] for name in kernels}
            for _ in range(2):  # warm-up: oneDNN makes a kernel per new shape
                for run in prepared.values():
                    run()
            for _ in range(5):
                for name, run in prepared.items():
                    start = time.perf_counter()
                    run()
                    seconds[name].append(time.perf_counter() - start)
            for name in kernels:
                totals[name] += count * statistics.median(seconds[name])
    return totals


def _default_kernel(x, weight, bias):
    return lambda: F.linear(x, weight, bias)


def _onednn_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """`F.linear(x, weight, bias)` on oneDNN's kernel, no post-op."""
    return torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", [], "")


def _onednn_kernel(x, weight, bias):
    return lambda: _onednn_linear(x, weight, bias)


def _bfloat16_kernel(x, weight, bias):
    # the casts of the weights are made once, as the pipeline's bfloat16 copy of the model holds them
    x, weight, bias = x.bfloat16(), weight.bfloat16(), bias.bfloat16()
    return lambda: F.linear(x, weight, bias)


@cache
def onednn_linear_faster(shapes: tuple[tuple[int, int, int], ...], threads: int, tokens: int = 256) -> bool:
    """Whether oneDNN's float32 linear kernel runs a model's linear layers at least `ONEDNN_MIN_SPEEDUP` times as
    fast as PyTorch's default kernel on this CPU.

    Args:
        shapes: `(in_features, out_features, count)` of each distinct layer shape of the model (`linear_shapes`);
            the two kernels are compared on the layers' total time, as the layers of one shape can favour one kernel
            and those of another shape the other.
        threads: torch's thread count (pass `torch.get_num_threads()`); it keys the cache.
        tokens: rows of the input each layer is timed on.

    Timed once per process and model shape: each kernel warms up, then the two run alternately five times on each
    shape, and the medians are compared (about 50 ms for MiniLM's shapes, 150 ms for BERT-base's, on 2 threads)."""
    if not onednn_linear_available() or not shapes:
        return False
    totals = _kernel_totals(shapes, {"default": _default_kernel, "onednn": _onednn_kernel}, tokens)
    return totals["default"] >= ONEDNN_MIN_SPEEDUP * totals["onednn"]


@cache
def bfloat16_linear_speedup(
    shapes: tuple[tuple[int, int, int], ...], threads: int, tokens: int = 256
) -> float:
    """How many times faster a model's linear layers run in bfloat16 than in float32 on this CPU: large (×4–6) where
    the CPU multiplies bfloat16 in hardware (Intel AMX), about 1 or below where it emulates it.

    Args: as `onednn_linear_faster`'s; timed the same way, once per process and model shape."""
    if not shapes:
        return 0.0
    totals = _kernel_totals(shapes, {"float32": _default_kernel, "bfloat16": _bfloat16_kernel}, tokens)
    return totals["float32"] / max(totals["bfloat16"], 1e-12)


def linear_shapes(model: torch.nn.Module) -> tuple[tuple[int, int, int], ...]:
    """`(in_features, out_features, count)` of the distinct shapes of `model`'s `nn.Linear` layers."""
    counts = Counter(
        (m.in_features, m.out_features) for m in model.modules() if isinstance(m, torch.nn.Linear)
    )
    return tuple(sorted((i, o, n) for (i, o), n in counts.items()))


class OneDNNLinear(TorchFunctionMode):
    """Routes float32 CPU `F.linear(x, weight, bias)` to `torch.ops.mkldnn._linear_pointwise` while active.

    Only calls without autograd are routed (`torch.inference_mode()` or `torch.no_grad()`, or inputs that need no
    gradient): the oneDNN op has no backward. `x` of shape `(..., in_features)`, `weight` `(out_features,
    in_features)`, `bias` `(out_features,)` or None; the result is `(..., out_features)`, as `F.linear`'s."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.linear:
            x = args[0] if args else kwargs["input"]
            weight = args[1] if len(args) > 1 else kwargs["weight"]
            bias = args[2] if len(args) > 2 else kwargs.get("bias")
            if _routable(x, weight, bias):
                return _onednn_linear(x, weight, bias)
        return func(*args, **kwargs)


def route_linears(
    model: torch.nn.Module, dtypes: tuple[torch.dtype, ...] = (torch.bfloat16,)
) -> torch.nn.Module:
    """Makes every `nn.Linear` of `model` (exactly that class: subclasses keep their own forward) call oneDNN's
    kernel itself for inputs of `dtypes`, other inputs going to `F.linear` as before. For a model copy the caller
    owns (the pipeline's bfloat16 copy): unlike `OneDNNLinear`, no mode sees every other operation of the forward,
    which saves about 1.5 ms of Python per MiniLM window. Returns `model`, changed in place."""
    for module in model.modules():
        if type(module) is torch.nn.Linear:
            module.forward = _RoutedForward(module, dtypes)
    return model


class _RoutedForward:
    """The forward of one routed `nn.Linear` (a class, not a closure, so that the model still deep-copies)."""

    def __init__(self, linear: torch.nn.Linear, dtypes: tuple[torch.dtype, ...]):
        self.linear, self.dtypes = linear, dtypes

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        weight, bias = self.linear.weight, self.linear.bias
        if _routable(x, weight, bias, self.dtypes):
            return _onednn_linear(x, weight, bias)
        return F.linear(x, weight, bias)


def _routable(x, weight, bias, dtypes: tuple[torch.dtype, ...] = (torch.float32,)) -> bool:
    """Whether oneDNN's op computes exactly what `F.linear(x, weight, bias)` would; anything else goes to PyTorch."""
    tensors = (x, weight) if bias is None else (x, weight, bias)
    return (
        # plain tensors only: a subclass's own __torch_function__ (and its meaning of linear) must still run
        all(type(t) in (torch.Tensor, torch.nn.Parameter) for t in tensors)
        and x.dtype in dtypes
        and all(t.dtype == x.dtype and t.device.type == "cpu" for t in tensors)
        and all(t.layout == torch.strided for t in tensors)  # the op has no sparse form
        # the shapes F.linear takes that the op computes alike (it drops a 0-d bias, refuses a (1,) one), and
        # none of the shape errors, which should stay PyTorch's own
        and x.dim() >= 2
        and weight.dim() == 2
        and 0 < weight.shape[1] == x.shape[-1]
        and (bias is None or (bias.dim() == 1 and bias.shape[0] == weight.shape[0]))
        # the op has no backward, and forward-mode AD would lose the tangents
        and not (torch.is_grad_enabled() and any(t.requires_grad for t in tensors))
        and torch.autograd.forward_ad._current_level < 0
    )


__all__ = [
    "ONEDNN_MIN_SPEEDUP",
    "OneDNNLinear",
    "bfloat16_linear_speedup",
    "linear_shapes",
    "onednn_linear_available",
    "onednn_linear_faster",
    "route_linears",
]
