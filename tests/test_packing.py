import torch

from bert_qa_reasoning.packing import (
    DUMMY_SEQUENCES,
    embed_packed,
    gather_packed,
    pack_padded_batch,
    pad_packed,
    round_up,
    varlen_attention,
)


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


def test_round_up():
    assert [round_up(v, 8) for v in (0, 1, 8, 9, 16)] == [0, 8, 8, 16, 16]
    assert round_up(5 + 1, 4) == 8  # "strictly above 5" as pack_padded_batch(pad_to_multiple_of=4) counts it


def test_embed_packed_gathers_real_tokens_only():
    mask = torch.tensor([[1, 1, 0], [0, 1, 1]])
    ids = torch.tensor([[5, 6, 0], [0, 7, 8]])
    types = torch.tensor([[0, 1, 0], [0, 0, 1]])
    p = pack_padded_batch(mask)
    seen = {}

    def embeddings(input_ids, token_type_ids, position_ids, inputs_embeds):
        seen.update(ids=input_ids, types=token_type_ids, positions=position_ids, embeds=inputs_embeds)
        return torch.ones(input_ids.shape[0], 4)

    out = embed_packed(embeddings, p, ids, types, None)
    assert out.shape == (4, 4)
    assert seen["ids"].tolist() == [5, 6, 7, 8] and seen["types"].tolist() == [0, 1, 0, 1]
    assert seen["positions"].tolist() == [0, 1, 0, 1] and seen["embeds"] is None


def test_varlen_attention_equals_per_sequence_sdpa():
    torch.manual_seed(0)
    lengths = [3, 1, 4]
    q, k, v = (torch.randn(sum(lengths), 2, 8) for _ in range(3))  # (N, H, D)
    cu = torch.tensor([0, 3, 4, 8], dtype=torch.int32)
    out = varlen_attention(q, k, v, cu, max_seqlen=4)
    assert out.shape == (8, 2, 8)
    start = 0
    for n in lengths:
        sl = slice(start, start + n)
        ref = torch.nn.functional.scaled_dot_product_attention(
            q[sl].transpose(0, 1), k[sl].transpose(0, 1), v[sl].transpose(0, 1)
        ).transpose(0, 1)
        torch.testing.assert_close(out[sl], ref)
        start += n


def test_varlen_attention_dropout_on_the_portable_path():
    torch.manual_seed(0)
    q, k, v = (torch.randn(8, 2, 8) for _ in range(3))
    cu = torch.tensor([0, 3, 8], dtype=torch.int32)
    plain = varlen_attention(q, k, v, cu, max_seqlen=5)
    torch.testing.assert_close(varlen_attention(q, k, v, cu, max_seqlen=5, dropout_p=0.0), plain)
    dropped = varlen_attention(q, k, v, cu, max_seqlen=5, dropout_p=0.5)
    assert dropped.shape == plain.shape and not torch.allclose(dropped, plain)
