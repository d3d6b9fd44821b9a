"""The packed (unpadded) layout of the varlen path: padded (B, T) batches <-> packed (N, ...) rows.

A padded batch holds B sequences of width T, with a 0/1 attention mask. Packing keeps only the real tokens, in
order, as N rows, and describes where each sequence starts with `cu_seqlens` (B + 1 cumulative lengths, int32),
the layout variable-length attention kernels take. Token-wise layers (projections, FFN, LayerNorm) then run on
N rows instead of B*T.

Two extra forms round N up so that batches share a few shapes (what a CUDA graph or a compiled kernel needs):
- `pad_to_multiple_of=m`: a dummy last sequence takes N to the next multiple of m strictly above the real count;
- `capacity=N`: N is fixed; the spare rows form `DUMMY_SEQUENCES` short dummy sequences.
Dummy rows point at flat index B*T, one past the end, which reads zeros (`gather_packed`) and is dropped again
(`pad_packed`).

This file travels to the Hub with saved models: it imports only torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

# Spare rows of a fixed-capacity packing are split into this many short dummy sequences (so they cost little
# attention: one long dummy sequence would cost quadratically).
DUMMY_SEQUENCES = 8


def round_up(value: int, multiple: int) -> int:
    """The smallest multiple of `multiple` that is >= `value` (`multiple` > 0)."""
    return -(-value // multiple) * multiple


@dataclass
class PackedBatch:
    """Where the real tokens of a right- or left-padded batch live once packed.

    Attributes:
        indices: flat positions (into B*T) of the packed rows, in order, (N,). Rows past the real tokens (the
            dummy sequences that round N up, see `pack_padded_batch`) point at B*T, one past the end.
        cu_seqlens: int32 cumulative lengths, (B + 1,), or (B + 2,) / (B + 1 + DUMMY_SEQUENCES,) with the dummy
            sequences last.
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

    Args:
        attention_mask (`torch.Tensor` of shape `(B, T)`): 1 for real tokens; right or left padding.
        pad_to_multiple_of (`int`): with m > 0, the packed length N is the next multiple of m strictly above the
            real token count (always at least one dummy row), reached by one dummy last sequence.
        capacity (`int`, *optional*): the packed length is exactly this, whatever the batch holds (what a captured
            CUDA graph needs): the spare rows form `DUMMY_SEQUENCES` dummy sequences, and `None` is returned when
            the real tokens do not fit.
        max_seqlen (`int`, *optional*): with `capacity`, the bound to report (default: the larger of T and one
            dummy sequence).
        real_tokens (`int`, *optional*): the real-token count when the caller already knows it; saves the host
            synchronisation (only N depends on it, so a CUDA graph recorded with one count serves every batch whose
            count rounds to the same N).

    Returns:
        [`PackedBatch`] with `indices` (N,), `cu_seqlens` (B + 1 [+ dummies],), `position_ids` (N,), or `None`
        when `capacity` is too small.
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
        steps = torch.arange(1, DUMMY_SEQUENCES + 1, device=mask.device)  # (K,)
        dummy_ends = (
            real + (steps * (capacity - real)) // DUMMY_SEQUENCES
        )  # (K,): each dummy sequence >= 1 row
        cu_seqlens = torch.cat([cu_seqlens, dummy_ends.to(torch.int32)])  # (B + 1 + K,)
        max_seqlen = max_seqlen or max(seq_len, round_up(capacity, DUMMY_SEQUENCES) // DUMMY_SEQUENCES)
    elif pad_to_multiple_of > 0:
        # The one host sync of the path: the packed size must be known to allocate it.
        real = int(lengths.sum()) if real_tokens is None else real_tokens
        total = round_up(real + 1, pad_to_multiple_of)
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
    """Rows of a padded tensor at packed `indices`.

    Args:
        padded (`torch.Tensor` of shape `(B, T, ...)`): token ids, segment ids or embeddings.
        indices (`torch.Tensor` of shape `(N,)`): `PackedBatch.indices`; the one-past-the-end index B*T reads
            zeros.

    Returns:
        `torch.Tensor` of shape `(N, ...)`.
    """
    flat = padded.reshape(-1, *padded.shape[2:])  # (B*T, ...)
    flat = torch.cat([flat, flat.new_zeros(1, *flat.shape[1:])])  # (B*T + 1, ...)
    return flat[indices]


def pad_packed(
    packed: torch.Tensor, indices: torch.Tensor, batch: int, seq_len: int, out: torch.Tensor | None = None
) -> torch.Tensor:
    """Scatters packed rows back to a zero-padded batch; dummy rows are dropped.

    Args:
        packed (`torch.Tensor` of shape `(N, C)`): packed rows.
        indices (`torch.Tensor` of shape `(N,)`): `PackedBatch.indices`.
        batch, seq_len (`int`): B and T of the padded layout.
        out (`torch.Tensor` of shape `(B*T + 1, C)`, *optional*): a buffer to write into (what a CUDA graph with a
            shared output buffer needs); its last row takes the dummies.

    Returns:
        `torch.Tensor` of shape `(B, T, C)`, a view of `out` when given.
    """
    if out is None:
        out = packed.new_empty(batch * seq_len + 1, packed.shape[-1])  # (B*T + 1, C)
    out.zero_()
    out.index_copy_(0, indices, packed)
    return out[:-1].view(batch, seq_len, -1)  # (B, T, C)


def embed_packed(
    embeddings: Callable[..., torch.Tensor],
    packing: PackedBatch,
    input_ids: torch.Tensor | None,
    token_type_ids: torch.Tensor | None,
    position_ids: torch.Tensor | None,
    inputs_embeds: torch.Tensor | None = None,
) -> torch.Tensor:
    """Embeddings of the packed tokens only.

    Args:
        embeddings: the model's embedding module, called as `embeddings(ids, token_types, positions, embeds)` on
            (N,) inputs.
        packing ([`PackedBatch`]): where the real tokens are.
        input_ids, token_type_ids, position_ids (`torch.Tensor` of shape `(B, T)`, *optional*): padded inputs.
        inputs_embeds (`torch.Tensor` of shape `(B, T, C)`, *optional*): padded word embeddings.

    Returns:
        `torch.Tensor` of shape `(N, C)`. Positions count real tokens unless `position_ids` are given.
    """
    flat = lambda t: None if t is None else gather_packed(t, packing.indices)  # noqa: E731
    return embeddings(
        flat(input_ids),
        flat(token_type_ids),
        flat(position_ids) if position_ids is not None else packing.position_ids,
        flat(inputs_embeds),
    )


def varlen_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    cu_seqlens: torch.Tensor,
    max_seqlen: int,
    dropout_p: float = 0.0,
) -> torch.Tensor:
    """Attention within each packed sequence (no masking across sequences, none inside one).

    Args:
        query, key, value (`torch.Tensor` of shape `(N, H, D)`): packed heads.
        cu_seqlens (`torch.Tensor` of shape `(S + 1,)`): int32 sequence bounds.
        max_seqlen (`int`): an upper bound of any sequence length.
        dropout_p (`float`): dropout on the attention probabilities (training), as the padded paths apply it.

    Returns:
        `torch.Tensor` of shape `(N, H, D)`. On CUDA in fp16/bf16 this is FlashAttention's variable-length kernel
        (`torch.nn.attention.varlen.varlen_attn`, torch >= 2.10; with dropout, the same kernel through
        `aten._flash_attention_forward`, whose `varlen_attn` wrapper fixes dropout at 0); elsewhere one
        `scaled_dot_product_attention` call per sequence, the same maths.
    """
    if query.is_cuda and query.dtype in (torch.float16, torch.bfloat16):
        if dropout_p > 0.0:
            # (output, logsumexp, rng_state, unused, debug mask); autograd replays the same dropout mask.
            return torch.ops.aten._flash_attention_forward(
                query, key, value, cu_seqlens, cu_seqlens, max_seqlen, max_seqlen, dropout_p, False, False
            )[0]
        try:
            from torch.nn.attention.varlen import varlen_attn
        except ImportError:  # torch < 2.10
            varlen_attn = None
        if varlen_attn is not None:
            return varlen_attn(query, key, value, cu_seqlens, cu_seqlens, max_seqlen, max_seqlen)
    bounds = cu_seqlens.tolist()
    outputs = []
    for start, end in zip(bounds[:-1], bounds[1:]):
        q, k, v = (t[start:end].transpose(0, 1) for t in (query, key, value))  # (H, L, D)
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p)  # (H, L, D)
        outputs.append(out.transpose(0, 1))  # (L, H, D)
    return torch.cat(outputs, dim=0)  # (N, H, D)


__all__ = [
    "DUMMY_SEQUENCES",
    "PackedBatch",
    "embed_packed",
    "gather_packed",
    "pack_padded_batch",
    "pad_packed",
    "round_up",
    "varlen_attention",
]
