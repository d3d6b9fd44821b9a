"""A BERT encoder written from scratch, with an answer-span head and a reasoning-type head.

Read top-down: embeddings -> attention -> feed-forward -> layer -> encoder -> pooler -> pretrained base -> model
-> heads. Parameter names follow the standard BERT layout (`bert.encoder.layer.0.attention.self.query.weight`, ...)
so every BERT checkpoint loads as is.

Attention is chosen through `config._attn_implementation`:
- `"sdpa"` (default): `torch.nn.functional.scaled_dot_product_attention` on the padded batch;
- `"eager"`: explicit softmax(QK^T)V; the only one that returns attention probabilities;
- `"varlen"`: the unpadded fast path. Padding is removed once after the embeddings, every token-wise layer runs on
  the packed real tokens with one fused QKV projection, attention is variable-length, and the padded layout is
  restored for the heads (the layout lives in `packing.py`). Attention-probability dropout is applied as on the
  padded paths (inside FlashAttention's variable-length kernel). With `config.varlen_cuda_graphs`, the packed
  section is replayed as CUDA graphs (`cuda_graphs.py`).

This file travels to the Hub with saved models: it imports only the standard library, torch, transformers and its
siblings `configuration_bert_qa_reasoning.py`, `packing.py` and `cuda_graphs.py`.
"""

from __future__ import annotations

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
from .cuda_graphs import PackedGraphs
from .packing import embed_packed, pack_padded_batch, pad_packed, varlen_attention

logger = logging.get_logger(__name__)

VARLEN_IMPLEMENTATION = "varlen"
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
def _bool_to_additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~mask, torch.finfo(dtype).min)


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
        dropout = self.dropout.p if self.training else 0.0
        output = varlen_attention(query, key, value, cu_seqlens, max_seqlen, dropout)  # (N, H, D)
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
        # Captured CUDA graphs of the varlen path (a plain attribute, not a submodule; copies start empty).
        self.cuda_graphs = PackedGraphs()
        self.post_init()

    def clear_cuda_graphs(self) -> None:
        """Drops every captured CUDA graph of the varlen path (inference and training) and its memory."""
        self.cuda_graphs.clear()

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
        """The varlen path: pack the real tokens, embed them, run the encoder and restore the padded layout (all of
        it as CUDA graphs when `config.varlen_cuda_graphs` applies). Returns the (B, T, C) last hidden state and,
        when asked, every layer's."""
        batch, seq_len = attention_mask.shape
        if position_ids is None:  # positions count real tokens, up to T - 1
            check_sequence_length(seq_len, self.config.max_position_embeddings)
        graphed = self.cuda_graphs(
            self,
            input_ids,
            attention_mask,
            token_type_ids,
            position_ids,
            inputs_embeds,
            output_hidden_states,
            compile_encoder,
        )
        if graphed is not None:
            return graphed, None  # (B, T, C)
        packing = pack_padded_batch(attention_mask, self.config.varlen_pad_to_multiple_of)
        hidden = embed_packed(
            self.embeddings, packing, input_ids, token_type_ids, position_ids, inputs_embeds
        )  # (N, C)
        hidden, all_hidden, _ = self.encoder(
            hidden,
            cu_seqlens=packing.cu_seqlens,
            max_seqlen=packing.max_seqlen,
            output_hidden_states=output_hidden_states,
        )  # (N, C)
        sequence_output = pad_packed(hidden, packing.indices, batch, seq_len)  # (B, T, C)
        if all_hidden is not None:
            all_hidden = [pad_packed(h, packing.indices, batch, seq_len) for h in all_hidden]
        return sequence_output, all_hidden

    # The same, run by Python rather than traced when the model is compiled (see `forward`): graph capture and
    # replay cannot be traced, so under compile the graphs record an inductor-compiled encoder instead.
    _forward_packed_outside_compiler = torch.compiler.disable(_forward_packed)

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
        loss (`torch.FloatTensor` of shape `()`, *optional*): Span loss (mean of start and end cross-entropy, over
            the real tokens: padding is left out, so every attention path computes the same loss) plus `reasoning_loss_weight` times the reasoning cross-entropy, over whichever labels were given.
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


def reasoning_loss(
    reasoning_logits: torch.Tensor, reasoning_labels: torch.Tensor, class_weights: torch.Tensor | None = None
) -> torch.Tensor:
    """Cross-entropy of the reasoning head over the labels that are not -100: their mean, or with (R,)
    `class_weights` their weighted mean (each example counts as its class's weight, as
    `F.cross_entropy(weight=...)` does). 0 (with a graph) when every label is -100, so span-only batches train
    without NaNs. No host synchronisation."""
    labels = reasoning_labels.reshape(-1)
    labelled = labels != -100  # (B,)
    safe = labels.masked_fill(~labelled, 0)  # (B,)
    losses = F.cross_entropy(reasoning_logits.float(), safe, reduction="none")  # (B,)
    weight = labelled.float()  # (B,)
    if class_weights is not None:
        weight = weight * class_weights.to(losses.device, torch.float32)[safe]
    return (losses * weight).sum() / weight.sum().clamp(min=1e-12)


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

    def _class_weights(self, like: torch.Tensor) -> torch.Tensor | None:
        """`config.reasoning_class_weights` as a tensor on `like`'s device, made once per value and device (a copy
        from the host every step would make the step wait)."""
        weights = self.config.reasoning_class_weights
        if weights is None:
            return None
        key = (tuple(weights), like.device)
        cached = self.__dict__.get("_class_weights_cache")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_class_weights_cache"] = (key, torch.tensor(weights, device=like.device))
        return cached[1]

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
            # Padding is never an answer, and the two attention paths give it different logits (the padded path
            # computes states for pad tokens, the varlen path leaves zeros): left in the softmax, it would make
            # the loss depend on the path. So the span softmax runs over real tokens only.
            candidates = attention_mask.bool() if attention_mask is not None else None
            if getattr(self.config, "span_loss_context_only", False) and token_type_ids is not None:
                candidates = answer_candidates(token_type_ids, attention_mask)
            span = span_loss(start_logits, end_logits, start_positions, end_positions, candidates)
        if reasoning_labels is not None:
            reasoning = reasoning_loss(
                reasoning_logits, reasoning_labels, self._class_weights(reasoning_logits)
            )
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
    "BertForQuestionAnsweringWithReasoning",
    "BertQAReasoningModel",
    "BertQAReasoningPreTrainedModel",
    "QuestionAnsweringWithReasoningOutput",
    "answer_candidates",
    "reasoning_loss",
    "span_loss",
]
