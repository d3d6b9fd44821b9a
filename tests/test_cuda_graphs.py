import pytest
import torch

from bert_qa_reasoning import BertForQuestionAnsweringWithReasoning
from bert_qa_reasoning.cuda_graphs import PackedGraphs


def test_cuda_graph_option_is_inert_off_cuda_and_in_training(tiny_config):
    tiny_config.varlen_cuda_graphs = True
    model = BertForQuestionAnsweringWithReasoning(tiny_config).eval()
    model.set_attn_implementation("varlen")
    ids = torch.randint(5, 100, (2, 7))
    with torch.no_grad():
        graphed = model(input_ids=ids).start_logits
        model.config.varlen_cuda_graphs = False
        torch.testing.assert_close(graphed, model(input_ids=ids).start_logits)
    assert not model.bert.cuda_graphs  # CPU: nothing captured
    assert model.bert.cuda_graphs.summary()["inference_graphs"] == []
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
    assert [n for _, n in model.bert.cuda_graphs.summary()["training_graphs"]] == [256, 768]

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
    captured = model.bert.cuda_graphs.summary()
    assert sorted(n for _, _, n in captured["inference_graphs"]) == [128, 192, 256]
    assert captured["inference_inputs"] == [(2, 128), (3, 128)]
    assert captured["inference_outputs"] == [(2, 128), (3, 128)]  # one output buffer per (B, W)
    model.clear_cuda_graphs()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU")
def test_past_the_graph_limit_the_least_recently_used_graph_is_dropped(tiny_config, monkeypatch):
    from bert_qa_reasoning import cuda_graphs

    monkeypatch.setattr(cuda_graphs, "MAX_INFERENCE_GRAPHS", 2)
    monkeypatch.setattr(cuda_graphs, "EVICT_AFTER_CALLS", 1)
    tiny_config.varlen_pad_to_multiple_of = 64
    model = BertForQuestionAnsweringWithReasoning(tiny_config).cuda().eval()
    model.set_attn_implementation("varlen")

    def batch(rows: int, length: int) -> dict:
        mask = torch.ones(rows, length, dtype=torch.long)
        ids = torch.randint(5, 1000, mask.shape, generator=torch.Generator().manual_seed(rows * length))
        return {"input_ids": ids.cuda(), "attention_mask": mask.cuda()}

    single, pair, triple = batch(1, 50), batch(2, 50), batch(3, 50)  # three input keys, packed 64 / 128 / 192
    for inputs in (
        single,
        pair,
        single,
        triple,
        single,
    ):  # `pair` is the least recently used when `triple` comes
        outputs = {}
        for graphs in (True, False):
            model.config.varlen_cuda_graphs = graphs
            with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
                outputs[graphs] = model(**inputs).start_logits
        torch.testing.assert_close(outputs[True], outputs[False], atol=1e-3, rtol=1e-3)
    captured = model.bert.cuda_graphs.summary()
    assert [b for b, _, _ in captured["inference_graphs"]] == [1, 3]  # `single` stayed: it was used last
    assert captured["inference_inputs"] == [(1, 128), (3, 128)]  # `pair`'s buffers went with its graph
    assert captured["evicted_inference_graphs"] == 1
    # graphs in use are not evicted: a new size then runs eagerly, and right
    monkeypatch.setattr(cuda_graphs, "EVICT_AFTER_CALLS", 100)
    model.config.varlen_cuda_graphs = True
    quad = batch(4, 50)
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        got = model(**quad).start_logits
    model.config.varlen_cuda_graphs = False
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        torch.testing.assert_close(got, model(**quad).start_logits, atol=1e-3, rtol=1e-3)
    assert model.bert.cuda_graphs.summary()["inference_graphs"] == captured["inference_graphs"]
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
    assert model.bert.cuda_graphs.summary()["inference_graphs"]  # the graphs really ran
    model.clear_cuda_graphs()


def test_copies_and_pickles_drop_captured_graphs(tiny_config):
    import copy
    import pickle
    import threading

    model = BertForQuestionAnsweringWithReasoning(tiny_config)
    graphs = model.bert.cuda_graphs
    graphs.train_graphs = threading.Lock()  # stands for a captured graph: neither copyable nor picklable
    graphs.inference[("size",)] = threading.Lock()
    assert graphs
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert isinstance(clone.bert.cuda_graphs, PackedGraphs) and not clone.bert.cuda_graphs
        assert clone.bert.cuda_graphs is not graphs
        torch.testing.assert_close(clone.qa_outputs.weight, model.qa_outputs.weight)
    assert model.bert.cuda_graphs.train_graphs is not None  # the original keeps its graphs
    model.clear_cuda_graphs()
    assert not model.bert.cuda_graphs


def _reasoning_task(batch: int, width: int, generator: torch.Generator):
    """Token 7, 8 or 9 right after [CLS] decides the reasoning class; lengths vary so batches are padded."""
    labels = torch.randint(0, 3, (batch,), generator=generator)
    lengths = torch.randint(width // 2, width + 1, (batch,), generator=generator)
    mask = (torch.arange(width) < lengths[:, None]).long()
    ids = torch.randint(20, 1000, (batch, width), generator=generator) * mask
    ids[:, 1] = 7 + labels
    types = (torch.arange(width) >= 4).long() * mask
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "reasoning_labels": labels}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the varlen kernels and graphs need a GPU")
def test_varlen_graphs_and_sdpa_train_the_reasoning_head_alike_on_cuda(tiny_config):
    """Same initial weights and batches, dropout off: the reasoning head trained through sdpa and through varlen +
    CUDA graphs ends with the same predictions (the paths differ only by bf16 rounding)."""
    tiny_config.hidden_size, tiny_config.intermediate_size, tiny_config.num_attention_heads = 64, 128, 2
    tiny_config.classifier_dropout = 0.0
    generator = torch.Generator().manual_seed(0)
    batches = [{k: v.cuda() for k, v in _reasoning_task(16, 48, generator).items()} for _ in range(8)]
    held_out = {k: v.cuda() for k, v in _reasoning_task(64, 48, generator).items()}
    torch.manual_seed(0)
    initial = BertForQuestionAnsweringWithReasoning(tiny_config).state_dict()
    predictions = {}
    for path in ("sdpa", "varlen+graphs"):
        model = BertForQuestionAnsweringWithReasoning(tiny_config).cuda()
        model.load_state_dict(initial)
        if path != "sdpa":
            model.set_attn_implementation("varlen")
            model.config.varlen_cuda_graphs = True
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
        model.train()
        for _ in range(5):
            for batch in batches:
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    loss = model(**batch).loss
                loss.backward()
                opt.step()
                opt.zero_grad(set_to_none=True)
        if path != "sdpa":
            assert model.bert.cuda_graphs.summary()["training_graphs"]  # the graphs really trained
        model.eval()
        with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
            logits = model(**{k: v for k, v in held_out.items() if k != "reasoning_labels"}).reasoning_logits
        predictions[path] = logits.argmax(-1)
        accuracy = (predictions[path] == held_out["reasoning_labels"]).float().mean().item()
        assert accuracy > 0.9, (path, accuracy)  # the head learned the task on both paths
        model.clear_cuda_graphs()
    agreement = (predictions["sdpa"] == predictions["varlen+graphs"]).float().mean().item()
    assert agreement >= 0.95, agreement


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the varlen kernels need a GPU")
def test_varlen_applies_attention_dropout_in_training_on_cuda(tiny_config):
    tiny_config.attention_probs_dropout_prob = 0.5
    model = BertForQuestionAnsweringWithReasoning(tiny_config).cuda()
    model.set_attn_implementation("varlen")
    ids = torch.randint(5, 100, (2, 16), device="cuda")
    with torch.autocast("cuda", dtype=torch.bfloat16):
        model.train()
        first, second = (model(input_ids=ids).start_logits for _ in range(2))
        assert not torch.allclose(first, second)  # a new dropout mask each call
        first.sum().backward()  # FlashAttention's backward replays the same mask
        assert model.bert.encoder.layer[0].attention.self.query.weight.grad is not None
        model.eval()
        with torch.no_grad():
            torch.testing.assert_close(model(input_ids=ids).start_logits, model(input_ids=ids).start_logits)
