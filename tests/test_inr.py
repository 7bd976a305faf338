import pytest
import torch

from neumeta.method.inr import FourierFeatures, NeuMetaINR
from neumeta.method.spec import LENET_ALL, RESNET20_LAST_BLOCK


@pytest.fixture(scope="module")
def inr():
    torch.manual_seed(0)
    return NeuMetaINR(RESNET20_LAST_BLOCK, hidden=32, num_layers=2, num_freqs=6)


def test_shapes_for_every_width(inr):
    for d in range(1, 129):
        w = inr.weights(d)
        assert w["layer3.2.conv1.weight"].shape == (d, 64, 3, 3)
        assert w["layer3.2.conv1.bias"].shape == (d,)
        assert w["layer3.2.conv2.weight"].shape == (64, d, 3, 3)
        assert w["layer3.2.conv2.bias"].shape == (64,)
    assert len(inr._coords) == 128  # coordinates are built once per width and cached


def test_lenet_spec_shapes():
    lenet = NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=4)
    w = lenet.weights(8)
    assert w["conv_2.weight"].shape == (16, 8, 5, 5) and w["linear.weight"].shape == (10, 32)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "16"])
def test_bad_width_is_one_clear_error(inr, bad):
    with pytest.raises(ValueError, match="width must be a positive integer"):
        inr.weights(bad)


def test_noise_never_changes_routing(inr):
    """Each head only ever sees the rows of its own tensor, with or without noise."""
    seen = {}
    hooks = [head.register_forward_hook(lambda m, i, o, key=key: seen.setdefault(key, []).append(i[0].shape[-2]))
             for key, head in inr.heads.items()]
    try:
        inr.weights(48, noise=5.0, samples=3)
    finally:
        for h in hooks:
            h.remove()
    rows = {key: sum(n) for key, n in seen.items()}  # large tensors arrive in row chunks
    assert rows == {"layer3/2/conv1/weight": 48 * 64, "layer3/2/conv1/bias": 48,
                    "layer3/2/conv2/weight": 64 * 48, "layer3/2/conv2/bias": 64}


def test_noise_moves_positions_but_not_sizes(inr):
    raw, _ = inr.coordinates(32)["layer3.2.conv2.weight"]
    clean = inr.features(raw)
    noisy = inr.features(raw, noise=1.0, generator=torch.Generator().manual_seed(0))
    assert not torch.equal(clean[..., :2], noisy[..., :2])
    assert (clean[..., :2] - noisy[..., :2]).abs().max() <= 0.5 / 32 + 1e-6  # at most half a channel
    assert torch.equal(clean[..., 2:], noisy[..., 2:])


def test_k_samples_in_one_batched_pass_and_first_is_clean(inr):
    calls = []
    hook = inr.heads["layer3/2/conv1/bias"].register_forward_hook(lambda m, i, o: calls.append(i[0].shape))
    stacked = inr.weights(40, noise=1.0, samples=5, average=False)
    hook.remove()
    assert calls == [torch.Size([5, 40, inr.encoding.out_dim])]
    assert torch.allclose(stacked["layer3.2.conv1.bias"][0], inr.weights(40)["layer3.2.conv1.bias"], atol=1e-6)
    draws = inr.weights(40, noise=1.0, samples=5, generator=torch.Generator().manual_seed(1), average=False)
    merged = inr.weights(40, noise=1.0, samples=5, generator=torch.Generator().manual_seed(1))
    for name, w in merged.items():  # the merge is the mean of the K draws (one clean, K - 1 noisy)
        assert w.shape == draws[name].shape[1:]
        assert torch.allclose(w, draws[name].mean(0), atol=1e-6)
        assert not torch.allclose(w, draws[name][0], atol=1e-6)  # and not just the clean draw


def test_encoding_is_finite_and_separates_neighbours():
    enc = FourierFeatures(4, 12)
    widths = torch.tensor([1, 16, 63, 64, 128], dtype=torch.float32)
    for s in widths:
        pos = (torch.arange(int(s)) + 0.5) / s
        f = torch.stack([pos, pos, torch.full_like(pos, s / 64), torch.full_like(pos, 1.0)], 1)
        e = enc(f)
        assert torch.isfinite(e).all()
        if len(pos) > 1:
            gaps = (e[1:] - e[:-1]).norm(dim=1)
            assert gaps.min() > 1e-3  # neighbouring channels get distinct codes
    with pytest.raises(ValueError, match="meaningful in float32"):
        FourierFeatures(4, 32)


def test_gradients_reach_only_the_inr(inr):
    w = inr.weights(33)
    loss = sum(t.square().sum() for t in w.values())
    loss.backward()
    # every parameter of the INR gets a real gradient: the encoding, every layer and every tensor's head
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in inr.parameters())
    silent = [n for n, p in inr.named_parameters() if n.endswith("weight") and p.grad.abs().sum() == 0]
    assert silent == []
    inr.zero_grad()


def test_size_floor_changes_only_the_size_inputs_below_the_floor(inr):
    torch.testing.assert_close(inr.weights(40, size_floor=32)["layer3.2.conv1.weight"],
                               inr.weights(40)["layer3.2.conv1.weight"])  # above the floor: no-op
    raw16, _ = inr.coordinates(16, size_floor=32)["layer3.2.conv2.weight"]  # (64, 16): S1 follows the width
    f16, plain16 = inr.features(raw16), inr.features(inr.coordinates(16)["layer3.2.conv2.weight"][0])
    f32 = inr.features(inr.coordinates(32)["layer3.2.conv2.weight"][0])
    torch.testing.assert_close(f16[..., :2], plain16[..., :2])  # positions of the 16-wide grid
    assert torch.equal(f16[0, 0, 2:], f32[0, 0, 2:]) and not torch.equal(f16[0, 0, 2:], plain16[0, 0, 2:])
    bias = inr.features(inr.coordinates(16, size_floor=32)["layer3.2.conv2.bias"][0])
    assert torch.equal(bias, inr.features(inr.coordinates(16)["layer3.2.conv2.bias"][0]))  # S0 = 64, S1 = 1 stay
    w = inr.weights(16, size_floor=32)
    assert w["layer3.2.conv2.weight"].shape == (64, 16, 3, 3) and w["layer3.2.conv1.bias"].shape == (16,)


def test_size_floor_follows_every_width_driven_size_in_lenet():
    from neumeta.method.inr import NeuMetaINR
    from neumeta.method.spec import LENET_ALL
    lenet = NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=2)
    raw, shape = lenet.coordinates(4, size_floor=8)["conv_2.weight"]  # (2h, h) = (8, 4)
    assert shape[:2] == (8, 4) and raw[0, 2:4].tolist() == [16.0, 8.0] and raw[0, 4:].tolist() == [8.0, 4.0]
