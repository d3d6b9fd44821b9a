import pytest
import torch
from transformers import AutoModel, AutoModelForQuestionAnswering, BertForQuestionAnswering, BertModel

from bert_qa_reasoning import (
    BertForQuestionAnsweringWithReasoning,
    BertQAReasoningModel,
)
from bert_qa_reasoning.modeling_bert_qa_reasoning import (
    answer_candidates,
    reasoning_loss,
    span_loss,
)

SENTENCES = [
    ("What is the capital of France?", "Paris is the capital and most populous city of France."),
    ("Why did the river flood?", "Heavy rain fell for a week, so the river flooded."),
    ("Who?", "Marie Curie won two Nobel prizes."),
]


def _batch(tokenizer):
    return tokenizer([q for q, _ in SENTENCES], [c for _, c in SENTENCES], padding=True, return_tensors="pt")


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_parity_with_transformers_bert_on_real_weights(minilm_dir, tokenizer, impl):
    enc = _batch(tokenizer)
    assert (enc["attention_mask"] == 0).any(), "the batch must contain padding"
    ours = BertForQuestionAnsweringWithReasoning.from_pretrained(minilm_dir, attn_implementation=impl).eval()
    ref = BertModel.from_pretrained(minilm_dir, attn_implementation=impl).eval()
    ref_qa = BertForQuestionAnswering.from_pretrained(minilm_dir, attn_implementation=impl).eval()
    ref_qa.qa_outputs.load_state_dict(ours.qa_outputs.state_dict())
    with torch.no_grad():
        o = ours(**enc, output_hidden_states=True, output_attentions=impl == "eager")
        r = ref(**enc, output_hidden_states=True, output_attentions=impl == "eager")
        rq = ref_qa(**enc)
    mask = enc["attention_mask"].bool()
    diffs = {
        "hidden": max((a - b)[mask].abs().max().item() for a, b in zip(o.hidden_states, r.hidden_states)),
        "pooled": (ours.bert(**enc).pooler_output - r.pooler_output).abs().max().item(),
        "start": (o.start_logits - rq.start_logits)[mask].abs().max().item(),
        "end": (o.end_logits - rq.end_logits)[mask].abs().max().item(),
    }
    if impl == "eager":
        diffs["attentions"] = max((a - b).abs().max().item() for a, b in zip(o.attentions, r.attentions))
    print(f"parity {impl}: " + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
    assert len(o.hidden_states) == 7
    assert all(v < 1e-5 for v in diffs.values()), diffs


def test_varlen_path_matches_padded_on_cpu(minilm_dir, tokenizer):
    enc = _batch(tokenizer)
    model = BertForQuestionAnsweringWithReasoning.from_pretrained(minilm_dir).eval()
    with torch.no_grad():
        padded = model(**enc, output_hidden_states=True)
        model.set_attn_implementation("varlen")
        assert model.config._attn_implementation == "varlen"  # really switched (not refused with a warning)
        packed = model(**enc, output_hidden_states=True)
    mask = enc["attention_mask"].bool()
    for a, b in zip(padded.hidden_states, packed.hidden_states):
        torch.testing.assert_close(a[mask], b[mask], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(padded.start_logits[mask], packed.start_logits[mask], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(padded.reasoning_logits, packed.reasoning_logits, atol=1e-5, rtol=1e-5)


def test_varlen_path_rejects_sequences_longer_than_the_position_table(tiny_config):
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    model.set_attn_implementation("varlen")
    too_long = tiny_config.max_position_embeddings + 1
    with pytest.raises(ValueError, match=f"Sequence length {too_long} exceeds max_position_embeddings"):
        model(input_ids=torch.ones(1, too_long, dtype=torch.long))


def test_attention_registered_with_transformers_is_used(tiny_config):
    from transformers import AttentionInterface

    from bert_qa_reasoning.modeling_bert_qa_reasoning import sdpa_attention_forward

    calls = []

    def counting_attention(module, query, key, value, attention_mask, **kwargs):
        calls.append(query.shape)
        return sdpa_attention_forward(module, query, key, value, attention_mask, **kwargs)

    AttentionInterface.register("counting_sdpa", counting_attention)
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    ids = torch.randint(5, 100, (2, 7))
    reference = model(input_ids=ids).start_logits
    model.set_attn_implementation("counting_sdpa")
    torch.testing.assert_close(model(input_ids=ids).start_logits, reference)
    assert len(calls) == tiny_config.num_hidden_layers


def test_varlen_padding_multiple_does_not_change_outputs_or_grads(tiny_config):
    torch.manual_seed(0)
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()  # eval: no dropout, same maths
    ids = torch.randint(5, 100, (3, 9))
    mask = torch.ones_like(ids)
    mask[0, 6:] = 0
    mask[2, 4:] = 0
    labels = dict(start_positions=torch.tensor([1, 3, 2]), end_positions=torch.tensor([2, 5, 3]))
    padded = model(input_ids=ids, attention_mask=mask).start_logits
    model.set_attn_implementation("varlen")
    assert model.config._attn_implementation == "varlen"
    results = []
    for multiple in (0, 8, 5):
        model.zero_grad()
        model.config.varlen_pad_to_multiple_of = multiple
        out = model(input_ids=ids, attention_mask=mask, **labels)
        out.loss.backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        results.append((out, grads))
        # real positions agree with the padded path (padding positions hold zeros here, real states there)
        torch.testing.assert_close(out.start_logits[mask.bool()], padded[mask.bool()], atol=1e-5, rtol=1e-5)
    (ref, ref_grads), *others = results
    for out, grads in others:
        torch.testing.assert_close(out.loss, ref.loss, atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(out.start_logits, ref.start_logits, atol=1e-6, rtol=1e-6)
        assert grads.keys() == ref_grads.keys()
        for n in grads:
            torch.testing.assert_close(grads[n], ref_grads[n], atol=1e-6, rtol=1e-5, msg=n)


def test_padded_and_varlen_paths_compute_the_same_loss_and_grads(tiny_config):
    # Padding positions get real states on the padded path and zeros on the varlen path; were they in the span
    # softmax, the two paths would train different objectives (the varlen path's reasoning head fell behind).
    torch.manual_seed(0)
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()  # eval: no dropout, the same maths
    ids = torch.randint(5, 100, (3, 12))
    mask = torch.ones_like(ids)
    mask[0, 5:] = 0
    mask[2, 8:] = 0
    labels = dict(
        start_positions=torch.tensor([1, 3, 2]),
        end_positions=torch.tensor([2, 5, 3]),
        reasoning_labels=torch.tensor([0, 1, 2]),
    )
    results = {}
    for implementation in ("sdpa", "varlen"):
        model.set_attn_implementation(implementation)
        model.zero_grad()
        out = model(input_ids=ids, attention_mask=mask, **labels)
        out.loss.backward()
        results[implementation] = (out, {n: p.grad.clone() for n, p in model.named_parameters()})
    (padded, padded_grads), (packed, packed_grads) = results["sdpa"], results["varlen"]
    torch.testing.assert_close(packed.span_loss, padded.span_loss, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(packed.loss, padded.loss, atol=1e-6, rtol=1e-5)
    for name, grad in padded_grads.items():
        torch.testing.assert_close(packed_grads[name], grad, atol=1e-6, rtol=1e-4, msg=name)


def test_gradient_checkpointing_same_loss_and_grads(tiny_config):
    model = BertForQuestionAnsweringWithReasoning(tiny_config).train()
    ids = torch.randint(5, 100, (2, 12))
    labels = dict(
        start_positions=torch.tensor([1, 3]),
        end_positions=torch.tensor([2, 5]),
        reasoning_labels=torch.tensor([0, 2]),
    )
    out = model(input_ids=ids, **labels)
    out.loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()
    # transformers >= 5.24 renames it; older 5.x only has gradient_checkpointing_enable
    (getattr(model, "activation_checkpointing_enable", None) or model.gradient_checkpointing_enable)()
    out2 = model(input_ids=ids, **labels)
    out2.loss.backward()
    torch.testing.assert_close(out.loss, out2.loss)
    for n, p in model.named_parameters():
        if n in grads:
            torch.testing.assert_close(grads[n], p.grad, atol=1e-6, rtol=1e-5)


def test_span_loss_clamps_and_ignores_out_of_range_positions():
    start = torch.tensor([[0.0, 1.0, 2.0]])
    end = torch.tensor([[2.0, 1.0, 0.0]])
    expected = (
        torch.log(torch.exp(start).sum()) - 2.0 + torch.log(torch.exp(end).sum()) - 2.0
    ) / 2  # start=2, end=0
    torch.testing.assert_close(span_loss(start, end, torch.tensor([2]), torch.tensor([0])), expected)
    # a position beyond the sequence is clamped to T and ignored: that side contributes NaN-free nothing
    loss = span_loss(start.repeat(2, 1), end.repeat(2, 1), torch.tensor([2, 99]), torch.tensor([0, 99]))
    torch.testing.assert_close(loss, expected)


def test_answer_candidates_and_context_only_span_loss(tiny_config):
    types = torch.tensor([[0, 0, 0, 1, 1, 1, 0], [0, 0, 0, 0, 1, 1, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1, 0], [0, 1, 1, 1, 1, 1, 1]])  # right- and left-padded rows
    expected = torch.tensor([[1, 0, 0, 1, 1, 1, 0], [0, 1, 0, 0, 1, 1, 1]], dtype=torch.bool)
    assert torch.equal(answer_candidates(types, mask), expected)

    start = torch.tensor([[0.0, 1.0, 2.0, 3.0]])
    end = torch.tensor([[3.0, 2.0, 1.0, 0.0]])
    allowed = torch.tensor([[True, False, True, True]])
    logsumexp = lambda t, keep: torch.logsumexp(t[keep], dim=0)  # noqa: E731
    expected_loss = (logsumexp(start[0], allowed[0]) - 2.0 + logsumexp(end[0], allowed[0]) - 3.0) / 2
    loss = span_loss(start, end, torch.tensor([2]), torch.tensor([0]), allowed)
    torch.testing.assert_close(loss, expected_loss)
    # a label outside the candidates stays reachable (finite loss over candidates + the label)
    odd = span_loss(start, end, torch.tensor([1]), torch.tensor([1]), allowed)
    assert torch.isfinite(odd) and odd < 10

    tiny_config.span_loss_context_only = True
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    ids = torch.randint(5, 100, (2, 7))
    labels = dict(start_positions=torch.tensor([4, 0]), end_positions=torch.tensor([5, 0]))
    out = model(input_ids=ids, token_type_ids=types, attention_mask=mask, **labels)
    keep = answer_candidates(types, mask)
    torch.testing.assert_close(
        out.span_loss,
        span_loss(out.start_logits, out.end_logits, labels["start_positions"], labels["end_positions"], keep),
    )
    model.config.span_loss_context_only = False
    full = model(input_ids=ids, token_type_ids=types, attention_mask=mask, **labels)
    torch.testing.assert_close(full.start_logits, out.start_logits)  # logits themselves are not masked
    assert full.span_loss > out.span_loss  # the softmax over fewer positions


def test_compiled_model_with_cuda_graph_option_matches_eager_on_cpu(tiny_config):
    # Under torch.compile with varlen_cuda_graphs on, the packed section runs outside the compiler (on CUDA it
    # replays graphs of a compiled encoder); on CPU it must simply give the eager results, gradients included.
    tiny_config.varlen_cuda_graphs = True
    model = BertForQuestionAnsweringWithReasoning(tiny_config).train()
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    model.set_attn_implementation("varlen")
    ids = torch.randint(5, 100, (2, 9))
    mask = torch.tensor([[1] * 9, [1] * 6 + [0] * 3])
    labels = dict(start_positions=torch.tensor([1, 2]), end_positions=torch.tensor([3, 4]))

    def loss_and_grads(runner):
        model.zero_grad(set_to_none=True)
        out = runner(input_ids=ids, attention_mask=mask, **labels)
        out.loss.backward()
        return out.loss.detach(), {
            n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None
        }

    eager_loss, eager_grads = loss_and_grads(model)
    compiled_loss, compiled_grads = loss_and_grads(torch.compile(model, backend="eager"))
    torch.testing.assert_close(compiled_loss, eager_loss)
    assert compiled_grads.keys() == eager_grads.keys()
    for name, grad in eager_grads.items():
        torch.testing.assert_close(compiled_grads[name], grad, atol=1e-6, rtol=1e-5)
    torch._dynamo.reset()


def test_reasoning_loss_ignores_minus_100():
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 5.0, 0.0]])
    value = reasoning_loss(logits, torch.tensor([0, -100]))
    torch.testing.assert_close(value, torch.log(torch.exp(logits[0]).sum()) - 2.0)
    zero = reasoning_loss(logits.requires_grad_(), torch.tensor([-100, -100]))
    assert zero.item() == 0.0 and zero.requires_grad


def test_total_loss_combines_weighted_parts(tiny_config):
    tiny_config.reasoning_loss_weight = 0.5
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    ids = torch.randint(5, 100, (2, 10))
    out = model(
        input_ids=ids,
        start_positions=torch.tensor([1, 2]),
        end_positions=torch.tensor([3, 4]),
        reasoning_labels=torch.tensor([1, -100]),
    )
    torch.testing.assert_close(out.loss, out.span_loss + 0.5 * out.reasoning_loss)
    span_only = model(input_ids=ids, start_positions=torch.tensor([1, 2]), end_positions=torch.tensor([3, 4]))
    torch.testing.assert_close(span_only.loss, out.span_loss)


def test_auto_classes_and_pretrained_integration(tiny_config, tmp_path):
    model = BertForQuestionAnsweringWithReasoning(tiny_config)
    assert isinstance(
        AutoModelForQuestionAnswering.from_config(tiny_config), BertForQuestionAnsweringWithReasoning
    )
    assert isinstance(AutoModel.from_config(tiny_config), BertQAReasoningModel)
    vocab = tiny_config.vocab_size
    assert model.get_input_embeddings().num_embeddings == vocab
    model.resize_token_embeddings(vocab + 8)
    assert model.get_input_embeddings().num_embeddings == vocab + 8 == model.config.vocab_size
    assert model.to(torch.bfloat16).dtype == torch.bfloat16
    assert model.get_input_embeddings().weight[0].abs().sum() == 0  # padding row stays zero after init


def test_loads_bert_for_question_answering_checkpoint(minilm_dir, tmp_path):
    peer = BertForQuestionAnswering.from_pretrained(minilm_dir)
    peer.save_pretrained(tmp_path)
    ours = BertForQuestionAnsweringWithReasoning.from_pretrained(tmp_path)
    torch.testing.assert_close(ours.qa_outputs.weight, peer.qa_outputs.weight)
    torch.testing.assert_close(
        ours.bert.encoder.layer[3].attention.self.key.weight,
        peer.bert.encoder.layer[3].attention.self.key.weight,
    )


def test_bad_inputs(tiny_config):
    model = BertQAReasoningModel(tiny_config)
    with pytest.raises(ValueError, match="exactly one"):
        model()
    with pytest.raises(ValueError, match="max_position_embeddings"):
        model(input_ids=torch.ones(1, 600, dtype=torch.long))


def test_class_weighted_reasoning_loss_equals_cross_entropy_with_weights(tiny_config):
    logits = torch.randn(6, 3)
    labels = torch.tensor([0, 1, 2, -100, 1, 0])
    weights = torch.tensor([0.4, 2.0, 3.0])
    keep = labels != -100
    expected = torch.nn.functional.cross_entropy(logits[keep], labels[keep], weight=weights)
    torch.testing.assert_close(reasoning_loss(logits, labels, weights), expected)
    # the model reads the weights from its config
    tiny_config.reasoning_class_weights = [0.4, 2.0, 3.0]
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    out = model(input_ids=torch.randint(5, 100, (6, 8)), reasoning_labels=labels)
    torch.testing.assert_close(out.reasoning_loss, reasoning_loss(out.reasoning_logits, labels, weights))
    with pytest.raises(ValueError, match="reasoning_class_weights"):
        type(tiny_config)(reasoning_class_weights=[1.0, 2.0])


def test_balanced_class_weights():
    from bert_qa_reasoning.recipe import balanced_class_weights

    # 6 factual, 2 causal, 1 comparative (and an unlabelled -100): N / (K * n_c)
    labels = [0] * 6 + [1] * 2 + [2] + [-100]
    assert balanced_class_weights(labels, 3) == [0.5, 1.5, 3.0]
    assert balanced_class_weights([0, 0], 3) == [0.3333, 1.0, 1.0]  # absent classes keep weight 1
