"""Configuration of the BERT question-answering model with a reasoning-type head.

This file travels to the Hub with saved models: it imports only the standard library and transformers.
"""

from __future__ import annotations

from transformers import PretrainedConfig

DEFAULT_REASONING_LABELS = ("factual", "causal", "comparative")
# The installed package's own modules live here; the copy a saved model carries is imported under another name.
_INSTALLED_PACKAGE = "bert_qa_reasoning."


def _registered_by_installed_package(task: str) -> bool:
    """True when the installed bert-qa-reasoning package has registered `task` with transformers' pipelines."""
    from transformers.pipelines import PIPELINE_REGISTRY

    info = PIPELINE_REGISTRY.supported_tasks.get(task)
    impl = info.get("impl") if isinstance(info, dict) else None
    return getattr(impl, "__module__", "").startswith(_INSTALLED_PACKAGE)


class _CustomPipelines(dict):
    """`config.custom_pipelines` as the installed package reads it.

    It keeps (and saves) the remote-code entry that lets `pipeline(..., trust_remote_code=True)` load a saved model
    where the package is absent. But a task that the installed package has registered reads as absent, so
    `pipeline("qa-with-reasoning", model=dir)` and `pipeline(model=dir)` build the installed pipeline class, with no
    `trust_remote_code`, as transformers does for its own tasks.
    """

    def __contains__(self, task: object) -> bool:
        return super().__contains__(task) and not (
            isinstance(task, str) and _registered_by_installed_package(task)
        )


class BertQAReasoningConfig(PretrainedConfig):
    r"""
    Configuration for [`BertQAReasoningModel`] and [`BertForQuestionAnsweringWithReasoning`].

    It holds the standard BERT hyperparameters, so any `bert` checkpoint's `config.json` is a valid input,
    plus the reasoning-type head.

    Args:
        vocab_size (`int`, *optional*, defaults to 30522): Size of the WordPiece vocabulary.
        hidden_size (`int`, *optional*, defaults to 768): Width of the encoder.
        num_hidden_layers (`int`, *optional*, defaults to 12): Number of transformer layers.
        num_attention_heads (`int`, *optional*, defaults to 12): Attention heads per layer; must divide
            `hidden_size`.
        intermediate_size (`int`, *optional*, defaults to 3072): Width of the feed-forward layer.
        hidden_act (`str`, *optional*, defaults to `"gelu"`): Feed-forward activation (a key of
            `transformers.activations.ACT2FN`).
        hidden_dropout_prob (`float`, *optional*, defaults to 0.1): Dropout on embeddings and residual branches.
        attention_probs_dropout_prob (`float`, *optional*, defaults to 0.1): Dropout on attention probabilities.
        max_position_embeddings (`int`, *optional*, defaults to 512): Longest sequence the model accepts.
        type_vocab_size (`int`, *optional*, defaults to 2): Number of token-type (segment) ids.
        initializer_range (`float`, *optional*, defaults to 0.02): Std of the normal weight initialiser.
        layer_norm_eps (`float`, *optional*, defaults to 1e-12): LayerNorm epsilon.
        pad_token_id (`int`, *optional*, defaults to 0): Id of the padding token.
        classifier_dropout (`float`, *optional*): Dropout before the reasoning head; `hidden_dropout_prob`
            when unset.
        reasoning_vocab_size (`int`, *optional*, defaults to 3): Number of reasoning types.
        reasoning_labels (`list[str]`, *optional*): Names of the reasoning types, one per class; defaults to
            `["factual", "causal", "comparative"]` (or `reasoning_0 ...` for another size).
        reasoning_loss_weight (`float`, *optional*, defaults to 1.0): Weight of the reasoning cross-entropy
            in the total loss.
        reasoning_class_weights (`list[float]`, *optional*): One weight per reasoning class in the reasoning
            cross-entropy (a weighted mean), to balance classes that the training data holds unevenly; the recipe
            sets them to `N / (K * n_class)` from the training labels (`balance_reasoning=True`). Unweighted when
            unset.
        span_loss_context_only (`bool`, *optional*, defaults to `False`): Compute the start/end cross-entropies
            over the positions an answer can take — the context segment (`token_type_ids == 1`) and the first
            token ([CLS], the target when the answer lies outside the window) — instead of the whole sequence,
            which matches what post-processing decodes. Needs `token_type_ids`; the returned logits are not
            masked.
        varlen_pad_to_multiple_of (`int`, *optional*, defaults to 256): On the `"varlen"` attention path, the
            packed token count is padded up to a multiple of this with a dummy last sequence that attends only to
            itself, so consecutive batches reuse a few shapes (the caching allocator, `torch.compile` and CUDA
            graphs then see a handful of sizes instead of one per batch). Outputs are unchanged; 0 disables it.
        varlen_cuda_graphs (`bool`, *optional*, defaults to `False`): On the `"varlen"` path on CUDA, run the packed
            encoder as CUDA graphs, which removes the per-kernel CPU launch cost that bounds these models on a fast
            GPU. Inference (no gradients, eval mode, `input_ids` given) captures packing, embeddings, encoder
            and unpacking as one graph per batch size, width (sequence length rounded up to 128) and packed size
            (needs `varlen_pad_to_multiple_of > 0`; at most 64 graphs, sharing one memory pool; calls from
            several threads take turns). Training captures forward and backward
            once per packed size (real tokens rounded up to a multiple of 256; at most 24 sizes, later sizes run
            eagerly); all sizes share one memory pool and one set of gradient buffers, so each training forward
            must be followed by its backward before the next training forward (anything else raises an error).
            Under `torch.compile(model)`, the packed section runs outside the compiler and the graphs record an
            inductor-compiled encoder (fused kernels and no launch cost). Not used with gradient checkpointing
            or `output_hidden_states`. A refused capture logs a warning and turns the option off. `model.clear_cuda_graphs()` frees the graphs.

    Raises:
        `ValueError`: when a size is not positive, `hidden_size` is not divisible by `num_attention_heads`,
            a dropout is outside [0, 1), or `reasoning_labels` does not have `reasoning_vocab_size` unique names.

    Example:
    ```python
    >>> from bert_qa_reasoning import BertQAReasoningConfig
    >>> config = BertQAReasoningConfig(hidden_size=384, num_hidden_layers=6, intermediate_size=1536)
    >>> config.reasoning_labels
    ['factual', 'causal', 'comparative']
    ```
    """

    model_type = "bert-qa-reasoning"

    def __setattr__(self, key, value):
        if (
            key == "custom_pipelines"
            and isinstance(value, dict)
            and type(self).__module__.startswith(_INSTALLED_PACKAGE)
        ):
            value = _CustomPipelines(value)
        super().__setattr__(key, value)

    def __init__(
        self,
        vocab_size: int = 30522,
        hidden_size: int = 768,
        num_hidden_layers: int = 12,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.1,
        max_position_embeddings: int = 512,
        type_vocab_size: int = 2,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        pad_token_id: int = 0,
        classifier_dropout: float | None = None,
        reasoning_vocab_size: int = 3,
        reasoning_labels: list[str] | tuple[str, ...] | None = None,
        reasoning_loss_weight: float = 1.0,
        reasoning_class_weights: list[float] | None = None,
        span_loss_context_only: bool = False,
        varlen_pad_to_multiple_of: int = 256,
        varlen_cuda_graphs: bool = False,
        **kwargs,
    ):
        # Keys that only make sense for the original `bert` model type; dropping them lets a BERT config.json
        # load here without warnings about unused attributes.
        kwargs.pop("position_embedding_type", None)
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.classifier_dropout = classifier_dropout
        self.reasoning_vocab_size = reasoning_vocab_size
        if reasoning_labels is None:
            reasoning_labels = (
                list(DEFAULT_REASONING_LABELS)
                if reasoning_vocab_size == len(DEFAULT_REASONING_LABELS)
                else [f"reasoning_{i}" for i in range(reasoning_vocab_size)]
            )
        self.reasoning_labels = list(reasoning_labels)
        self.reasoning_loss_weight = reasoning_loss_weight
        self.reasoning_class_weights = (
            None if reasoning_class_weights is None else [float(w) for w in reasoning_class_weights]
        )
        self.span_loss_context_only = bool(span_loss_context_only)
        self.varlen_pad_to_multiple_of = varlen_pad_to_multiple_of
        self.varlen_cuda_graphs = bool(varlen_cuda_graphs)
        self.validate_bert_qa_reasoning()

    def validate_bert_qa_reasoning(self) -> None:
        """Checks every field this model relies on; raises `ValueError` naming the first bad field."""
        for name in (
            "vocab_size",
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "intermediate_size",
            "max_position_embeddings",
            "type_vocab_size",
            "reasoning_vocab_size",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"BertQAReasoningConfig.{name} must be a positive integer, got {value!r}.")
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"BertQAReasoningConfig.hidden_size ({self.hidden_size}) must be divisible by "
                f"num_attention_heads ({self.num_attention_heads})."
            )
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= float(value) < 1.0:
                raise ValueError(f"BertQAReasoningConfig.{name} must be in [0, 1), got {value!r}.")
        if self.layer_norm_eps <= 0:
            raise ValueError(
                f"BertQAReasoningConfig.layer_norm_eps must be positive, got {self.layer_norm_eps!r}."
            )
        labels = self.reasoning_labels
        if len(labels) != self.reasoning_vocab_size:
            raise ValueError(
                f"BertQAReasoningConfig.reasoning_labels has {len(labels)} names {labels} but "
                f"reasoning_vocab_size is {self.reasoning_vocab_size}; give one name per reasoning class."
            )
        if len(set(labels)) != len(labels) or not all(isinstance(x, str) and x for x in labels):
            raise ValueError(
                f"BertQAReasoningConfig.reasoning_labels must be unique non-empty strings, got {labels}."
            )
        multiple = self.varlen_pad_to_multiple_of
        if not isinstance(multiple, int) or isinstance(multiple, bool) or multiple < 0:
            raise ValueError(
                f"BertQAReasoningConfig.varlen_pad_to_multiple_of must be an integer >= 0, got {multiple!r}."
            )
        if self.reasoning_loss_weight < 0:
            raise ValueError(
                f"BertQAReasoningConfig.reasoning_loss_weight must be >= 0, got {self.reasoning_loss_weight!r}."
            )
        weights = self.reasoning_class_weights
        if weights is not None and (len(weights) != self.reasoning_vocab_size or min(weights) <= 0):
            raise ValueError(
                f"BertQAReasoningConfig.reasoning_class_weights must hold {self.reasoning_vocab_size} positive "
                f"weights (one per reasoning class), got {weights!r}."
            )

    @property
    def reasoning_label2id(self) -> dict[str, int]:
        """Maps each reasoning label name to its class id."""
        return {name: i for i, name in enumerate(self.reasoning_labels)}

    @classmethod
    def from_dict(cls, config_dict: dict, **kwargs):
        # A plain `bert` checkpoint (BertModel, BertForQuestionAnswering, ...) has the same hyperparameters:
        # adopt it as ours instead of warning about a model-type mismatch.
        if config_dict.get("model_type") == "bert":
            config_dict = {k: v for k, v in config_dict.items() if k not in ("model_type", "architectures")}
        return super().from_dict(config_dict, **kwargs)

    @classmethod
    def get_config_dict(cls, pretrained_model_name_or_path, **kwargs):
        config_dict, kwargs = super().get_config_dict(pretrained_model_name_or_path, **kwargs)
        if config_dict.get("model_type") == "bert":
            # `from_pretrained` compares model types before `from_dict`; a BERT config is ours by design.
            config_dict = {k: v for k, v in config_dict.items() if k not in ("model_type", "architectures")}
        return config_dict, kwargs


__all__ = ["BertQAReasoningConfig", "DEFAULT_REASONING_LABELS"]
