"""CKA and KL of Figure 9: the estimators' defining properties against direct float64 formulas, the KL's
direction, the KD loss, the bootstrap summaries, and the shared-trunk check for NeuMeta on real fixture images."""
import numpy as np
import pytest
import torch
from torch.utils.data import Subset

from neumeta.experiments.similarity.distillation import distillation_loss, kd_objective
from neumeta.evaluation.eval_sets import eval_set
from neumeta.method.engine import TargetNetwork
from neumeta.method.folding import fuse_bn
from neumeta.method.inr import NeuMetaINR
from neumeta.method.spec import RESNET20_LAST_BLOCK
from neumeta.models import build_model
from neumeta.experiments.similarity.cka import CKAFeatures, batch_grams, cka_estimates, linear_cka, minibatch_cka
from neumeta.experiments.similarity.experiment import measure_family
from neumeta.experiments.similarity.features import layer_outputs
from neumeta.experiments.similarity.kl import pairwise_kl
from neumeta.experiments.similarity.summary import cka_rows, kl_rows, off_diagonal_mean, paired_margin
from neumeta.stats import bootstrap_means, percentile_interval
from test_permute import _trained_like


def _gram_cka(x, y, unbiased=False):
    """The textbook formulas, n x n Gram matrices in float64: tr(KHLH), and Song et al.'s HSIC_1."""
    x, y = x.reshape(len(x), -1).double(), y.reshape(len(y), -1).double()
    n = len(x)
    k, l = x @ x.T, y @ y.T
    if unbiased:
        def hsic(a, b):
            a, b = a.clone().fill_diagonal_(0), b.clone().fill_diagonal_(0)
            one = torch.ones(n, dtype=torch.float64)
            return (torch.trace(a @ b) + (one @ a @ one) * (one @ b @ one) / ((n - 1) * (n - 2))
                    - 2 / (n - 2) * (one @ a @ b @ one)) / (n * (n - 3))
    else:
        h = torch.eye(n, dtype=torch.float64) - 1.0 / n

        def hsic(a, b):
            return torch.trace(a @ h @ b @ h) / (n - 1) ** 2
    return hsic(k, l) / (hsic(k, k) * hsic(l, l)).sqrt()


def _related(n, dx, dy, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, dx, generator=g) + 1.5
    y = torch.relu(x[:, :min(dx, dy)] @ torch.randn(min(dx, dy), dy, generator=g)) + 0.3 * torch.randn(n, dy, generator=g)
    return x, y


@pytest.mark.parametrize("shape", [(300, 20, 30), (40, 200, 120), (12, 3, 5)])  # feature space, Gram space, tiny
@pytest.mark.parametrize("unbiased", [False, True])
def test_cka_matches_the_direct_gram_formula(shape, unbiased):
    x, y = _related(*shape)
    assert torch.isclose(linear_cka(x, y, unbiased), _gram_cka(x, y, unbiased), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("unbiased", [False, True])
def test_cka_of_a_set_with_itself_is_one_and_invariant_to_rotation_and_scale(unbiased):
    x, y = _related(200, 24, 16)
    assert torch.isclose(linear_cka(x, x, unbiased), torch.tensor(1.0, dtype=torch.float64))
    q, _ = torch.linalg.qr(torch.randn(24, 24, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
    base = linear_cka(x, y, unbiased)
    assert 0.05 < base < 0.99  # a pair where the invariances below can fail
    assert torch.isclose(linear_cka(x.double() @ q, y, unbiased), base)
    assert torch.isclose(linear_cka(x, 7.5 * y, unbiased), base)
    assert torch.isclose(linear_cka(0.01 * x.double() @ q, y, unbiased), base)
    # not invariant to an anisotropic scaling: the properties above are not vacuous
    assert not torch.isclose(linear_cka(x * torch.linspace(0.1, 10, 24), y, unbiased), base, rtol=1e-3)


def test_biased_cka_of_unrelated_features_is_far_from_zero_with_few_images_and_the_unbiased_one_is_not():
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(128, 2000, generator=g), torch.rand(128, 2000, generator=g)  # independent, like the reference's batches
    est = cka_estimates(x, y)
    assert est["biased"] > 0.5 and abs(est["unbiased"]) < 0.05


def test_minibatch_cka_is_the_biased_cka_of_each_batch_and_keeps_the_last_short_batch():
    x, y = _related(300, 10, 7)
    values = minibatch_cka(x, y, 128)
    assert len(values) == 3  # 128 + 128 + 44, as a data loader batches 300 images
    expected = [linear_cka(x[i:i + 128], y[i:i + 128]) for i in (0, 128, 256)]
    assert torch.allclose(values, torch.stack(expected))
    assert torch.allclose(minibatch_cka(batch_grams(x, 128), batch_grams(y, 128)), values)
    assert torch.allclose(minibatch_cka(x, x, 128), torch.ones(3, dtype=torch.float64))


def test_cka_of_a_feature_set_with_itself_uses_its_own_hsic_and_equals_that_of_a_copy():
    """What measure_family relies on to share a full model's HSICs with a width whose features are identical."""
    x = torch.randn(60, 40, dtype=torch.float64)
    full = CKAFeatures(x)
    itself, copy = cka_estimates(full, full), cka_estimates(full, x.clone())
    assert full._self is not None
    for k in ("biased", "unbiased"):
        assert abs(float(itself[k]) - 1) < 1e-12 and abs(float(itself[k]) - float(copy[k])) < 1e-12


def test_cka_refuses_features_of_different_images():
    with pytest.raises(ValueError, match="same images"):
        linear_cka(torch.randn(10, 3), torch.randn(11, 3))
    with pytest.raises(ValueError, match="at least two images"):
        CKAFeatures(torch.randn(1, 3))
    with pytest.raises(ValueError, match="same images"):
        minibatch_cka(torch.randn(10, 3), torch.randn(12, 3), 4)


def test_kl_is_zero_for_identical_models_positive_otherwise_and_in_the_stated_direction():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 50, 10, generator=g)
    logits[1] = logits[0]
    kl = pairwise_kl(logits)
    assert kl.shape == (3, 3, 50)
    assert torch.allclose(kl[0, 1], torch.zeros(50, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(torch.diagonal(kl, dim1=0, dim2=1), torch.zeros(50, 3, dtype=torch.float64), atol=1e-12)
    assert (kl[0, 2] > 0).all() and (kl[2, 0] > 0).all()
    p, q = torch.softmax(logits[0].double(), 1), torch.softmax(logits[2].double(), 1)
    assert torch.allclose(kl[0, 2], (p * (p.log() - q.log())).sum(1))  # KL(p_a || p_b), row a = first argument
    assert not torch.allclose(kl[0, 2], kl[2, 0])
    ref = torch.nn.functional.kl_div(torch.log_softmax(logits[2].double(), 1), p, reduction="none").sum(1)
    assert torch.allclose(kl[0, 2], ref)  # torch's kl_div(log q, p) is KL(p || q)


def test_distillation_loss_is_cross_entropy_at_alpha_zero_and_scaled_kl_at_alpha_one():
    g = torch.Generator().manual_seed(0)
    s, t, y = torch.randn(16, 10, generator=g), torch.randn(16, 10, generator=g), torch.randint(0, 10, (16,), generator=g)
    assert torch.isclose(distillation_loss(s, t, y, 4.0, 0.0), torch.nn.functional.cross_entropy(s, y))
    soft = pairwise_kl(torch.stack([t / 4.0, s / 4.0]))[0, 1].mean()
    assert torch.isclose(distillation_loss(s, t, y, 4.0, 1.0).double(), 16.0 * soft, rtol=1e-5)
    assert distillation_loss(t, t, y, 4.0, 1.0) < 1e-6


def test_kd_objective_trains_the_student_only_and_keeps_the_teacher_in_eval_mode():
    torch.manual_seed(0)
    teacher, student = build_model("resnet20"), build_model("resnet20", width=16)
    teacher.train()
    before = {k: v.clone() for k, v in teacher.state_dict().items()}
    loss, logits = kd_objective(teacher, 4.0, 0.9)(student, torch.randn(4, 3, 32, 32), torch.tensor([0, 1, 2, 3]))
    loss.backward()
    assert not teacher.training and all(p.grad is None for p in teacher.parameters())
    assert all(p.grad is not None for p in student.parameters())
    assert [n for n, p in student.named_parameters() if n.endswith("weight") and p.grad.abs().sum() == 0] == []
    assert all(torch.equal(before[k], v) for k, v in teacher.state_dict().items())  # BN statistics untouched
    assert logits.shape == (4, 10)


def test_kd_objective_follows_the_batches_to_the_trainers_device():
    # the trainer moves the student and the batches (to CUDA where there is one), not the teacher; "meta" stands
    # in for a second device on a CPU-only machine
    teacher, student = build_model("resnet20"), build_model("resnet20", width=16).to("meta")
    x, y = torch.randn(2, 3, 32, 32, device="meta"), torch.tensor([0, 1], device="meta")
    loss, _ = kd_objective(teacher, 4.0, 0.9)(student, x, y)
    assert loss.device.type == "meta" and next(teacher.parameters()).device.type == "meta"


def test_bootstrap_means_are_paired_and_cover_the_mean():
    rng = np.random.default_rng(0)
    a = rng.normal(1.0, 1.0, 2000)
    means = bootstrap_means(np.stack([a, a + 0.5]), 400, seed=3)
    assert np.allclose(means[:, 1] - means[:, 0], 0.5)  # the same resample for both rows
    lo, hi = percentile_interval(means[:, 0])
    assert lo < a.mean() < hi and 0.05 < hi - lo < 0.15  # about 2 x 1.96 / sqrt(2000)
    r = paired_margin(a, a + 0.5, 400, seed=3)
    assert r["verdict"] == "A < B" and np.isclose(r["diff"], -0.5) and np.isclose(r["diff_low"], -0.5)
    assert paired_margin(a, a[::-1], 400, seed=3)["verdict"] == "within noise"


def test_summaries_of_kl_and_cka():
    kl = np.zeros((3, 3, 4))
    kl[0, 1], kl[2, 0] = 6.0, 12.0
    assert np.allclose(off_diagonal_mean(kl), 3.0)
    rows = kl_rows("m", [64, 32, 16], kl, 50, 0)
    assert [(r["width_a"], r["width_b"]) for r in rows][:3] == [(64, 64), (64, 32), (64, 16)]
    assert rows[1]["kl"] == 6.0 and rows[6]["kl"] == 12.0
    per_batch = np.ones((2, 2, 5))
    per_batch[0, 1] = per_batch[1, 0] = [0.5, 0.6, 0.7, 0.8, 0.9]
    rows = cka_rows("m", "block", [64, 32], per_batch, 50, 0)
    assert len(rows) == 2 and np.isclose(rows[0]["cka"], 0.7) and rows[0]["ci_low"] < 0.7 < rows[0]["ci_high"]


@pytest.fixture(scope="module")
def cifar(request):
    root = request.config.rootpath / "tests" / "fixtures" / "data"
    test = eval_set("cifar10", "test", root)
    return Subset(test, range(min(64, len(test))))


def _neumeta_family(cifar):
    """NeuMeta-generated ResNet-20s at d = 64, 40, 16 from an untrained INR, and the fixture's images as tensors."""
    torch.manual_seed(0)
    target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(_trained_like(build_model("resnet20"))).state_dict())
    inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=32, num_layers=2, num_freqs=4).eval()
    with torch.no_grad():
        family = {d: target.materialise(inr.weights(d), d) for d in (64, 40, 16)}
    test = torch.utils.data.TensorDataset(torch.stack([cifar[i][0] for i in range(len(cifar))]),
                                          torch.as_tensor([cifar[i][1] for i in range(len(cifar))]))
    return family, test


def test_neumeta_widths_share_the_layers_before_the_block_and_differ_in_it(cifar):
    """Every width NeuMeta generates is materialised and run whole: the features before the generated block
    are identical (CKA 1), those of the block are not; an Individual pair differs before the block too."""
    family, test = _neumeta_family(cifar)
    m = measure_family(family, test, batch_size=16)
    assert m["widths"] == [64, 40, 16]
    for d in (40, 16):
        assert m["max_abs_diff"]["before block"][d] == 0.0
        assert abs(m["whole_cka"]["before block"][d]["biased"] - 1) < 1e-9
        assert m["max_abs_diff"]["block"][d] > 0 and m["whole_cka"]["block"][d]["biased"] < 1 - 1e-6
    assert torch.allclose(m["batch_cka"]["before block"], torch.ones_like(m["batch_cka"]["before block"]))
    other = {64: family[64], 40: _trained_like(build_model("resnet20", width=40)).eval()}
    assert measure_family(other, test, batch_size=16)["max_abs_diff"]["before block"][40] > 0
    feats = layer_outputs(family[16], test)
    assert feats["block"].shape == (len(test), 64 * 8 * 8) and feats["logits"].shape == (len(test), 10)


def test_the_shared_trunk_path_gives_each_widths_whole_pass_bitwise_and_refuses_another_trunk(cifar):
    """NeuMeta's widths: the trunk once, block and head per width, bitwise the features of each whole network;
    a network whose trunk differs is refused; a model in two families is run once and both get its features."""
    from neumeta.evaluation.trunk import TrunkMismatchError
    from neumeta.experiments.similarity.experiment import measure_families
    from neumeta.experiments.similarity.features import shared_trunk_outputs
    family, test = _neumeta_family(cifar)
    shared = shared_trunk_outputs(family, test, check_images=8, batch_size=16)
    for d, net in family.items():
        whole = layer_outputs(net, test, batch_size=16)
        assert all(torch.equal(whole[name], shared[d][name]) for name in whole)
    other = {**family, 40: _trained_like(build_model("resnet20", width=40)).eval()}
    with pytest.raises(TrunkMismatchError):
        shared_trunk_outputs(other, test, check_images=8, batch_size=16)
    base = _trained_like(build_model("resnet20")).eval()
    pair = {"Individual": {64: base, 16: _trained_like(build_model("resnet20", width=16)).eval()},
            "KD": {64: base}, "NeuMeta": family}
    measured = measure_families(pair, test, batch_size=16)
    assert measured["KD"]["accuracy"][64] == measured["Individual"]["accuracy"][64]
    assert measured["NeuMeta"]["max_abs_diff"]["before block"][16] == 0.0


def test_the_fast_cka_centres_first_and_keeps_both_estimates_to_float64s_within_1e_6():
    g = torch.Generator().manual_seed(0)
    # ReLU-like features: all positive with a large mean, where an uncentred float32 product would cancel badly
    x = torch.relu(torch.randn(2000, 300, generator=g) + 2.0)
    y = torch.relu(x[:, :200] * 0.5 + torch.randn(2000, 200, generator=g) + 1.0)
    slow = cka_estimates(x, y)
    fast = cka_estimates(CKAFeatures(x, fast=True), y)  # the raw side joins the fast one's kind
    for k in ("biased", "unbiased"):
        assert abs(float(fast[k]) - float(slow[k])) < 1e-6 and 0.05 < float(slow[k]) < 0.999
    itself = cka_estimates(CKAFeatures(x, fast=True), x)
    assert abs(float(itself["biased"]) - 1) < 1e-6
    with pytest.raises(ValueError, match="of one kind"):
        cka_estimates(CKAFeatures(x, fast=True), CKAFeatures(y))
