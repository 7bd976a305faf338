"""Each ablation switch changes what it names and nothing else: the row's profile differs from the reference only
in the row's values (and ResNet-20's shared schedule), permutation off leaves the target in its original order,
λ = 0 removes exactly that term from the loss, noise off gives identical draws. Real fixture images."""
import pytest
import torch

from neumeta.evaluation.logits import loss_and_predictions, width_logits
from neumeta.experiments.ablations.grid import ROWS, checkpoint_of, jobs, parse_size, row_profile, size_row
from neumeta.evaluation.eval_sets import eval_set
from neumeta.evaluation.trunk import TrunkFeatures
from neumeta.method.engine import TargetNetwork
from neumeta.experiments.inr.experiment import inr_train_config
from neumeta.method.folding import fuse_bn
from neumeta.method.inr import NeuMetaINR
from neumeta.method.channels import permute_network
from neumeta.method.spec import RESNET20_LAST_BLOCK
from neumeta.method.training import inr_loss, weighted_mse
from neumeta.models import build_model
from neumeta.config.profiles import load_profile
from test_permute import _trained_like

ROW = {r.id: r for r in ROWS}


@pytest.fixture(scope="module")
def P():
    return load_profile("smoke")


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_a_row_changes_only_its_own_values_and_resnet20_shares_one_schedule(P, row):
    for arch in ("lenet", "resnet20"):
        Q = row_profile(P, arch, row)
        changed = {k for k in dict.keys(P) if dict.__getitem__(Q, k) != dict.__getitem__(P, k)}
        expected = {k for k, v in row.values if v != dict.__getitem__(P, k)}
        schedule = {"inr_resnet20_epochs", "inr_resnet20_milestones"} if arch == "resnet20" else set()
        assert changed - schedule == expected
        if arch == "resnet20":
            assert inr_train_config(Q, "resnet20").epochs == P["ablation_epochs"]


def test_every_row_and_size_is_its_own_artifact(P):
    names = [checkpoint_of(P, arch, row).name for arch, row in jobs(P)]
    assert len(names) == len(set(names)) == len(jobs(P))
    assert "-none-" in checkpoint_of(P, "lenet", ROW["no-permutation"]).name


def test_inr_sizes_parse_and_bad_ones_are_refused(P):
    assert parse_size("256x4x7") == (256, 4, 7)
    assert dict(size_row(P, "64x2x5").values) == {"inr_resnet20_hidden": 64, "inr_layers": 2, "inr_freqs": 5}
    for bad in ("256x4", "axbxc", "0x4x7"):
        with pytest.raises(ValueError, match="INR size"):
            parse_size(bad)


def test_permutation_off_leaves_the_target_in_its_original_order_and_the_others_reorder():
    torch.manual_seed(0)
    folded = fuse_bn(_trained_like(build_model("resnet20")))
    original = folded.state_dict()
    state, _ = permute_network(folded, torch.zeros(1, 3, 32, 32), "none")
    assert all(torch.equal(state[k], v) for k, v in original.items())
    for variant in ("random", "greedy", "shp"):
        state, _ = permute_network(folded, torch.zeros(1, 3, 32, 32), variant, runs=1)
        assert not all(torch.equal(state[k], v) for k, v in original.items())


@pytest.fixture(scope="module")
def setup(request):
    root = request.config.rootpath / "tests" / "fixtures" / "data"
    test = eval_set("cifar10", "test", root)
    torch.manual_seed(0)
    target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(_trained_like(build_model("resnet20"))).state_dict())
    inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=32, num_layers=2, num_freqs=4)
    x, y = test.tensors[0][:16], test.tensors[1][:16]
    return inr, target, x, y, test


@pytest.mark.parametrize("width", [64, 40])
def test_lambda_zero_removes_exactly_its_term(P, setup, width):
    inr, target, x, y, _ = setup
    cfg = inr_train_config(row_profile(P, "resnet20", ROW["reference"]), "resnet20")
    import dataclasses

    def loss(**change):
        return inr_loss(inr, target, x, y, width, dataclasses.replace(cfg, noise=0.0, **change))[0]
    generated = inr.weights(width)
    rec = weighted_mse(generated, target.ground_truth()) if width == 64 else 0.0
    reg = sum(w.norm() for w in generated.values())
    both = loss(lambda_rec=1.0, lambda_reg=1e-4)
    assert torch.isclose(both - loss(lambda_rec=0.0, lambda_reg=1e-4), torch.as_tensor(rec), atol=1e-5)
    assert torch.isclose(both - loss(lambda_rec=1.0, lambda_reg=0.0), 1e-4 * reg, atol=1e-5)
    assert inr_train_config(row_profile(P, "resnet20", ROW["no-reconstruction"]), "resnet20").lambda_rec == 0.0
    assert inr_train_config(row_profile(P, "resnet20", ROW["no-reconstruction"]), "resnet20").rec_warmup_steps == 0
    assert inr_train_config(row_profile(P, "resnet20", ROW["no-weight-norm"]), "resnet20").lambda_reg == 0.0


def test_noise_off_gives_identical_draws_and_noise_on_does_not(P, setup):
    inr, target, x, y, test = setup
    cfg = inr_train_config(row_profile(P, "resnet20", ROW["no-noise"]), "resnet20")
    assert cfg.noise == 0.0
    a = inr.weights(48, noise=cfg.noise, generator=torch.Generator().manual_seed(1))
    b = inr.weights(48, noise=cfg.noise, generator=torch.Generator().manual_seed(2))
    assert all(torch.equal(a[k], b[k]) for k in a)
    c = inr.weights(48, noise=1.0, generator=torch.Generator().manual_seed(1))
    d = inr.weights(48, noise=1.0, generator=torch.Generator().manual_seed(2))
    assert not all(torch.equal(c[k], d[k]) for k in c)
    trunk = TrunkFeatures(target.net, test)
    with torch.no_grad():  # merging K identical clean draws is the clean sample
        merged = width_logits(inr, target, trunk, 48, samples=5, noise=0.0, seed=3)
        clean = width_logits(inr, target, trunk, 48, samples=1)
        full = width_logits(inr, target, test, 48, samples=1)
    assert torch.allclose(merged, clean, atol=1e-5) and torch.allclose(clean, full, atol=1e-4)
    loss, preds = loss_and_predictions(clean, trunk.labels)
    expected = -torch.log_softmax(clean.double(), 1)[torch.arange(len(clean)), trunk.labels].mean().item()
    assert loss == pytest.approx(expected, rel=1e-5) and torch.equal(preds, clean.argmax(1))


def test_the_frontier_without_its_reference_row_is_refused(P):
    from neumeta.config.profiles import with_values
    with pytest.raises(ValueError, match="needs the 'reference' row"):
        jobs(with_values(P, ablation_rows=["no-noise"]))
    alone = jobs(with_values(P, ablation_rows=["no-noise"], ablation_inr_sizes=[]))  # no frontier: fine
    assert [(arch, row.id) for arch, row in alone] == [(arch, "no-noise") for arch in ("lenet", "resnet20")
                                                       if arch in P["ablation_archs"]]


def test_the_sweep_keeps_the_k_sample_merge_at_the_tables_widths_and_merges_deterministically_between(P, setup):
    from neumeta.experiments.ablations.sweep import ablation_merge, score_row
    K, n = P["inr_eval_samples"], P["ablation_sweep_merge_points"]
    assert n > 0
    Q = dict(P, ablation_resnet20_kmerge_widths=[64, 48])
    assert ablation_merge(Q, "resnet20", 48, 1.0) == ("mc", K)
    assert ablation_merge(Q, "resnet20", 40, 1.0) == (("gauss-legendre", n), n * n + 1)
    assert ablation_merge(Q, "resnet20", 40, 0.0) == ("mc", 1)  # no noise: K draws would be K copies of one
    assert ablation_merge(dict(Q, ablation_sweep_merge_points=0), "resnet20", 40, 1.0) == ("mc", K)
    inr, target, _, _, test = setup
    trunk = TrunkFeatures(target.net, test)
    with torch.no_grad():
        preds, rows = score_row(inr, target, trunk, trunk.labels, "resnet20", "reference", [48, 40], 1.0,
                                dict(P, ablation_resnet20_kmerge_widths=[48]))
        shown = width_logits(inr, target, trunk, 48, samples=K, noise=1.0, seed=P["seed"])
        between = width_logits(inr, target, trunk, 40, rule=("gauss-legendre", n), samples=K, noise=1.0)
    assert torch.equal(preds["resnet20|reference|d=48"], shown.argmax(1))  # what the sweep computed before, bitwise
    assert torch.equal(preds["resnet20|reference|d=40"], between.argmax(1))
    assert [r["merge"] for r in rows] == [f"K = {K}", f"Gauss-Legendre {n} x {n} + clean"]
