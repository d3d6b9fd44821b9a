"""A BERT encoder written from scratch, with an answer-span head and a reasoning-type head.

Read top-down: embeddings -> attention -> layer -> encoder -> pooler -> pretrained base -> heads.
Parameter names follow the standard BERT layout (`bert.encoder.layer.0.attention.self.query.weight`, ...) so
every BERT checkpoint loads as is.

Attention is chosen through `config._attn_implementation`:
- `"sdpa"` (default): `torch.nn.functional.scaled_dot_product_attention` on the padded batch;
- `"eager"`: explicit softmax(QK^T)V; the only one that returns attention probabilities;
- `"varlen"`: the unpadded fast path. Padding is removed once after the embeddings, every token-wise layer runs on
  the packed real tokens with one fused QKV projection, attention is variable-length
  (`torch.nn.attention.varlen.varlen_attn` on CUDA; a per-sequence loop elsewhere), and the padded layout is
  restored for the heads. Attention-probability dropout is not applied on this path (the kernel has none).
  With `config.varlen_cuda_graphs`, the packed section is replayed as CUDA graphs (inference: packing,
  embeddings, encoder and unpacking in one graph per batch shape and packed size; training: the encoder's forward
  and backward per packed size, all sizes in one memory pool), which removes the CPU cost of launching ~90
  kernels per layer.

This file travels to the Hub with saved models: it imports only the standard library, torch, transformers and
its sibling configuration file.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AttentionInterface, PreTrainedModel
from transformers.activations import ACT2FN
from transformers.modeling_layers import GradientCheckpointingLayer
from transformers.modeling_outputs import BaseModelOutputWithPooling
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils import ModelOutput, logging

from .configuration_bert_qa_reasoning import BertQAReasoningConfig

logger = logging.get_logger(__name__)

VARLEN_IMPLEMENTATION = "varlen"
MAX_CUDA_GRAPHS = 64  # inference graphs per model; beyond this the varlen path runs eagerly
GRAPH_WIDTH_STEP = 128  # an inference graph serves every sequence length up to its width, a multiple of this
# Inference graphs read and write shared static buffers: one thread at a time fills, replays and copies them out
# (calls from several threads, as a web server's pipeline makes, would otherwise mix their batches).
_INFERENCE_GRAPHS_LOCK = threading.Lock()
DUMMY_SEQUENCES = 8  # spare rows of a fixed-capacity packing are split into this many short dummy sequences
# Other threads (a DataLoader's pin-memory thread) may call CUDA while a graph is captured: only this thread's
# calls must be capture-safe.
CAPTURE_MODE = "thread_local"
CAPTURE_ERRORS = (RuntimeError, getattr(torch, "AcceleratorError", RuntimeError))
# Training graphs are captured per packed size: real tokens + dummies rounded up to a multiple of this. All sizes
# share one memory pool, so a few sizes cost little more memory than one.
TRAIN_GRAPH_BUCKET = 256
MAX_TRAIN_GRAPHS = 24  # training sizes captured per model; batches of other sizes then run eagerly
AUTO_MAP = {
    "AutoConfig": "configuration_bert_qa_reasoning.BertQAReasoningConfig",
    "AutoModel": "modeling_bert_qa_reasoning.BertQAReasoningModel",
    "AutoModelForQuestionAnswering": "modeling_bert_qa_reasoning.BertForQuestionAnsweringWithReasoning",
}


# --------------------------------------------------------------------------------------------------------------
# Embeddings
# --------------------------------------------------------------------------------------------------------------
def check_sequence_length(seq_len: int, max_position_embeddings: int) -> None:
    """Raises a clear error (instead of an index error on the GPU) when positions 0..T-1 do not all exist."""
    if seq_len > max_position_embeddings:
        raise ValueError(
            f"Sequence length {seq_len} exceeds max_position_embeddings ({max_position_embeddings}); truncate "
            "the input or use a doc stride."
        )


class BertQAReasoningEmbeddings(nn.Module):
    """Word + absolute position + token-type embeddings, then LayerNorm and dropout."""

    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(
            config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id
        )
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor:
        # Works on any leading shape: (B, T) for the padded path, (N,) for packed tokens.
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        leading_shape = inputs_embeds.shape[:-1]
        if position_ids is None:
            seq_len = leading_shape[-1]
            check_sequence_length(seq_len, self.position_embeddings.num_embeddings)
            position_ids = torch.arange(seq_len, device=inputs_embeds.device)  # (T,) broadcast over the batch
        if token_type_ids is None:
            token_type_ids = torch.zeros(leading_shape, dtype=torch.long, device=inputs_embeds.device)
        embeddings = (
            inputs_embeds
            + self.token_type_embeddings(token_type_ids)
            + self.position_embeddings(position_ids)
        )
        return self.dropout(self.LayerNorm(embeddings))


# --------------------------------------------------------------------------------------------------------------
# Attention functions: (module, q, k, v, mask, scaling, dropout) -> (output (B, T, H, D), probabilities | None)
# --------------------------------------------------------------------------------------------------------------
def eager_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs,
) -> tuple[torch.Tensor, torch.Tensor]:
    # query/key/value: (B, H, T, D); attention_mask: additive float (B, 1, 1, T) or None
    scores = torch.matmul(query, key.transpose(-1, -2)) * scaling  # (B, H, T, T)
    if attention_mask is not None:
        if attention_mask.dtype == torch.bool:
            attention_mask = _bool_to_additive_mask(attention_mask, scores.dtype)
        scores = scores + attention_mask
    probs = F.softmax(scores, dim=-1)
    probs = F.dropout(probs, p=dropout, training=module.training)
    output = torch.matmul(probs, value).transpose(1, 2).contiguous()  # (B, T, H, D)
    return output, probs


def sdpa_attention_forward(
    module: nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    scaling: float,
    dropout: float = 0.0,
    **kwargs,
) -> tuple[torch.Tensor, None]:
    # query/key/value: (B, H, T, D); attention_mask: boolean (B, 1, 1, T), True = attend, or None
    output = F.scaled_dot_product_attention(
        query, key, value, attn_mask=attention_mask, dropout_p=dropout, scale=scaling, is_causal=False
    )  # (B, H, T, D)
    return output.transpose(1, 2).contiguous(), None  # (B, T, H, D)


ATTENTION_FUNCTIONS = {
    "eager": eager_attention_forward,
    "sdpa": sdpa_attention_forward,
    # On padded inputs the varlen path is defined to equal sdpa; the unpadded work happens in the encoder.
    VARLEN_IMPLEMENTATION: sdpa_attention_forward,
}


def attention_function(implementation: str):
    """The attention function for `config._attn_implementation`.

    eager / sdpa / varlen are this file's own (boolean masks, exact parity with `BertModel`); any other name
    registered with transformers' `AttentionInterface` (a custom function, `flex_attention`, a Hub kernel) comes
    from that registry and is called with the same arguments.
    """
    if implementation in ATTENTION_FUNCTIONS:
        return ATTENTION_FUNCTIONS[implementation]
    return ALL_ATTENTION_FUNCTIONS.get_interface(implementation, sdpa_attention_forward)


# transformers validates `attn_implementation` against its registry; registering "varlen" makes
# `from_pretrained(..., attn_implementation="varlen")` and `set_attn_implementation("varlen")` accepted.
if VARLEN_IMPLEMENTATION not in AttentionInterface._global_mapping:
    AttentionInterface.register(VARLEN_IMPLEMENTATION, sdpa_attention_forward)


def _bool_to_additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, torch.finfo(dtype).min)


def _varlen_attention(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, cu_seqlens: torch.Tensor, max_seqlen: int
) -> torch.Tensor:
    """Attention over packed sequences. query/key/value: (N, H, D); returns (N, H, D)."""
    if query.is_cuda and query.dtype in (torch.float16, torch.bfloat16):
        try:
            from torch.nn.attention.varlen import varlen_attn
        except ImportError:  # torch < 2.10
            varlen_attn = None
        if varlen_attn is not None:
            return varlen_attn(query, key, value, cu_seqlens, cu_seqlens, max_seqlen, max_seqlen)
    # Portable reference: one sdpa call per sequence (CPU, fp32, old torch). Same maths, no padding.
    bounds = cu_seqlens.tolist()
    outputs = []
    for start, end in zip(bounds[:-1], bounds[1:]):
        q, k, v = (t[start:end].transpose(0, 1) for t in (query, key, value))  # (H, L, D)
        outputs.append(F.scaled_dot_product_attention(q, k, v).transpose(0, 1))  # (L, H, D)
    return torch.cat(outputs, dim=0)


class BertQAReasoningSelfAttention(nn.Module):
    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.config = config
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.scaling = self.attention_head_size**-0.5
        self.is_causal = False  # read by transformers' registered attention functions
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        batch, seq_len, _ = hidden_states.shape
        head_shape = (batch, seq_len, self.num_attention_heads, self.attention_head_size)
        query = self.query(hidden_states).view(head_shape).transpose(1, 2)  # (B, H, T, D)
        key = self.key(hidden_states).view(head_shape).transpose(1, 2)  # (B, H, T, D)
        value = self.value(hidden_states).view(head_shape).transpose(1, 2)  # (B, H, T, D)

        implementation = self.config._attn_implementation or "sdpa"
        if output_attentions:
            implementation = "eager"  # only eager materialises the probabilities
        attention = attention_function(implementation)
        output, probs = attention(
            self,
            query,
            key,
            value,
            attention_mask,
            scaling=self.scaling,
            dropout=self.dropout.p if self.training else 0.0,
        )
        return output.reshape(batch, seq_len, -1), probs  # (B, T, C)

    def forward_packed(
        self, hidden_states: torch.Tensor, cu_seqlens: torch.Tensor, max_seqlen: int
    ) -> torch.Tensor:
        # One GEMM for Q, K and V: the weights stay separate parameters (checkpoint layout), concatenated per call.
        weight = torch.cat([self.query.weight, self.key.weight, self.value.weight], dim=0)  # (3C, C)
        bias = torch.cat([self.query.bias, self.key.bias, self.value.bias], dim=0)  # (3C,)
        qkv = F.linear(hidden_states, weight, bias)  # (N, 3C)
        qkv = qkv.view(-1, 3, self.num_attention_heads, self.attention_head_size)  # (N, 3, H, D)
        query, key, value = qkv.unbind(dim=1)  # each (N, H, D)
        output = _varlen_attention(query, key, value, cu_seqlens, max_seqlen)  # (N, H, D)
        return output.reshape(output.shape[0], -1)  # (N, C)


class BertQAReasoningSelfOutput(nn.Module):
    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertQAReasoningAttention(nn.Module):
    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.self = BertQAReasoningSelfAttention(config)
        self.output = BertQAReasoningSelfOutput(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        attention_output, probs = self.self(hidden_states, attention_mask, output_attentions)
        return self.output(attention_output, hidden_states), probs

    def forward_packed(
        self, hidden_states: torch.Tensor, cu_seqlens: torch.Tensor, max_seqlen: int
    ) -> torch.Tensor:
        return self.output(self.self.forward_packed(hidden_states, cu_seqlens, max_seqlen), hidden_states)


# --------------------------------------------------------------------------------------------------------------
# Feed-forward, layer, encoder, pooler
# --------------------------------------------------------------------------------------------------------------
class BertQAReasoningIntermediate(nn.Module):
    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = (
            ACT2FN[config.hidden_act] if isinstance(config.hidden_act, str) else config.hidden_act
        )

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertQAReasoningOutput(nn.Module):
    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states: torch.Tensor, input_tensor: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertQAReasoningLayer(GradientCheckpointingLayer):
    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.attention = BertQAReasoningAttention(config)
        self.intermediate = BertQAReasoningIntermediate(config)
        self.output = BertQAReasoningOutput(config)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        cu_seqlens: torch.Tensor | None = None,
        max_seqlen: int | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        # hidden_states: (B, T, C) padded, or (N, C) packed when cu_seqlens is given
        if cu_seqlens is not None:
            attention_output = self.attention.forward_packed(hidden_states, cu_seqlens, max_seqlen)
            probs = None
        else:
            attention_output, probs = self.attention(hidden_states, attention_mask, output_attentions)
        layer_output = self.output(self.intermediate(attention_output), attention_output)
        return layer_output, probs


class BertQAReasoningEncoder(nn.Module):
    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.config = config
        self.layer = nn.ModuleList([BertQAReasoningLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        cu_seqlens: torch.Tensor | None = None,
        max_seqlen: int | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> tuple[torch.Tensor, list[torch.Tensor] | None, list[torch.Tensor] | None]:
        all_hidden = [hidden_states] if output_hidden_states else None
        all_attentions = [] if output_attentions else None
        for layer in self.layer:
            # hidden_states positional: gradient checkpointing (reentrant) only tracks positional tensors
            hidden_states, probs = layer(
                hidden_states,
                attention_mask,
                cu_seqlens=cu_seqlens,
                max_seqlen=max_seqlen,
                output_attentions=output_attentions,
            )
            if all_hidden is not None:
                all_hidden.append(hidden_states)
            if all_attentions is not None:
                all_attentions.append(probs)
        return hidden_states, all_hidden, all_attentions


class BertQAReasoningPooler(nn.Module):
    """Dense + tanh on the [CLS] hidden state."""

    def __init__(self, config: BertQAReasoningConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.activation(self.dense(hidden_states[:, 0]))  # (B, C)


# --------------------------------------------------------------------------------------------------------------
# Packing helpers for the varlen path
# --------------------------------------------------------------------------------------------------------------
@dataclass
class PackedBatch:
    """Where the real tokens of a right- or left-padded batch live once packed.

    Attributes:
        indices: flat positions (into B*T) of the packed rows, in order, (N,). Rows past the real tokens (the
            dummy sequence that rounds N up, see `pack_padded_batch`) point at B*T, one past the end.
        cu_seqlens: int32 cumulative lengths, (B + 1,), or (B + 2,) with the dummy sequence last.
        max_seqlen: upper bound of any sequence length (known on the host, so attention needs no sync for it).
        position_ids: position of each packed token inside its own sequence, (N,).
    """

    indices: torch.Tensor
    cu_seqlens: torch.Tensor
    max_seqlen: int
    position_ids: torch.Tensor


def pack_padded_batch(
    attention_mask: torch.Tensor,
    pad_to_multiple_of: int = 0,
    capacity: int | None = None,
    max_seqlen: int | None = None,
    real_tokens: int | None = None,
) -> PackedBatch | None:
    """Computes the packing of a padded batch from its (B, T) 0/1 attention mask.

    With `pad_to_multiple_of=m > 0` the packed length N is rounded up to the next multiple of m above the real
    token count (always at least one extra row) by a dummy last sequence, so batches share a few shapes.

    With `capacity=N`, the packed length is exactly N whatever the batch holds (what a captured CUDA graph needs):
    the spare rows form `DUMMY_SEQUENCES` short dummy sequences (so they cost little attention), `max_seqlen` is
    the given bound, and `None` is returned when the real tokens do not fit. `real_tokens`, when the caller already
    counted them, saves the host synchronisation (only the packed size depends on it: a CUDA graph recorded with one
    count serves every batch whose count rounds to the same size).
    """
    batch, seq_len = attention_mask.shape
    mask = attention_mask.bool()
    lengths = mask.sum(dim=1, dtype=torch.int32)  # (B,)
    cu_seqlens = F.pad(torch.cumsum(lengths, dim=0, dtype=torch.int32), (1, 0))  # (B + 1,)
    flat_mask = mask.flatten()  # (B*T,)
    if capacity is not None:
        real = int(lengths.sum()) if real_tokens is None else real_tokens  # host sync: does the batch fit?
        if real > capacity - DUMMY_SEQUENCES:
            return None
        indices = torch.nonzero_static(flat_mask, size=capacity, fill_value=batch * seq_len).flatten()  # (N,)
        steps = torch.arange(1, DUMMY_SEQUENCES + 1, device=mask.device)
        dummy_ends = (
            real + (steps * (capacity - real)) // DUMMY_SEQUENCES
        )  # (K,): each dummy sequence >= 1 row
        cu_seqlens = torch.cat([cu_seqlens, dummy_ends.to(torch.int32)])  # (B + 1 + K,)
        max_seqlen = max_seqlen or max(seq_len, -(-capacity // DUMMY_SEQUENCES))
    elif pad_to_multiple_of > 0:
        # The one host sync of the path: the packed size must be known to allocate it.
        real = int(lengths.sum()) if real_tokens is None else real_tokens
        total = (real // pad_to_multiple_of + 1) * pad_to_multiple_of
        # Rows past the real tokens get index B*T: a row one past the end, dropped again by `pad_packed`.
        indices = torch.nonzero_static(flat_mask, size=total, fill_value=batch * seq_len).flatten()  # (N,)
        cu_seqlens = F.pad(cu_seqlens, (0, 1), value=total)  # (B + 2,): the dummy sequence is the last one
        max_seqlen = max(seq_len, pad_to_multiple_of)
    else:
        indices = torch.nonzero(flat_mask, as_tuple=False).flatten()  # (N,)
        max_seqlen = seq_len
    # Positions count real tokens only, so left padding gets the same positions as right padding.
    positions = F.pad((torch.cumsum(mask, dim=1) - 1).flatten(), (0, 1))  # (B*T + 1,): dummy rows get 0
    return PackedBatch(
        indices=indices, cu_seqlens=cu_seqlens, max_seqlen=max_seqlen, position_ids=positions[indices]
    )


def gather_packed(padded: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
    """Rows of a (B, T, ...) tensor at packed `indices` -> (N, ...); the one-past-the-end index reads zeros."""
    flat = padded.reshape(-1, *padded.shape[2:])  # (B*T, ...)
    flat = torch.cat([flat, flat.new_zeros(1, *flat.shape[1:])])  # (B*T + 1, ...)
    return flat[indices]


def pad_packed(
    packed: torch.Tensor, indices: torch.Tensor, batch: int, seq_len: int, out: torch.Tensor | None = None
) -> torch.Tensor:
    """Scatters packed (N, C) rows back to a zero-padded (B, T, C) tensor; dummy rows are dropped. With `out`, a
    (B*T + 1, C) buffer, the rows are written into it (what a CUDA graph with a shared output buffer needs)."""
    if out is None:
        out = packed.new_empty(
            batch * seq_len + 1, packed.shape[-1]
        )  # (B*T + 1, C): the last row takes dummies
    out.zero_()
    out.index_copy_(0, indices, packed)
    return out[:-1].view(batch, seq_len, -1)  # (B, T, C)


# --------------------------------------------------------------------------------------------------------------
# CUDA graphs of the packed section: shared state and helpers, then training (config.varlen_cuda_graphs)
# --------------------------------------------------------------------------------------------------------------
def _no_cuda_graphs() -> dict:
    """The CUDA-graph state of a model that has captured nothing (`BertQAReasoningModel` attributes)."""
    return {
        "_cuda_graphs": {},
        "_cuda_graph_inputs": {},
        "_cuda_graph_outputs": {},
        "_cuda_graph_done": None,  # CUDA event: the last inference replay's output is copied out
        "_cuda_graph_pool": None,
        "_train_graph": None,
        "_train_graph_eager_batches": 0,
        "_compiled_encoder": None,
    }


_SIDE_STREAMS: dict[torch.device, torch.cuda.Stream] = {}


def _warm_up_on_side_stream(device: torch.device, step, iterations: int) -> None:
    """Runs `step` before a capture, on a side stream as CUDA graph capture requires (kernel selection, workspaces
    and allocator blocks happen here, outside the graph)."""
    # One side stream per device for every warm-up: the caching allocator keeps freed blocks per stream, so a new
    # stream per capture would strand each warm-up's memory.
    if device not in _SIDE_STREAMS:
        _SIDE_STREAMS[device] = torch.cuda.Stream(device=device)
    side = _SIDE_STREAMS[device]
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(iterations):
            step()
    torch.cuda.current_stream(device).wait_stream(side)


def _capture_autocast(autocast_dtype: torch.dtype | None):
    """The caller's autocast for a CUDA graph capture, with the weight-cast cache off: the casts are recorded into
    the graph instead (a cached cast would be a tensor of the capture, reused after it)."""
    if autocast_dtype is None:
        return contextlib.nullcontext()
    return torch.autocast("cuda", dtype=autocast_dtype, cache_enabled=False)


def _functional_encoder(
    encoder: nn.Module,
    params: dict[str, torch.Tensor],
    hidden: torch.Tensor,
    cu_seqlens: torch.Tensor,
    max_seqlen: int,
) -> torch.Tensor:
    """The packed encoder run with `params` in place of its parameters (what a training graph records)."""
    kwargs = {"cu_seqlens": cu_seqlens, "max_seqlen": max_seqlen}
    return torch.func.functional_call(encoder, params, (hidden,), kwargs)[0]


class _ReplayPackedEncoder(torch.autograd.Function):
    """Autograd node of a captured training graph: forward and backward are graph replays."""

    @staticmethod
    def forward(ctx, graphs: _TrainingGraphs, size: _GraphedSize, hidden, cu_seqlens, *params: torch.Tensor):
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


@dataclass
class _GraphedSize:
    """Forward and backward graphs of the packed encoder for one (batch size, packed length), with their static
    input and output buffers."""

    forward_graph: torch.cuda.CUDAGraph
    backward_graph: torch.cuda.CUDAGraph
    static_hidden: torch.Tensor
    static_cu_seqlens: torch.Tensor
    static_out: torch.Tensor
    static_grad_out: torch.Tensor
    static_grad_hidden: torch.Tensor


class _TrainingGraphs:
    """The packed encoder's forward and backward captured as CUDA graphs, one pair per packed size.

    Every size is captured into one memory pool, and its parameter gradients are copied into one set of buffers,
    so ten sizes cost about the memory of the largest. That sharing is safe because a training step replays one
    size's forward and then its backward; `generation` turns any other order into an error instead of wrong
    gradients. The graphs record the encoder on fresh autograd leaves that alias the parameters' memory (so the
    optimizer's in-place updates are seen, and the parameters' own gradient accumulators stay out of the capture).
    """

    def __init__(self, encoder: nn.Module, run_encoder=None):
        self.encoder = encoder
        self.run_encoder = _functional_encoder if run_encoder is None else run_encoder
        named = [(n, p) for n, p in encoder.named_parameters() if p.requires_grad]
        self.names = [n for n, _ in named]
        self.params = tuple(p for _, p in named)
        self.pointers = [p.data_ptr() for p in self.params]
        self.grads = [torch.empty_like(p) for p in self.params]  # written by every size's backward graph
        self.pool = torch.cuda.graph_pool_handle()
        self.sizes: dict[tuple[int, int], _GraphedSize] = {}
        self.generation = 0

    def valid(self) -> bool:
        """False once a parameter was replaced (`.to()`, `.half()`): the graphs would read stale memory."""
        return [p.data_ptr() for p in self.params] == self.pointers

    def full(self, batch: int, packed: int) -> bool:
        """True when a batch of `batch` sequences packed to `packed` rows would need a new size but
        `MAX_TRAIN_GRAPHS` are captured already. (Keys are (len(cu_seqlens), packed): B + 1 + dummies.)"""
        return (batch + 1 + DUMMY_SEQUENCES, packed) not in self.sizes and len(self.sizes) >= MAX_TRAIN_GRAPHS

    def capture(self, hidden: torch.Tensor, cu_seqlens: torch.Tensor, max_seqlen: int) -> _GraphedSize:
        self.generation += 1  # the warm-up and capture below reuse the pool's memory
        autocast_dtype = torch.get_autocast_dtype("cuda") if torch.is_autocast_enabled("cuda") else None
        static_hidden = hidden.detach().clone().requires_grad_(True)
        static_cu_seqlens = cu_seqlens.clone()
        leaves = [p.detach().requires_grad_(True) for p in self.params]  # same memory, fresh autograd leaves
        params = dict(zip(self.names, leaves))
        inputs = (static_hidden, *leaves)

        def run() -> torch.Tensor:
            with _capture_autocast(autocast_dtype):
                return self.run_encoder(self.encoder, params, static_hidden, static_cu_seqlens, max_seqlen)

        def step() -> None:  # forward and backward, gradients not accumulated
            out = run()
            torch.autograd.grad(out, inputs, grad_outputs=torch.ones_like(out))

        _warm_up_on_side_stream(hidden.device, step, iterations=2)
        forward_graph, backward_graph = torch.cuda.CUDAGraph(), torch.cuda.CUDAGraph()
        with torch.cuda.graph(forward_graph, pool=self.pool, capture_error_mode=CAPTURE_MODE):
            out = run()
        static_grad_out = torch.empty_like(out)
        with torch.cuda.graph(backward_graph, pool=self.pool, capture_error_mode=CAPTURE_MODE):
            grad_hidden, *grads = torch.autograd.grad(out, inputs, grad_outputs=static_grad_out)
            torch._foreach_copy_(self.grads, grads)
        del grads  # pool memory again, like the activations the backward released: later captures reuse it
        size = _GraphedSize(
            forward_graph,
            backward_graph,
            static_hidden,
            static_cu_seqlens,
            out.detach(),
            static_grad_out,
            grad_hidden,
        )
        return size

    def __call__(self, hidden: torch.Tensor, cu_seqlens: torch.Tensor, max_seqlen: int) -> torch.Tensor:
        key = (cu_seqlens.shape[0], hidden.shape[0])
        size = self.sizes.get(key)
        if size is None:
            size = self.sizes[key] = self.capture(hidden, cu_seqlens, max_seqlen)
        return _ReplayPackedEncoder.apply(self, size, hidden, cu_seqlens, *self.params)


# --------------------------------------------------------------------------------------------------------------
# Pretrained base and models
# --------------------------------------------------------------------------------------------------------------
class BertQAReasoningPreTrainedModel(PreTrainedModel):
    """Weight initialisation and checkpoint plumbing shared by the encoder and the QA model."""

    config_class = BertQAReasoningConfig
    config: BertQAReasoningConfig
    base_model_prefix = "bert"
    supports_gradient_checkpointing = True
    _supports_sdpa = True
    _supports_attention_backend = False
    _no_split_modules = ["BertQAReasoningEmbeddings", "BertQAReasoningLayer"]
    # Keys of plain BERT checkpoints that this model has no use for; load reports stay clean.
    _keys_to_ignore_on_load_unexpected = [
        r"embeddings\.position_ids",
        r"cls\.",
        r"^bert\.pooler\.",  # BertForQuestionAnswering has no pooler; BertModel has one (ours uses it)
    ]

    def save_pretrained(self, save_directory, *args, **kwargs):
        # Every Auto class points at the shipped code, whichever class is saved, so the Hub copy loads through
        # AutoConfig, AutoModel and AutoModelForQuestionAnswering with trust_remote_code=True.
        self.config.auto_map = {**(getattr(self.config, "auto_map", None) or {}), **AUTO_MAP}
        return super().save_pretrained(save_directory, *args, **kwargs)

    def _init_weights(self, module: nn.Module) -> None:
        # The base class initialises Linear/Embedding with N(0, initializer_range), zero biases, LayerNorm to (1, 0),
        # and keeps the padding embedding at zero.
        super()._init_weights(module)


def _extended_attention_mask(
    attention_mask: torch.Tensor | None, implementation: str, dtype: torch.dtype
) -> torch.Tensor | None:
    """(B, T) 0/1 mask -> what the attention function expects, or None when nothing is masked."""
    if attention_mask is None:
        return None
    if not torch.compiler.is_compiling() and bool(attention_mask.all()):
        return None  # no padding: let sdpa take its unmasked kernels
    mask = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, T)
    return _bool_to_additive_mask(mask, dtype) if implementation == "eager" else mask


class BertQAReasoningModel(BertQAReasoningPreTrainedModel):
    r"""
    The bare BERT encoder (embeddings, self-attention layers, pooler), written from scratch.

    Returns a `BaseModelOutputWithPooling` (`last_hidden_state`, `pooler_output`, `hidden_states`, `attentions`).

    Example:
    ```python
    >>> from bert_qa_reasoning import BertQAReasoningConfig, BertQAReasoningModel
    >>> model = BertQAReasoningModel(BertQAReasoningConfig(hidden_size=32, num_hidden_layers=2,
    ...                                                    num_attention_heads=2, intermediate_size=64))
    >>> out = model(input_ids=torch.tensor([[101, 2054, 102]]))
    >>> out.last_hidden_state.shape
    torch.Size([1, 3, 32])
    ```
    """

    def __init__(self, config: BertQAReasoningConfig, add_pooling_layer: bool = True):
        super().__init__(config)
        self.embeddings = BertQAReasoningEmbeddings(config)
        self.encoder = BertQAReasoningEncoder(config)
        self.pooler = BertQAReasoningPooler(config) if add_pooling_layer else None
        self.__dict__.update(_no_cuda_graphs())  # plain attributes: captured graphs, see clear_cuda_graphs
        self.post_init()

    # ----------------------------------------------------------------------------------------------------------
    # CUDA graphs for varlen inference (config.varlen_cuda_graphs)
    # ----------------------------------------------------------------------------------------------------------
    def __getstate__(self):
        # Captured CUDA graphs belong to this process and device: copies and pickles start without them.
        return {**self.__dict__, **_no_cuda_graphs()}

    def clear_cuda_graphs(self) -> None:
        """Drops every captured CUDA graph of the varlen path (inference and training) and its memory."""
        self.__dict__.update(_no_cuda_graphs())

    def _training_packing(self, attention_mask: torch.Tensor) -> PackedBatch | None:
        """Packing for a training graph, or None to run this batch eagerly.

        The packed length is the real tokens plus `DUMMY_SEQUENCES` rounded up to `TRAIN_GRAPH_BUCKET`; each new
        (batch size, length) is captured once (`_TrainingGraphs`), up to `MAX_TRAIN_GRAPHS` of them.
        """
        graphs = self._train_graph
        if graphs is not None and not graphs.valid():
            graphs = self._train_graph = None  # parameters were replaced (`.to()`, `.half()`): capture anew
        real = int(attention_mask.sum())  # host sync: the packed size must be known
        capacity = -(-(real + DUMMY_SEQUENCES) // TRAIN_GRAPH_BUCKET) * TRAIN_GRAPH_BUCKET
        if graphs is not None and graphs.full(attention_mask.shape[0], capacity):
            self._train_graph_eager_batches += 1
            if self._train_graph_eager_batches == 1:
                logger.info(
                    f"{MAX_TRAIN_GRAPHS} training CUDA graphs captured: batches of other sizes run eagerly"
                )
            return None
        # Each dummy sequence is shorter than TRAIN_GRAPH_BUCKET / DUMMY_SEQUENCES + 2 rows: one fixed bound.
        bound = max(self.config.max_position_embeddings, attention_mask.shape[1])
        return pack_padded_batch(attention_mask, capacity=capacity, max_seqlen=bound, real_tokens=real)

    def _disable_cuda_graphs(self, exc: Exception) -> None:
        logger.warning(
            f"CUDA graph capture failed ({type(exc).__name__}: {str(exc).splitlines()[0]}); this model continues "
            "without CUDA graphs (config.varlen_cuda_graphs set to False)."
        )
        self.config.varlen_cuda_graphs = False
        self.clear_cuda_graphs()
        torch.cuda.synchronize()

    def _graphs_wanted(self, device: torch.device, output_hidden_states: bool, training: bool) -> bool:
        """What both graph kinds need: the option on, CUDA, plain tensors out, no compiler, and the mode (training
        with gradients, or inference without)."""
        return (
            getattr(self.config, "varlen_cuda_graphs", False)
            and device.type == "cuda"
            and self.training == training
            and torch.is_grad_enabled() == training
            and not output_hidden_states
            and not torch.compiler.is_compiling()
        )

    def _can_graph_training(self, device: torch.device, output_hidden_states: bool) -> bool:
        return self._graphs_wanted(device, output_hidden_states, training=True) and not any(
            getattr(layer, "gradient_checkpointing", False) for layer in self.encoder.layer
        )

    def _can_graph_inference(
        self, device: torch.device, inputs_embeds: torch.Tensor | None, output_hidden_states: bool
    ) -> bool:
        return (
            self._graphs_wanted(device, output_hidden_states, training=False)
            and inputs_embeds is None  # the graph reads token ids
            and self.config.varlen_pad_to_multiple_of > 0  # otherwise every batch has its own size
        )

    def _graphed_inference(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        compile_encoder: bool = False,
    ) -> torch.Tensor | None:
        """Inference by replaying one CUDA graph of the whole packed section (packing, embeddings, encoder,
        unpacking), captured per (batch size, width, packed size) on first use. Returns the (B, T, C) last hidden
        state, or None when this batch must run eagerly (graph limit reached, capture refused).

        The graph reads static copies of the inputs, padded with zero-mask columns to a width that is a multiple
        of `GRAPH_WIDTH_STEP`, so one graph serves every sequence length up to that width. The copies are queued
        before the one host sync (the real-token count picks the packed size); after it, the CPU only launches
        the replay, so the GPU does not idle while Python prepares the batch.
        """
        batch, seq_len = attention_mask.shape
        device = attention_mask.device
        width = -(-seq_len // GRAPH_WIDTH_STEP) * GRAPH_WIDTH_STEP
        given = {"input_ids": input_ids, "attention_mask": attention_mask}
        if token_type_ids is not None:
            given["token_type_ids"] = token_type_ids
        if position_ids is not None:
            given["position_ids"] = position_ids
        input_key = (batch, width, tuple(given), device)
        with _INFERENCE_GRAPHS_LOCK:
            if self._cuda_graph_done is not None:  # the previous call may have run on another stream
                torch.cuda.current_stream(device).wait_event(self._cuda_graph_done)
            static = self._cuda_graph_inputs.get(input_key)
            if static is None:
                if len(self._cuda_graphs) >= MAX_CUDA_GRAPHS:
                    return None
                static = self._cuda_graph_inputs[input_key] = {
                    name: torch.zeros(batch, width, dtype=torch.long, device=device) for name in given
                }
            static["attention_mask"][:, seq_len:].zero_()  # columns past this batch are padding
            for name, value in given.items():
                static[name][:, :seq_len].copy_(value)
            real = int(attention_mask.sum())  # the one host sync: the real-token count picks the packed size
            multiple = self.config.varlen_pad_to_multiple_of
            packed = (real // multiple + 1) * multiple
            autocast_dtype = torch.get_autocast_dtype("cuda") if torch.is_autocast_enabled("cuda") else None
            key = (input_key, packed, autocast_dtype, compile_encoder)
            entry = self._cuda_graphs.get(key)
            if entry is None:
                if len(self._cuda_graphs) >= MAX_CUDA_GRAPHS:
                    return None
                try:
                    entry = self._cuda_graphs[key] = self._capture_inference(
                        static, real, autocast_dtype, compile_encoder
                    )
                except CAPTURE_ERRORS as exc:  # capture refused: answer eagerly
                    self._disable_cuda_graphs(exc)
                    return None
            graph, static_out = entry
            graph.replay()
            # The next replay overwrites static_out: hand out a copy, cut to this batch's length.
            hidden = static_out[:, :seq_len].clone(memory_format=torch.contiguous_format)  # (B, T, C)
            self._cuda_graph_done = torch.cuda.Event()
            self._cuda_graph_done.record(torch.cuda.current_stream(device))
            return hidden

    def _capture_inference(
        self, static: dict[str, torch.Tensor], real: int, autocast_dtype, compile_encoder: bool
    ) -> tuple[torch.cuda.CUDAGraph, torch.Tensor]:
        """Captures the inference graph for these static inputs and this packed size; returns it with the (B, W, C)
        view its replays write."""
        batch, width = static["attention_mask"].shape
        # Under compile, one bound for every size: the compiled encoder is not recompiled for it.
        bound = self.config.max_position_embeddings if compile_encoder else 0
        run_encoder = self._compiled_functional_encoder() if compile_encoder else _functional_encoder
        params = dict(self.encoder.named_parameters())

        def encode() -> tuple[torch.Tensor, torch.Tensor]:
            with _capture_autocast(autocast_dtype):
                # Only the packed size depends on `real`; which rows are real is computed on the GPU at replay.
                packing = pack_padded_batch(
                    static["attention_mask"], self.config.varlen_pad_to_multiple_of, real_tokens=real
                )
                hidden = self._embed_packed(
                    packing, static["input_ids"], static.get("token_type_ids"), static.get("position_ids")
                )  # (N, C)
                max_seqlen = max(packing.max_seqlen, bound)
                hidden = run_encoder(self.encoder, params, hidden, packing.cu_seqlens, max_seqlen)  # (N, C)
                return hidden, packing.indices

        produced = {}

        def warm_up() -> None:
            hidden, _ = encode()
            produced["row_shape"], produced["dtype"] = tuple(hidden.shape[1:]), hidden.dtype

        device = static["input_ids"].device
        _warm_up_on_side_stream(device, warm_up, iterations=1)
        # Every graph of this (B, W) unpacks into one shared buffer allocated outside the graphs' pool, so a graph
        # keeps no output of its own alive. Its dtype is the encoder's output dtype (float32 under autocast).
        out_key = (batch, width, produced["row_shape"], produced["dtype"], device)
        out = self._cuda_graph_outputs.get(out_key)
        if out is None:
            out = self._cuda_graph_outputs[out_key] = torch.empty(
                batch * width + 1, *produced["row_shape"], dtype=produced["dtype"], device=device
            )
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self._cuda_graph_pool, capture_error_mode=CAPTURE_MODE):
            hidden, indices = encode()
            static_out = pad_packed(hidden, indices, batch, width, out=out)  # (B, W, C)
        self._cuda_graph_pool = graph.pool()  # later sizes share the pool: only one graph runs at a time
        return graph, static_out

    def _embed_packed(
        self,
        packing: PackedBatch,
        input_ids: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Embeddings of the packed tokens (N, C) from padded (B, T[, C]) inputs; positions count real tokens
        unless `position_ids` are given."""
        flat = lambda t: None if t is None else gather_packed(t, packing.indices)  # noqa: E731
        return self.embeddings(
            flat(input_ids),
            flat(token_type_ids),
            flat(position_ids) if position_ids is not None else packing.position_ids,
            flat(inputs_embeds),
        )

    def _forward_packed(
        self,
        input_ids: torch.Tensor | None,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        output_hidden_states: bool,
        compile_encoder: bool = False,
    ) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """The varlen path: pack the real tokens, embed them, run the encoder (as a CUDA graph when enabled) and
        restore the padded layout. Returns the (B, T, C) last hidden state and, when asked, every layer's."""
        batch, seq_len = attention_mask.shape
        device = attention_mask.device
        if position_ids is None:  # positions count real tokens, up to T - 1
            check_sequence_length(seq_len, self.config.max_position_embeddings)
        if self._can_graph_inference(device, inputs_embeds, output_hidden_states):
            graphed = self._graphed_inference(
                input_ids, attention_mask, token_type_ids, position_ids, compile_encoder
            )
            if graphed is not None:
                return graphed, None
        packing = None
        if self._can_graph_training(device, output_hidden_states):
            packing = self._training_packing(attention_mask)
        graphed_training = packing is not None
        if packing is None:
            packing = pack_padded_batch(attention_mask, self.config.varlen_pad_to_multiple_of)
        hidden = self._embed_packed(packing, input_ids, token_type_ids, position_ids, inputs_embeds)  # (N, C)
        graphed = self._run_training_graph(hidden, packing, compile_encoder) if graphed_training else None
        if graphed is not None:
            hidden, all_hidden = graphed, None
        else:
            hidden, all_hidden, _ = self.encoder(
                hidden,
                cu_seqlens=packing.cu_seqlens,
                max_seqlen=packing.max_seqlen,
                output_hidden_states=output_hidden_states,
            )
        sequence_output = pad_packed(hidden, packing.indices, batch, seq_len)  # (B, T, C)
        if all_hidden is not None:
            all_hidden = [pad_packed(h, packing.indices, batch, seq_len) for h in all_hidden]
        return sequence_output, all_hidden

    def _run_training_graph(
        self, hidden: torch.Tensor, packing: PackedBatch, compile_encoder: bool
    ) -> torch.Tensor | None:
        """The packed encoder through the training graphs (capturing this size first), or None when the capture
        is refused (the option is then off and the caller runs the encoder eagerly)."""
        if self._train_graph is None:
            run_encoder = self._compiled_functional_encoder() if compile_encoder else None
            self._train_graph = _TrainingGraphs(self.encoder, run_encoder=run_encoder)
        try:
            return self._train_graph(hidden, packing.cu_seqlens, packing.max_seqlen)
        except CAPTURE_ERRORS as exc:
            self._disable_cuda_graphs(exc)
            return None

    # The same, run by Python rather than traced when the model is compiled (see `forward`).
    _forward_packed_outside_compiler = torch.compiler.disable(_forward_packed)

    def _compiled_functional_encoder(self):
        """`torch.compile(_functional_encoder)` for training-graph captures under torch.compile, made once per
        model (the first packed size compiles static shapes, the second a dynamic-length version that the rest
        reuse). Held outside the module tree (no state-dict keys) and dropped with the graphs."""
        if self._compiled_encoder is None:
            self._compiled_encoder = torch.compile(_functional_encoder)
        return self._compiled_encoder

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPooling | tuple:
        r"""
        Args:
            input_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`): WordPiece ids.
            attention_mask (`torch.Tensor` of shape `(batch_size, sequence_length)`, *optional*): 1 for real
                tokens, 0 for padding.
            token_type_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*): Segment ids
                (0 for the question, 1 for the context).
            position_ids (`torch.LongTensor` of shape `(batch_size, sequence_length)`, *optional*): Positions;
                `0..T-1` when unset.
            inputs_embeds (`torch.Tensor` of shape `(batch_size, sequence_length, hidden_size)`, *optional*):
                Word embeddings to use instead of `input_ids`.
            output_attentions (`bool`, *optional*): Return the attention probabilities of every layer (computed
                with the eager implementation for this call).
            output_hidden_states (`bool`, *optional*): Return the embeddings and every layer's output.
            return_dict (`bool`, *optional*): Return a `ModelOutput` (default) or a plain tuple.
        """
        output_attentions = bool(
            output_attentions if output_attentions is not None else self.config.output_attentions
        )
        output_hidden_states = bool(
            output_hidden_states if output_hidden_states is not None else self.config.output_hidden_states
        )
        return_dict = return_dict if return_dict is not None else getattr(self.config, "return_dict", True)
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("Pass exactly one of `input_ids` or `inputs_embeds`.")
        batch, seq_len = (input_ids if input_ids is not None else inputs_embeds).shape[:2]
        device = (input_ids if input_ids is not None else inputs_embeds).device
        implementation = self.config._attn_implementation or "sdpa"

        use_packed = implementation == VARLEN_IMPLEMENTATION and not output_attentions
        if use_packed:
            if attention_mask is None:
                attention_mask = torch.ones(batch, seq_len, dtype=torch.long, device=device)
            packed_args = (input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds)
            if torch.compiler.is_compiling() and getattr(self.config, "varlen_cuda_graphs", False):
                # Under torch.compile with CUDA graphs on: capture and replay cannot be traced, so the packed
                # section runs outside the compiler, and the graphs record an inductor-compiled encoder.
                sequence_output, all_hidden = self._forward_packed_outside_compiler(
                    *packed_args, output_hidden_states, compile_encoder=True
                )
            else:
                sequence_output, all_hidden = self._forward_packed(*packed_args, output_hidden_states)
            all_attentions = None
        else:
            hidden = self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds)  # (B, T, C)
            mask = _extended_attention_mask(
                attention_mask, "eager" if output_attentions else implementation, hidden.dtype
            )
            sequence_output, all_hidden, all_attentions = self.encoder(
                hidden,
                mask,
                output_attentions=output_attentions,
                output_hidden_states=output_hidden_states,
            )

        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        output = BaseModelOutputWithPooling(
            last_hidden_state=sequence_output,
            pooler_output=pooled_output,
            hidden_states=tuple(all_hidden) if all_hidden is not None else None,
            attentions=tuple(all_attentions) if all_attentions is not None else None,
        )
        return output if return_dict else output.to_tuple()


@dataclass
class QuestionAnsweringWithReasoningOutput(ModelOutput):
    r"""
    Output of [`BertForQuestionAnsweringWithReasoning`].

    Args:
        loss (`torch.FloatTensor` of shape `()`, *optional*): Span loss (mean of start and end cross-entropy)
            plus `reasoning_loss_weight` times the reasoning cross-entropy, over whichever labels were given.
        span_loss (`torch.FloatTensor` of shape `()`, *optional*): The span part alone.
        reasoning_loss (`torch.FloatTensor` of shape `()`, *optional*): The (unweighted) reasoning part alone.
        start_logits (`torch.FloatTensor` of shape `(batch_size, sequence_length)`): Answer-start scores.
        end_logits (`torch.FloatTensor` of shape `(batch_size, sequence_length)`): Answer-end scores.
        reasoning_logits (`torch.FloatTensor` of shape `(batch_size, reasoning_vocab_size)`): Reasoning-type
            scores from the pooled [CLS].
        hidden_states (`tuple(torch.FloatTensor)`, *optional*): Embeddings and every layer's output.
        attentions (`tuple(torch.FloatTensor)`, *optional*): Attention probabilities of every layer.
    """

    loss: torch.Tensor | None = None
    span_loss: torch.Tensor | None = None
    reasoning_loss: torch.Tensor | None = None
    start_logits: torch.Tensor | None = None
    end_logits: torch.Tensor | None = None
    reasoning_logits: torch.Tensor | None = None
    hidden_states: tuple[torch.Tensor, ...] | None = None
    attentions: tuple[torch.Tensor, ...] | None = None


def answer_candidates(
    token_type_ids: torch.Tensor, attention_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """(B, T) bool: the positions a span can start or end at — context tokens (segment 1) and each row's first
    real token ([CLS], the target of windows that miss the answer; left padding is handled)."""
    real = (
        attention_mask.bool()
        if attention_mask is not None
        else torch.ones_like(token_type_ids, dtype=torch.bool)
    )
    first = real & (real.cumsum(dim=1) == 1)  # (B, T): the first real token of each row
    return (token_type_ids.bool() & real) | first


def span_loss(
    start_logits: torch.Tensor,
    end_logits: torch.Tensor,
    start_positions: torch.Tensor,
    end_positions: torch.Tensor,
    candidates: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean of the start and end cross-entropies. Positions outside the sequence are clamped to `T` and ignored,
    as `transformers.BertForQuestionAnswering` does. With a (B, T) bool `candidates` (see `answer_candidates`),
    the softmax runs over those positions only."""
    start_positions = start_positions.reshape(-1)
    end_positions = end_positions.reshape(-1)
    ignored_index = start_logits.size(1)
    start_positions = start_positions.clamp(0, ignored_index)
    end_positions = end_positions.clamp(0, ignored_index)
    start_logits, end_logits = start_logits.float(), end_logits.float()
    if candidates is not None:
        # A label outside the candidates (a span in the question segment) stays reachable instead of costing 1e9.
        for_label = lambda pos: candidates | F.one_hot(pos, ignored_index + 1)[:, :-1].bool()  # noqa: E731
        start_logits = start_logits.masked_fill(~for_label(start_positions), -1e9)
        end_logits = end_logits.masked_fill(~for_label(end_positions), -1e9)
    start = F.cross_entropy(start_logits, start_positions, ignore_index=ignored_index)
    end = F.cross_entropy(end_logits, end_positions, ignore_index=ignored_index)
    return (start + end) / 2


def reasoning_loss(reasoning_logits: torch.Tensor, reasoning_labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the reasoning head, averaged over the labels that are not -100; 0 (with a graph) when every
    label is -100, so span-only batches train without NaNs. No host synchronisation."""
    labels = reasoning_labels.reshape(-1)
    labelled = labels != -100  # (B,)
    losses = F.cross_entropy(
        reasoning_logits.float(), labels.masked_fill(~labelled, 0), reduction="none"
    )  # (B,)
    return (losses * labelled).sum() / labelled.sum().clamp(min=1)


class BertForQuestionAnsweringWithReasoning(BertQAReasoningPreTrainedModel):
    r"""
    BERT with an extractive-QA head (`qa_outputs`: start/end logits per token) and a reasoning-type classifier
    (`reasoning_output`) on the pooled [CLS].

    Loads any standard BERT checkpoint (`BertModel`, `BertForQuestionAnswering`, ...): encoder weights (and
    `qa_outputs` when present) are reused, the rest is initialised.

    Example:
    ```python
    >>> from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning
    >>> model = BertForQuestionAnsweringWithReasoning.from_pretrained("bert-base-uncased")
    >>> out = model(**tokenizer("Why?", "Because.", return_tensors="pt"))
    >>> out.start_logits.shape, out.reasoning_logits.shape
    ```
    """

    _keys_to_ignore_on_load_unexpected = BertQAReasoningPreTrainedModel._keys_to_ignore_on_load_unexpected[:2]

    def __init__(self, config: BertQAReasoningConfig):
        super().__init__(config)
        self.bert = BertQAReasoningModel(config, add_pooling_layer=True)
        dropout = (
            config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        )
        self.dropout = nn.Dropout(dropout)
        self.qa_outputs = nn.Linear(config.hidden_size, 2)
        self.reasoning_output = nn.Linear(config.hidden_size, config.reasoning_vocab_size)
        self.post_init()

    def clear_cuda_graphs(self) -> None:
        """Drops every captured CUDA graph of the varlen inference path (see `config.varlen_cuda_graphs`)."""
        self.bert.clear_cuda_graphs()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        start_positions: torch.Tensor | None = None,
        end_positions: torch.Tensor | None = None,
        reasoning_labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> QuestionAnsweringWithReasoningOutput | tuple:
        r"""
        Args:
            input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds, output_attentions,
            output_hidden_states: as for [`BertQAReasoningModel`].
            start_positions (`torch.LongTensor` of shape `(batch_size,)`, *optional*): Token index of the answer
                start; positions outside the sequence are ignored in the loss.
            end_positions (`torch.LongTensor` of shape `(batch_size,)`, *optional*): Token index of the answer end.
            reasoning_labels (`torch.LongTensor` of shape `(batch_size,)`, *optional*): Reasoning class ids;
                -100 marks an unlabelled example.
            return_dict (`bool`, *optional*): Return a `ModelOutput` (default) or a plain tuple.
        """
        return_dict = return_dict if return_dict is not None else getattr(self.config, "return_dict", True)
        outputs = self.bert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        logits = self.qa_outputs(outputs.last_hidden_state)  # (B, T, 2)
        start_logits, end_logits = (
            t.squeeze(-1).contiguous() for t in logits.split(1, dim=-1)
        )  # (B, T) each
        reasoning_logits = self.reasoning_output(self.dropout(outputs.pooler_output))  # (B, R)

        loss = span = reasoning = None
        if start_positions is not None and end_positions is not None:
            candidates = None
            if getattr(self.config, "span_loss_context_only", False) and token_type_ids is not None:
                candidates = answer_candidates(token_type_ids, attention_mask)
            span = span_loss(start_logits, end_logits, start_positions, end_positions, candidates)
        if reasoning_labels is not None:
            reasoning = reasoning_loss(reasoning_logits, reasoning_labels)
        if span is not None or reasoning is not None:
            loss = (span if span is not None else 0.0) + (
                self.config.reasoning_loss_weight * reasoning if reasoning is not None else 0.0
            )

        output = QuestionAnsweringWithReasoningOutput(
            loss=loss,
            span_loss=span,
            reasoning_loss=reasoning,
            start_logits=start_logits,
            end_logits=end_logits,
            reasoning_logits=reasoning_logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return output if return_dict else output.to_tuple()


__all__ = [
    "answer_candidates",
    "gather_packed",
    "BertForQuestionAnsweringWithReasoning",
    "BertQAReasoningModel",
    "BertQAReasoningPreTrainedModel",
    "PackedBatch",
    "QuestionAnsweringWithReasoningOutput",
    "pack_padded_batch",
    "pad_packed",
    "reasoning_loss",
    "span_loss",
]
