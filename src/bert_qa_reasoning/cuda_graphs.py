"""CUDA graphs of the varlen path's packed section (`config.varlen_cuda_graphs`).

A BERT layer on the packed path launches about 90 small kernels; at QA batch sizes the CPU cannot launch them as
fast as the GPU runs them. Replaying a captured CUDA graph launches them all at once.

[`PackedGraphs`] owns every graph of one model: the model holds one instance (`model.cuda_graphs`) and calls it in
one place, the packed forward. It returns the (B, T, C) last hidden state, or `None` when graphs do not apply to
this call (option off, CPU, hidden states asked for, under the compiler, the training graph limit reached, a
capture refused); the model then runs its eager packed path. Past `MAX_INFERENCE_GRAPHS` the least recently used
inference graph is dropped for the new one, if it has not run for `EVICT_AFTER_CALLS` calls (else the new size runs
eagerly).

- **Inference** (eval mode, no grad): one graph per (batch size, width rounded up to `GRAPH_WIDTH_STEP`, packed
  size) records packing, embeddings, encoder and unpacking. It reads static copies of the inputs; all graphs of one
  (B, W) write one shared output buffer; all share one memory pool. A lock and a CUDA event keep calls from several
  threads or streams apart.
- **Training** (train mode, grad): the encoder's forward and backward are captured per packed size
  (`TRAIN_GRAPH_BUCKET`), all in one memory pool, and replayed by an autograd Function ([`TrainingGraphs`]).

Copies and pickles of a model start with no graphs: graphs belong to one process and device.

This file travels to the Hub with saved models: it imports only the standard library, torch, transformers and its
sibling `packing.py`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from transformers.utils import logging

from .packing import DUMMY_SEQUENCES, embed_packed, pack_padded_batch, pad_packed, round_up

logger = logging.get_logger(__name__)

# Inference graphs kept per model; beyond this the least recently used is dropped for a new one, so a batch job's many
# sizes do not leave later single questions on the eager path.
MAX_INFERENCE_GRAPHS = 64
# ... but only a graph unused for this many inference calls: when more sizes than that are in use at once, new ones
# run eagerly rather than capture in turn (a capture costs far more than an eager call).
EVICT_AFTER_CALLS = 8
GRAPH_WIDTH_STEP = 128  # an inference graph serves every sequence length up to its width, a multiple of this
# Training graphs are captured per packed size: real tokens + dummies rounded up to a multiple of this. All sizes
# share one memory pool, so a few sizes cost little more memory than one.
TRAIN_GRAPH_BUCKET = 256
MAX_TRAIN_GRAPHS = 24  # training sizes captured per model; batches of other sizes then run eagerly
# Other threads (a DataLoader's pin-memory thread) may call CUDA while a graph is captured: only this thread's
# calls must be capture-safe.
CAPTURE_MODE = "thread_local"
CAPTURE_ERRORS = (RuntimeError, getattr(torch, "AcceleratorError", RuntimeError))

# One side stream per device for every warm-up: the caching allocator keeps freed blocks per stream, so a new
# stream per capture would strand each warm-up's memory.
_SIDE_STREAMS: dict[torch.device, torch.cuda.Stream] = {}


def warm_up_on_side_stream(device: torch.device, step: Callable[[], None], iterations: int) -> None:
    """Runs `step` before a capture, on a side stream as CUDA graph capture requires (kernel selection, workspaces
    and allocator blocks happen here, outside the graph)."""
    if device not in _SIDE_STREAMS:
        _SIDE_STREAMS[device] = torch.cuda.Stream(device=device)
    side = _SIDE_STREAMS[device]
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(iterations):
            step()
    torch.cuda.current_stream(device).wait_stream(side)


def capture_autocast(autocast_dtype: torch.dtype | None):
    """The caller's autocast for a capture, with the weight-cast cache off: the casts are recorded into the graph
    instead (a cached cast would be a tensor of the capture, reused after it)."""
    if autocast_dtype is None:
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=autocast_dtype, cache_enabled=False)


def current_autocast_dtype() -> torch.dtype | None:
    return torch.get_autocast_dtype("cuda") if torch.is_autocast_enabled("cuda") else None


def functional_encoder(
    encoder: nn.Module,
    params: dict[str, torch.Tensor],
    hidden: torch.Tensor,
    cu_seqlens: torch.Tensor,
    max_seqlen: int,
) -> torch.Tensor:
    """The packed encoder, (N, C) -> (N, C), run with `params` in place of its parameters (what a graph records)."""
    kwargs = {"cu_seqlens": cu_seqlens, "max_seqlen": max_seqlen}
    return torch.func.functional_call(encoder, params, (hidden,), kwargs)[0]


# --------------------------------------------------------------------------------------------------------------
# Training: forward and backward graphs of the packed encoder per packed size
# --------------------------------------------------------------------------------------------------------------
@dataclass
class GraphedSize:
    """Forward and backward graphs of the packed encoder for one (sequence count, packed length N), with their
    static buffers: hidden (N, C) in, cu_seqlens (S + 1,), out (N, C), grad_out (N, C), grad_hidden (N, C)."""

    forward_graph: torch.cuda.CUDAGraph
    backward_graph: torch.cuda.CUDAGraph
    static_hidden: torch.Tensor
    static_cu_seqlens: torch.Tensor
    static_out: torch.Tensor
    static_grad_out: torch.Tensor
    static_grad_hidden: torch.Tensor


class _ReplayPackedEncoder(torch.autograd.Function):
    """Autograd node of a captured training graph: forward and backward are graph replays."""

    @staticmethod
    def forward(ctx, graphs: TrainingGraphs, size: GraphedSize, hidden, cu_seqlens, *params: torch.Tensor):
        size.static_hidden.copy_(hidden)
        size.static_cu_seqlens.copy_(cu_seqlens)
        size.forward_graph.replay()
        graphs.generation += 1
        ctx.graphs, ctx.size, ctx.generation = graphs, size, graphs.generation
        return size.static_out.detach()

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        graphs, size = ctx.graphs, ctx.size
        if ctx.generation != graphs.generation:
            # Every size shares one memory pool: another forward replay has overwritten this one's activations.
            raise RuntimeError(
                "config.varlen_cuda_graphs: this backward belongs to a training forward that was followed by "
                "another forward before it; the CUDA graphs hold the activations of one step at a time. Call "
                "backward after each forward, or set model.config.varlen_cuda_graphs = False."
            )
        size.static_grad_out.copy_(grad_out)
        size.backward_graph.replay()
        graphs.generation += 1  # a second backward of the same step would read freed activations
        # Parameter gradients are copied out of the shared buffers: autograd may adopt a returned tensor as `.grad`
        # itself, and the next replay would then overwrite an accumulating gradient. One multi-tensor kernel.
        return None, None, size.static_grad_hidden.detach(), None, *torch._foreach_mul(graphs.grads, 1.0)


class TrainingGraphs:
    """The packed encoder's forward and backward captured as CUDA graphs, one pair per packed size.

    Every size is captured into one memory pool, and its parameter gradients are copied into one set of buffers,
    so ten sizes cost about the memory of the largest. That sharing is safe because a training step replays one
    size's forward and then its backward; `generation` turns any other order into an error instead of wrong
    gradients. The graphs record the encoder on fresh autograd leaves that alias the parameters' memory (so the
    optimizer's in-place updates are seen, and the parameters' own gradient accumulators stay out of the capture).
    """

    def __init__(self, encoder: nn.Module, run_encoder=None):
        self.encoder = encoder
        self.run_encoder = functional_encoder if run_encoder is None else run_encoder
        named = [(n, p) for n, p in encoder.named_parameters() if p.requires_grad]
        self.names = [n for n, _ in named]
        self.params = tuple(p for _, p in named)
        self.pointers = [p.data_ptr() for p in self.params]
        self.grads = [torch.empty_like(p) for p in self.params]  # written by every size's backward graph
        self.pool = torch.cuda.graph_pool_handle()
        self.sizes: dict[tuple[int, int], GraphedSize] = {}
        self.generation = 0

    def valid(self) -> bool:
        """False once a parameter was replaced (`.to()`, `.half()`): the graphs would read stale memory."""
        return [p.data_ptr() for p in self.params] == self.pointers

    def full(self, batch: int, packed: int) -> bool:
        """True when a batch of `batch` sequences packed to `packed` rows would need a new size but
        `MAX_TRAIN_GRAPHS` are captured already. (Keys are (len(cu_seqlens), packed): B + 1 + dummies.)"""
        return (batch + 1 + DUMMY_SEQUENCES, packed) not in self.sizes and len(self.sizes) >= MAX_TRAIN_GRAPHS

    def capture(self, hidden: torch.Tensor, cu_seqlens: torch.Tensor, max_seqlen: int) -> GraphedSize:
        self.generation += 1  # the warm-up and capture below reuse the pool's memory
        autocast_dtype = current_autocast_dtype()
        static_hidden = hidden.detach().clone().requires_grad_(True)  # (N, C)
        static_cu_seqlens = cu_seqlens.clone()
        leaves = [p.detach().requires_grad_(True) for p in self.params]  # same memory, fresh autograd leaves
        params = dict(zip(self.names, leaves))
        inputs = (static_hidden, *leaves)

        def run() -> torch.Tensor:
            with capture_autocast(autocast_dtype):
                return self.run_encoder(self.encoder, params, static_hidden, static_cu_seqlens, max_seqlen)

        def step() -> None:  # forward and backward, gradients not accumulated
            out = run()
            torch.autograd.grad(out, inputs, grad_outputs=torch.ones_like(out))

        warm_up_on_side_stream(hidden.device, step, iterations=2)
        forward_graph, backward_graph = torch.cuda.CUDAGraph(), torch.cuda.CUDAGraph()
        with torch.cuda.graph(forward_graph, pool=self.pool, capture_error_mode=CAPTURE_MODE):
            out = run()  # (N, C)
        static_grad_out = torch.empty_like(out)
        with torch.cuda.graph(backward_graph, pool=self.pool, capture_error_mode=CAPTURE_MODE):
            grad_hidden, *grads = torch.autograd.grad(out, inputs, grad_outputs=static_grad_out)
            torch._foreach_copy_(self.grads, grads)
        del grads  # pool memory again, like the activations the backward released: later captures reuse it
        return GraphedSize(
            forward_graph,
            backward_graph,
            static_hidden,
            static_cu_seqlens,
            out.detach(),
            static_grad_out,
            grad_hidden,
        )

    def __call__(self, hidden: torch.Tensor, cu_seqlens: torch.Tensor, max_seqlen: int) -> torch.Tensor:
        """(N, C) packed hidden states in, the encoder's (N, C) output out (capturing this size first)."""
        key = (cu_seqlens.shape[0], hidden.shape[0])
        size = self.sizes.get(key)
        if size is None:
            size = self.sizes[key] = self.capture(hidden, cu_seqlens, max_seqlen)
        return _ReplayPackedEncoder.apply(self, size, hidden, cu_seqlens, *self.params)


# --------------------------------------------------------------------------------------------------------------
# The owner of one model's graphs
# --------------------------------------------------------------------------------------------------------------
class PackedGraphs:
    """Every CUDA graph of one model's packed section, and the state they share.

    Call it as `graphs(model, input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds,
    output_hidden_states)` with a `BertQAReasoningModel` (anything with `config`, `embeddings`, `encoder`,
    `training`) and padded (B, T) inputs; it returns the (B, T, C) last hidden state, or `None` to run eagerly.

    Attributes:
        inference: captured inference graphs, by (input key, packed size, autocast dtype, compiled).
        train_graphs ([`TrainingGraphs`] or `None`): the training graphs, one pair per packed size.
        eager_training_batches (`int`): training batches run eagerly because `MAX_TRAIN_GRAPHS` were captured.
    """

    def __init__(self):
        self.lock = (
            threading.Lock()
        )  # inference buffers are shared: one thread at a time fills and replays them
        self.clear()

    def clear(self) -> None:
        """Drops every captured graph (inference and training) and its memory."""
        self.inference: dict[tuple, tuple[torch.cuda.CUDAGraph, torch.Tensor]] = {}
        self.inference_inputs: dict[tuple, dict[str, torch.Tensor]] = {}  # static (B, W) inputs by input key
        self.inference_outputs: dict[tuple, torch.Tensor] = {}  # shared (B*W + 1, C) buffers by (B, W, ...)
        self.done: torch.cuda.Event | None = None  # the last inference replay's output is copied out
        self.evicted_graphs = 0  # inference graphs dropped for newer ones (MAX_INFERENCE_GRAPHS)
        self.calls = 0  # inference calls so far
        self.last_used: dict[tuple, int] = {}  # the call that last replayed each inference graph
        self.pool = None  # the inference graphs' memory pool
        self.train_graphs: TrainingGraphs | None = None
        self.eager_training_batches = 0
        self.compiled_encoder = None

    # Graphs belong to this process and device: copies and pickles start without them.
    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()

    def __bool__(self) -> bool:
        """True when anything is captured."""
        return bool(self.inference) or self.train_graphs is not None

    def summary(self) -> dict[str, list | int]:
        """What is captured, for tests and benchmarks: inference graphs as (batch, width, packed), their shared
        input and output buffers as (batch, width), training graphs as (sequences + 1 + dummies, packed)."""
        return {
            "inference_graphs": sorted((key[0][0], key[0][1], key[1]) for key in self.inference),
            "inference_inputs": sorted(key[:2] for key in self.inference_inputs),
            "inference_outputs": sorted(key[:2] for key in self.inference_outputs),
            "training_graphs": sorted(self.train_graphs.sizes) if self.train_graphs is not None else [],
            "eager_training_batches": self.eager_training_batches,
            "evicted_inference_graphs": self.evicted_graphs,
        }

    def __call__(
        self,
        model: nn.Module,
        input_ids: torch.Tensor | None,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        output_hidden_states: bool,
        compile_encoder: bool = False,
    ) -> torch.Tensor | None:
        """The packed section through graphs: the (B, T, C) last hidden state, or None to run it eagerly."""
        if not (
            getattr(model.config, "varlen_cuda_graphs", False)
            and attention_mask.device.type == "cuda"
            and not output_hidden_states
            and not torch.compiler.is_compiling()
            and model.training == torch.is_grad_enabled()  # training with gradients, or inference without
        ):
            return None
        if not model.training:
            if inputs_embeds is not None or model.config.varlen_pad_to_multiple_of <= 0:
                return None  # the graph reads token ids; without a multiple every batch has its own size
            return self._inference(
                model, input_ids, attention_mask, token_type_ids, position_ids, compile_encoder
            )
        if any(getattr(layer, "gradient_checkpointing", False) for layer in model.encoder.layer):
            return None
        return self._training(
            model, input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds, compile_encoder
        )

    # ----------------------------------------------------------------------------------------------------------
    # inference
    # ----------------------------------------------------------------------------------------------------------
    def _inference(
        self,
        model: nn.Module,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        compile_encoder: bool,
    ) -> torch.Tensor | None:
        """Replays (capturing first) the graph of this (batch size, width, packed size).

        The graph reads static copies of the inputs, padded with zero-mask columns to a width that is a multiple
        of `GRAPH_WIDTH_STEP`. The copies are queued before the one host sync (the real-token count picks the
        packed size); after it, the CPU only launches the replay, so the GPU does not idle while Python prepares
        the batch.
        """
        batch, seq_len = attention_mask.shape
        device = attention_mask.device
        width = round_up(seq_len, GRAPH_WIDTH_STEP)
        given = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            given["token_type_ids"] = token_type_ids
        if position_ids is not None:
            given["position_ids"] = position_ids
        input_key = (batch, width, tuple(given), device)
        with self.lock:
            if self.done is not None:  # the previous call may have run on another stream
                torch.cuda.current_stream(device).wait_event(self.done)
            static = self.inference_inputs.get(input_key)
            if static is None:
                static = self.inference_inputs[input_key] = {
                    name: torch.zeros(batch, width, dtype=torch.long, device=device) for name in given
                }  # each (B, W)
            static["attention_mask"][:, seq_len:].zero_()  # columns past this batch are padding
            for name, value in given.items():
                static[name][:, :seq_len].copy_(value)
            real = int(attention_mask.sum())  # the one host sync: the real-token count picks the packed size
            packed = round_up(real + 1, model.config.varlen_pad_to_multiple_of)
            autocast_dtype = current_autocast_dtype()
            key = (input_key, packed, autocast_dtype, compile_encoder)
            self.calls += 1
            entry = self.inference.pop(key, None)
            if entry is not None:
                self.inference[key] = entry  # most recently used last
            else:
                while len(self.inference) >= MAX_INFERENCE_GRAPHS:
                    oldest = next(iter(self.inference))
                    if self.calls - self.last_used[oldest] <= EVICT_AFTER_CALLS:
                        self._release_buffers(input_key)  # every graph is in use: this size runs eagerly
                        return None
                    self._evict_oldest(keep=input_key)
                try:
                    entry = self.inference[key] = self._capture_inference(
                        model, static, real, autocast_dtype, compile_encoder
                    )
                except CAPTURE_ERRORS as exc:  # capture refused: answer eagerly
                    self._disable(model.config, exc)
                    return None
            self.last_used[key] = self.calls
            graph, static_out = entry
            graph.replay()
            # The next replay overwrites static_out: hand out a copy, cut to this batch's length.
            hidden = static_out[:, :seq_len].clone(memory_format=torch.contiguous_format)  # (B, T, C)
            self.done = torch.cuda.Event()
            self.done.record(torch.cuda.current_stream(device))
            return hidden

    def _evict_oldest(self, keep: tuple) -> None:
        """Drops the least recently used inference graph, and the buffers no other graph reads (never those of
        `keep`, the input key being served)."""
        key = next(iter(self.inference))
        del self.inference[key]
        del self.last_used[key]
        self.evicted_graphs += 1
        if key[0] != keep:
            self._release_buffers(key[0])

    def _release_buffers(self, input_key: tuple) -> None:
        """Drops the static inputs of `input_key` when no graph reads them, and then the output buffers of its
        (B, W) when no static inputs of that (B, W) are left."""
        if any(k[0] == input_key for k in self.inference):
            return
        self.inference_inputs.pop(input_key, None)
        batch, width = input_key[:2]
        if not any(k[:2] == (batch, width) for k in self.inference_inputs):
            for out_key in [k for k in self.inference_outputs if k[:2] == (batch, width)]:
                del self.inference_outputs[out_key]

    def _capture_inference(
        self,
        model: nn.Module,
        static: dict[str, torch.Tensor],
        real: int,
        autocast_dtype,
        compile_encoder: bool,
    ) -> tuple[torch.cuda.CUDAGraph, torch.Tensor]:
        """Captures the inference graph for these static (B, W) inputs and this packed size; returns it with the
        (B, W, C) view its replays write."""
        batch, width = static["attention_mask"].shape
        multiple = model.config.varlen_pad_to_multiple_of
        # Under compile, one bound for every size: the compiled encoder is not recompiled for it.
        bound = model.config.max_position_embeddings if compile_encoder else 0
        run_encoder = self._compiled_encoder() if compile_encoder else functional_encoder
        params = dict(model.encoder.named_parameters())

        def encode() -> tuple[torch.Tensor, torch.Tensor]:
            with capture_autocast(autocast_dtype):
                # Only the packed size depends on `real`; which rows are real is computed on the GPU at replay.
                packing = pack_padded_batch(static["attention_mask"], multiple, real_tokens=real)
                hidden = embed_packed(
                    model.embeddings,
                    packing,
                    static["input_ids"],
                    static.get("token_type_ids"),
                    static.get("position_ids"),
                )  # (N, C)
                max_seqlen = max(packing.max_seqlen, bound)
                hidden = run_encoder(model.encoder, params, hidden, packing.cu_seqlens, max_seqlen)  # (N, C)
                return hidden, packing.indices

        produced = {}

        def warm_up() -> None:
            hidden, _ = encode()
            produced["row_shape"], produced["dtype"] = tuple(hidden.shape[1:]), hidden.dtype

        device = static["input_ids"].device
        warm_up_on_side_stream(device, warm_up, iterations=1)
        # Every graph of this (B, W) unpacks into one shared buffer allocated outside the graphs' pool, so a graph
        # keeps no output of its own alive. Its dtype is the encoder's output dtype (float32 under autocast).
        out_key = (batch, width, produced["row_shape"], produced["dtype"], device)
        out = self.inference_outputs.get(out_key)
        if out is None:
            out = self.inference_outputs[out_key] = torch.empty(
                batch * width + 1, *produced["row_shape"], dtype=produced["dtype"], device=device
            )  # (B*W + 1, C)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool, capture_error_mode=CAPTURE_MODE):
            hidden, indices = encode()
            static_out = pad_packed(hidden, indices, batch, width, out=out)  # (B, W, C)
        self.pool = graph.pool()  # later sizes share the pool: only one graph runs at a time
        return graph, static_out

    # ----------------------------------------------------------------------------------------------------------
    # training
    # ----------------------------------------------------------------------------------------------------------
    def _training(
        self,
        model: nn.Module,
        input_ids: torch.Tensor | None,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        compile_encoder: bool,
    ) -> torch.Tensor | None:
        """Packs to a fixed capacity, embeds eagerly (autograd reaches the embeddings as usual), and runs the
        encoder through the training graphs of that size."""
        batch, seq_len = attention_mask.shape
        packing = self._training_packing(model, attention_mask)
        if packing is None:
            return None
        if self.train_graphs is None:
            run_encoder = self._compiled_encoder() if compile_encoder else None
            self.train_graphs = TrainingGraphs(model.encoder, run_encoder=run_encoder)
        hidden = embed_packed(
            model.embeddings, packing, input_ids, token_type_ids, position_ids, inputs_embeds
        )  # (N, C)
        try:
            hidden = self.train_graphs(hidden, packing.cu_seqlens, packing.max_seqlen)  # (N, C)
        except CAPTURE_ERRORS as exc:
            self._disable(model.config, exc)
            return None
        return pad_packed(hidden, packing.indices, batch, seq_len)  # (B, T, C)

    def _training_packing(self, model: nn.Module, attention_mask: torch.Tensor):
        """Packing for a training graph, or None to run this batch eagerly.

        The packed length is the real tokens plus `DUMMY_SEQUENCES` rounded up to `TRAIN_GRAPH_BUCKET`; each new
        (batch size, length) is captured once, up to `MAX_TRAIN_GRAPHS` of them.
        """
        if self.train_graphs is not None and not self.train_graphs.valid():
            self.train_graphs = None  # parameters were replaced (`.to()`, `.half()`): capture anew
        real = int(attention_mask.sum())  # host sync: the packed size must be known
        capacity = round_up(real + DUMMY_SEQUENCES, TRAIN_GRAPH_BUCKET)
        if self.train_graphs is not None and self.train_graphs.full(attention_mask.shape[0], capacity):
            self.eager_training_batches += 1
            if self.eager_training_batches == 1:
                logger.info(
                    f"{MAX_TRAIN_GRAPHS} training CUDA graphs captured: batches of other sizes run eagerly"
                )
            return None
        # Each dummy sequence is shorter than TRAIN_GRAPH_BUCKET / DUMMY_SEQUENCES + 2 rows: one fixed bound.
        bound = max(model.config.max_position_embeddings, attention_mask.shape[1])
        return pack_padded_batch(attention_mask, capacity=capacity, max_seqlen=bound, real_tokens=real)

    # ----------------------------------------------------------------------------------------------------------
    # shared
    # ----------------------------------------------------------------------------------------------------------
    def _compiled_encoder(self):
        """`torch.compile(functional_encoder)` for captures under torch.compile, made once per model (the first
        packed size compiles static shapes, the second a dynamic-length version that the rest reuse)."""
        if self.compiled_encoder is None:
            self.compiled_encoder = torch.compile(functional_encoder)
        return self.compiled_encoder

    def _disable(self, config, exc: Exception) -> None:
        logger.warning(
            f"CUDA graph capture failed ({type(exc).__name__}: {str(exc).splitlines()[0]}); this model continues "
            "without CUDA graphs (config.varlen_cuda_graphs set to False)."
        )
        config.varlen_cuda_graphs = False
        self.clear()
        torch.cuda.synchronize()


__all__ = [
    "CAPTURE_ERRORS",
    "GRAPH_WIDTH_STEP",
    "MAX_INFERENCE_GRAPHS",
    "MAX_TRAIN_GRAPHS",
    "TRAIN_GRAPH_BUCKET",
    "PackedGraphs",
    "TrainingGraphs",
]
