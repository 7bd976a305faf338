"""Shared-trunk evaluation gives exactly the full pass's predictions; the deterministic merge rule and the
chunked K-sample generation are what they claim. Real fixture images, small untrained networks."""
import pytest
import torch
from torch.utils.data import Subset

from neumeta.baselines import inn, slimmable
from neumeta.baselines.pruning import (HessianImportance, calibration_batches, per_sample_gradients, prune_to_width,
                                       trunk_batches)
from neumeta.evaluation.eval_sets import eval_set
from neumeta.evaluation.trunk import BlockAndHead, TrunkFeatures, TrunkMismatchError, has_shared_trunk
from neumeta.method import inr as inr_module
from neumeta.method.engine import TargetNetwork
from neumeta.method.folding import fuse_bn
from neumeta.method.inr import NeuMetaINR
from neumeta.method.merge import gauss_legendre_rule, merged_weights
from neumeta.method.spec import RESNET20_LAST_BLOCK
from neumeta.evaluation.widths import predict_width
from neumeta.metrics import predict
from neumeta.models import build_model
from test_permute import _trained_like  # random BN statistics and affine: a wrong trunk or BN changes predictions

WIDTHS = (16, 37, 64)


@pytest.fixture(scope="module")
def cifar(request):
    root = request.config.rootpath / "tests" / "fixtures" / "data"
    return eval_set("cifar10", "test", root), root


def test_eval_set_is_decoded_once_per_process(cifar):
    test, root = cifar
    assert eval_set("cifar10", "test", root) is test and len(test) > 0


@pytest.mark.parametrize("width", WIDTHS)
def test_neumeta_from_the_trunk_predicts_exactly_as_the_full_pass(cifar, width):
    test, _ = cifar
    torch.manual_seed(0)
    target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(_trained_like(build_model("resnet20"))).state_dict())
    inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=32, num_layers=2, num_freqs=4).eval()
    trunk = TrunkFeatures(target.net, test)
    kwargs = dict(samples=5, noise=1.0)
    full = predict_width(inr, target, test, width, generator=torch.Generator().manual_seed(1), **kwargs)
    fast = predict_width(inr, target, trunk, width, generator=torch.Generator().manual_seed(1), **kwargs)
    assert torch.equal(full[0], fast[0]) and torch.equal(full[1], fast[1])
    logits = trunk.logits(target.net, inr.weights(width))
    assert torch.allclose(logits, torch.cat([target(x, inr.weights(width)) for x, _ in
                                             torch.utils.data.DataLoader(test, batch_size=500)]), atol=1e-5)


@pytest.mark.parametrize("width", WIDTHS)
def test_slimmable_and_inn_from_the_trunk_predict_exactly_as_the_full_pass(cifar, width):
    test, _ = cifar
    torch.manual_seed(0)
    slim = slimmable.SlimmableResNet20(widths=(32, 48, 64))
    _trained_like(slim)
    calibration = Subset(test, range(40))  # stands in for the training images
    slim_trunk = TrunkFeatures(slim.net, test)
    calib_trunk = TrunkFeatures(slim.net, slimmable.calibration_subset(calibration, 30, seed=0))
    network, _ = slimmable.plain_network(slim, width)
    assert torch.equal(predict(network, test)[0], slim_trunk.predict(network)[0])
    full = slimmable.recalibrate_bn(slimmable.plain_network(slim, width)[0], calibration, 30, seed=0)
    fast = slimmable.recalibrate_bn(slimmable.plain_network(slim, width)[0], calibration, 30, seed=0, trunk=calib_trunk)
    for key, value in full.state_dict().items():
        assert torch.allclose(value.float(), fast.state_dict()[key].float(), atol=1e-6), key
    assert torch.equal(predict(full, test)[0], slim_trunk.predict(fast)[0])
    model = _trained_like(inn.INNResNet20(grid_size=64))
    sampled = inn.plain_network(model, width)
    assert torch.equal(predict(sampled, test)[0], TrunkFeatures(model.net, test).predict(sampled)[0])


@pytest.mark.parametrize("criterion", ["l1", "taylor", "hessian"])
def test_pruning_from_the_trunk_gives_the_same_network_and_predictions(cifar, criterion):
    test, root = cifar
    torch.manual_seed(0)
    base = _trained_like(build_model("resnet20"))
    batches = calibration_batches(test, 2, 8, seed=0)
    example = torch.zeros(1, 3, 32, 32)
    full = prune_to_width(base, "resnet20", 24, criterion, example, batches, iterative_steps=2)
    fast = prune_to_width(base, "resnet20", 24, criterion, example, trunk_batches(base, batches), iterative_steps=2,
                          calibration_from_trunk=True)
    for key, value in full.state_dict().items():
        assert torch.allclose(value.float(), fast.state_dict()[key].float(), atol=1e-6), key
    assert torch.equal(predict(full, test)[0], TrunkFeatures(base, test).predict(fast)[0])


def test_a_changed_trunk_is_refused_not_scored(cifar):
    test, _ = cifar
    torch.manual_seed(0)
    base = _trained_like(build_model("resnet20"))
    trunk = TrunkFeatures(base, test)
    tuned = _trained_like(build_model("resnet20"))
    tuned.load_state_dict(base.state_dict())
    with torch.no_grad():
        tuned.layer1[0].conv1.weight[0, 0, 0, 0] += 1e-3  # what a fine-tuning step does
    with pytest.raises(TrunkMismatchError, match="full pass"):
        trunk.predict(tuned)
    assert torch.equal(trunk.predict(base)[0], predict(base, test)[0])


def test_lenet_has_no_shared_trunk_and_says_so(cifar):
    lenet = build_model("lenet")
    assert not has_shared_trunk(lenet)  # every LeNet layer scales with the width: nothing to share
    with pytest.raises(TypeError, match="no shared trunk"):
        TrunkFeatures(lenet, cifar[0])


def test_chunked_generation_gives_the_numbers_of_one_big_batch(monkeypatch):
    torch.manual_seed(0)
    inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=32, num_layers=3, num_freqs=4).eval()
    with torch.no_grad():
        monkeypatch.setattr(inr_module, "CHUNK_ROWS", 10 ** 9)
        whole = inr.weights(40, noise=1.0, samples=7, generator=torch.Generator().manual_seed(3))
        monkeypatch.setattr(inr_module, "CHUNK_ROWS", 50)  # 7 rows per chunk: many chunks, a ragged last one
        chunked = inr.weights(40, noise=1.0, samples=7, generator=torch.Generator().manual_seed(3))
    # the same draws and rows; tiny chunks may take other matrix kernels, so equal up to float rounding
    assert all(torch.allclose(whole[k], chunked[k], rtol=1e-5, atol=1e-7) for k in whole)


def test_gauss_legendre_rule_integrates_the_noise_square():
    for n in (1, 2, 3, 4):
        offsets, weights = gauss_legendre_rule(n, clean_share=0.01)
        assert torch.isclose(weights.sum(), torch.tensor(1.0)) and (offsets.abs() <= 0.5).all()
        assert len(offsets) == n * n + (n % 2 == 0)  # odd n: the centre node is the clean point
    offsets, weights = gauss_legendre_rule(3, clean_share=0.0)
    # exact for polynomials of degree <= 5 in each coordinate: E[u^2] = 1/12, E[u^4] = 1/80 on U(-1/2, 1/2)
    assert torch.isclose((weights * offsets[:, 0] ** 2).sum(), torch.tensor(1 / 12))
    assert torch.isclose((weights * offsets[:, 1] ** 4).sum(), torch.tensor(1 / 80))
    with pytest.raises(ValueError):
        gauss_legendre_rule(0)


def test_gauss_legendre_merge_estimates_the_k_sample_average():
    """Two Monte-Carlo averages of 4000 draws differ by their noise; the 8 x 8 rule is that close to one of
    them (it estimates the same average), the clean point alone is several times farther."""
    torch.manual_seed(0)
    inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=32, num_layers=2, num_freqs=2).eval()
    with torch.no_grad():
        draws = [inr.weights(24, noise=1.0, samples=4000, generator=torch.Generator().manual_seed(s)) for s in (0, 1)]
        rule = merged_weights(inr, 24, ("gauss-legendre", 8), noise=1.0, samples=4000)
        clean = merged_weights(inr, 24, ("gauss-legendre", 1), noise=1.0, samples=4000)
    for k in rule:
        mc_noise = (draws[1][k] - draws[0][k]).norm()
        assert (rule[k] - draws[0][k]).norm() < 1.2 * mc_noise, k
        assert (clean[k] - draws[0][k]).norm() > 2 * mc_noise, k
    assert all(torch.equal(clean[k], inr.weights(24)[k]) for k in clean)  # one node: the clean coordinate


def test_hessian_criterion_averages_every_sample():
    """The squared per-sample gradients (one vectorised pass) averaged over every sample: what one backward
    per sample gives, and not only the last sample (torch-pruning 1.6.1's own accumulate_grad)."""
    torch.manual_seed(0)
    model = _trained_like(build_model("resnet20", width=8))
    x, y = torch.randn(3, 3, 32, 32), torch.tensor([1, 2, 3])
    grads = per_sample_gradients(model, model, x, y)
    imp = HessianImportance(group_reduction="first")
    imp.add_samples(model, grads)
    weight = model.layer3[2].conv1.weight
    loop = []
    for i in range(3):
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(x[i:i + 1]), y[i:i + 1]).backward()
        loop.append(weight.grad.clone())
    expected = torch.stack(loop).pow(2).mean(0)
    assert torch.allclose(imp._accu_grad[weight] / imp._counter[weight], expected, rtol=1e-4, atol=1e-10)
    assert not torch.allclose(expected, loop[-1].pow(2))  # averaging matters here
    h = trunk_batches(model, [(x, y)])[0][0]
    from_trunk = per_sample_gradients(BlockAndHead(model), model, h, y)
    assert torch.allclose(from_trunk["layer3.2.conv1.weight"], grads["layer3.2.conv1.weight"], atol=1e-6)
