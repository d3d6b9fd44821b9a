import pytest
import torch
from transformers import AutoModel, AutoModelForQuestionAnswering, BertForQuestionAnswering, BertModel

from bert_qa_reasoning import (
    BertForQuestionAnsweringWithReasoning,
    BertQAReasoningModel,
)
from bert_qa_reasoning.modeling_bert_qa_reasoning import (
    answer_candidates,
    gather_packed,
    pack_padded_batch,
    pad_packed,
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


def test_cuda_graph_option_is_inert_off_cuda_and_in_training(tiny_config):
    tiny_config.varlen_cuda_graphs = True
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    model.set_attn_implementation("varlen")
    ids = torch.randint(5, 100, (2, 7))
    with torch.no_grad():
        graphed = model(input_ids=ids).start_logits
        model.config.varlen_cuda_graphs = False
        torch.testing.assert_close(graphed, model(input_ids=ids).start_logits)
    assert model.bert._cuda_graphs == {}  # CPU: nothing captured
    model.clear_cuda_graphs()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_training_graphs_per_packed_size_match_eager_on_cuda(tiny_config):
    # head size 32 (the size this test ran with on an H200)
    tiny_config.hidden_size, tiny_config.intermediate_size, tiny_config.num_attention_heads = 64, 128, 2
    tiny_config.varlen_cuda_graphs = True
    model = BertForQuestionAnsweringWithReasoning(tiny_config).cuda().train()
    model.set_attn_implementation("varlen")

    def batch(lengths, width=200):
        mask = torch.zeros(len(lengths), width, dtype=torch.long)
        for i, n in enumerate(lengths):
            mask[i, :n] = 1
        ids = torch.randint(5, 1000, mask.shape) * mask
        labels = dict(start_positions=torch.tensor([1, 2, 3, 4]), end_positions=torch.tensor([2, 3, 4, 5]))
        return {k: v.cuda() for k, v in dict(input_ids=ids, attention_mask=mask, **labels).items()}

    big, small = batch([200, 200, 200, 100]), batch([30, 20, 10, 5])  # 700 and 65 real tokens: two sizes

    def loss_and_grads(inputs, graphs):
        model.config.varlen_cuda_graphs = graphs
        model.zero_grad(set_to_none=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(**inputs).loss
        loss.backward()
        return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}

    for inputs in (big, small, big, small):  # capture each size, then replay it
        graph_loss, graph_grads = loss_and_grads(inputs, True)
        eager_loss, eager_grads = loss_and_grads(inputs, False)
        torch.testing.assert_close(graph_loss, eager_loss, atol=1e-3, rtol=1e-3)
        assert graph_grads.keys() == eager_grads.keys()
        for name, grad in eager_grads.items():
            assert (graph_grads[name] - grad).norm() <= 2e-2 * grad.norm() + 1e-5, name
    assert sorted(n for _, n in model.bert._train_graph.sizes) == [256, 768]

    # Sizes share memory: a backward after another training forward must fail loudly, not give wrong gradients.
    model.config.varlen_cuda_graphs = True
    with torch.autocast("cuda", dtype=torch.bfloat16):
        first = model(**big).loss
        model(**small)
    with pytest.raises(RuntimeError, match="followed by another forward"):
        first.backward()
    model.clear_cuda_graphs()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_inference_graphs_match_eager_on_cuda(tiny_config):
    tiny_config.hidden_size, tiny_config.intermediate_size, tiny_config.num_attention_heads = 64, 128, 2
    tiny_config.varlen_pad_to_multiple_of = 64
    model = BertForQuestionAnsweringWithReasoning(tiny_config).cuda().eval()
    model.set_attn_implementation("varlen")

    def batch(lengths, width, left=False):
        mask = torch.zeros(len(lengths), width, dtype=torch.long)
        for i, n in enumerate(lengths):
            if left:
                mask[i, width - n :] = 1
            else:
                mask[i, :n] = 1
        ids = torch.randint(5, 1000, mask.shape) * mask
        types = (torch.arange(width) >= width // 3).long() * mask
        return {
            k: v.cuda() for k, v in dict(input_ids=ids, attention_mask=mask, token_type_ids=types).items()
        }

    first, longer, left = (
        batch([100, 90, 30], 100),
        batch([120, 10, 5], 120),
        batch([50, 40], 60, left=True),
    )
    # `first` again after `longer`: the graph's static inputs must not keep `longer`'s columns 100..119
    for inputs in (first, longer, first, left):
        outputs = {}
        for graphs in (True, False):
            model.config.varlen_cuda_graphs = graphs
            with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
                outputs[graphs] = model(**inputs)
        mask = inputs["attention_mask"].bool()
        for name in ("start_logits", "end_logits"):
            torch.testing.assert_close(
                outputs[True][name][mask], outputs[False][name][mask], atol=1e-3, rtol=1e-3
            )
        torch.testing.assert_close(
            outputs[True].reasoning_logits, outputs[False].reasoning_logits, atol=1e-3, rtol=1e-3
        )
    # packed sizes 256 (220 real tokens), 192 (135) and 128 (90); every width rounds up to 128, so the static
    # inputs are shared by batch size: 3 rows (`first`, `longer`) and 2 rows (`left`)
    assert sorted(key[1] for key in model.bert._cuda_graphs) == [128, 192, 256]
    assert sorted(key[0] for key in model.bert._cuda_graph_inputs) == [2, 3]
    assert sorted(key[0] for key in model.bert._cuda_graph_outputs) == [2, 3]  # one output buffer per (B, W)
    model.clear_cuda_graphs()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_inference_graphs_are_safe_across_threads_and_streams_on_cuda(tiny_config):
    import threading

    tiny_config.varlen_pad_to_multiple_of = 64
    model = BertForQuestionAnsweringWithReasoning(tiny_config).cuda().eval()
    model.set_attn_implementation("varlen")
    batches = []
    for seed in range(4):
        generator = torch.Generator().manual_seed(seed)
        lengths = torch.randint(20, 100, (3,), generator=generator)
        mask = (torch.arange(100) < lengths[:, None]).long()
        ids = torch.randint(5, 1000, mask.shape, generator=generator) * mask
        batches.append({"input_ids": ids.cuda(), "attention_mask": mask.cuda()})
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        expected = [model(**batch).start_logits for batch in batches]  # eager: graphs are off
    torch.cuda.synchronize()
    model.config.varlen_cuda_graphs = True
    errors = []

    def worker(order):
        stream = torch.cuda.Stream()
        try:
            with torch.cuda.stream(stream), torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
                for _ in range(5):
                    for i in order:
                        got = model(**batches[i]).start_logits
                        stream.synchronize()
                        real = batches[i]["attention_mask"].bool()
                        torch.testing.assert_close(got[real], expected[i][real], atol=1e-3, rtol=1e-3)
        except Exception as exc:  # re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(order,)) for order in ([0, 1, 2, 3], [3, 2, 1, 0])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[0]
    assert model.bert._cuda_graphs  # the graphs really ran
    model.clear_cuda_graphs()


def test_varlen_path_rejects_sequences_longer_than_the_position_table(tiny_config):
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    model.set_attn_implementation("varlen")
    too_long = tiny_config.max_position_embeddings + 1
    with pytest.raises(ValueError, match=f"Sequence length {too_long} exceeds max_position_embeddings"):
        model(input_ids=torch.ones(1, too_long, dtype=torch.long))


def test_copies_and_pickles_drop_captured_graphs(tiny_config):
    import copy
    import pickle
    import threading

    model = BertForQuestionAnsweringWithReasoning(tiny_config)
    model.bert._train_graph = threading.Lock()  # stands for a captured graph: neither copyable nor picklable
    model.bert._cuda_graphs[("size",)] = threading.Lock()
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert clone.bert._train_graph is None and clone.bert._cuda_graphs == {}
        torch.testing.assert_close(clone.qa_outputs.weight, model.qa_outputs.weight)
    assert model.bert._train_graph is not None  # the original keeps its graphs


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


def test_packing_helpers_round_trip():
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [0, 1, 1, 1]])
    p = pack_padded_batch(mask)
    assert p.cu_seqlens.tolist() == [0, 3, 5, 8]
    assert p.position_ids.tolist() == [0, 1, 2, 0, 1, 0, 1, 2]  # left padding gets the same positions
    x = torch.arange(12 * 2, dtype=torch.float32).view(3, 4, 2)
    packed = x.view(12, 2)[p.indices]
    back = pad_packed(packed, p.indices, 3, 4)
    torch.testing.assert_close(back[mask.bool()], x[mask.bool()])
    assert (back[~mask.bool()] == 0).all()


def test_packing_rounds_up_with_a_dummy_sequence():
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [0, 1, 1, 1]])
    p = pack_padded_batch(mask, pad_to_multiple_of=4)
    # 8 real tokens -> 12 rows: the dummy sequence is last and always non-empty
    assert p.cu_seqlens.tolist() == [0, 3, 5, 8, 12]
    assert p.indices.tolist()[8:] == [12] * 4 and p.position_ids.tolist()[8:] == [0] * 4
    x = torch.randn(3, 4, 2)
    packed = gather_packed(x, p.indices)
    assert packed.shape == (12, 2) and (packed[8:] == 0).all()
    back = pad_packed(packed + 1.0, p.indices, 3, 4)  # dummy rows (now 1.0) must not land anywhere
    torch.testing.assert_close(back[mask.bool()], x[mask.bool()] + 1.0)
    assert (back[~mask.bool()] == 0).all()


def test_fixed_capacity_packing_for_cuda_graphs():
    from bert_qa_reasoning.modeling_bert_qa_reasoning import DUMMY_SEQUENCES

    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0], [0, 1, 1, 1]])
    p = pack_padded_batch(mask, capacity=24, max_seqlen=16)
    cu = p.cu_seqlens.tolist()
    assert len(cu) == 3 + 1 + DUMMY_SEQUENCES and cu[:4] == [0, 3, 5, 8] and cu[-1] == 24
    assert all(b - a >= 1 for a, b in zip(cu[3:], cu[4:]))  # every dummy sequence is non-empty
    assert p.indices.shape == (24,) and p.max_seqlen == 16
    x = torch.randn(3, 4, 2)
    back = pad_packed(gather_packed(x, p.indices) + 1.0, p.indices, 3, 4)
    torch.testing.assert_close(back[mask.bool()], x[mask.bool()] + 1.0)
    assert (
        pack_padded_batch(mask, capacity=8 + DUMMY_SEQUENCES - 1) is None
    )  # does not fit: caller runs eagerly


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
