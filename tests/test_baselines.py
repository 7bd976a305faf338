"""Table 2 baselines: Slimmable (switchable BN) and INN (continuous channel axis), on fixture images."""

import pytest
import torch
import torch.nn.functional as F

from neumeta.experiments.pretrained.base_models import stage_checkpoint_paths, train_base_model
from neumeta.data import get_dataset
from neumeta.baselines.inn import INNResNet20, inn_objective, resample
from neumeta.baselines.inn import plain_network as inn_plain
from neumeta.config.profiles import resolve_profile
from neumeta.baselines.slimmable import SlimmableResNet20, recalibrate_bn, slimmable_objective
from neumeta.baselines.slimmable import plain_network as slim_plain


@pytest.fixture(scope="module")
def images(request):
    from conftest import FIXTURES
    test = get_dataset("cifar10", "test", root=FIXTURES, transform="eval")
    return torch.stack([test[i][0] for i in range(32)]), test


def _randomise_bn(model, seed=0):
    """Non-trivial BN statistics and affine parameters, so that a wrong BN shows in the outputs."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(0.1 * torch.randn(m.num_features, generator=g))
            m.running_var.copy_(0.5 + torch.rand(m.num_features, generator=g))
            m.weight.data.copy_(1 + 0.2 * torch.randn(m.num_features, generator=g))
            m.bias.data.copy_(0.1 * torch.randn(m.num_features, generator=g))


@pytest.mark.parametrize("width", [32, 48, 64])
def test_slimmable_subnetwork_equals_standalone_network(images, width):
    torch.manual_seed(0)
    model = SlimmableResNet20(widths=(32, 48, 64))
    _randomise_bn(model)
    model.eval()
    plain, source = slim_plain(model, width)
    assert source == width
    assert plain.layer3[-1].conv1.out_channels == width
    x = images[0]
    with torch.no_grad():
        torch.testing.assert_close(plain(x), model(x, width), rtol=1e-5, atol=1e-5)


def test_slimmable_unseen_width_borrows_the_nearest_bn_and_recalibrates_only_the_block(images):
    torch.manual_seed(0)
    model = SlimmableResNet20(widths=(32, 48, 64))
    _randomise_bn(model)
    with pytest.raises(ValueError, match="no BN of its own"):
        model(images[0][:2], 16)
    plain, source = slim_plain(model, 16)
    assert source == 32
    torch.testing.assert_close(plain.layer3[2].bn1.running_mean, model.bn1["32"].running_mean[:16])
    trunk_before = plain.layer1[0].bn1.running_mean.clone()
    block_before = plain.layer3[2].bn1.running_mean.clone()
    recalibrate_bn(plain, images[1], images=64, batch_size=16)
    torch.testing.assert_close(plain.layer1[0].bn1.running_mean, trunk_before)  # the shared trunk is untouched
    assert not torch.allclose(plain.layer3[2].bn1.running_mean, block_before)
    assert not plain.training


def test_slimmable_objective_trains_every_width(images):
    torch.manual_seed(0)
    model = SlimmableResNet20(widths=(32, 48, 64)).train()
    x, y = images[0][:8], torch.arange(8) % 10
    loss, logits = slimmable_objective(model, x, y)
    expected = sum(F.cross_entropy(model(x, d), y) for d in (32, 48, 64))
    torch.testing.assert_close(loss, expected, rtol=1e-4, atol=1e-4)
    loss.backward()
    assert all(model.bn1[str(d)].weight.grad.abs().sum() > 0 for d in (32, 48, 64))  # each width's own BN trains
    assert model.net.layer3[2].conv1.weight.grad[48:].abs().sum() > 0  # the widest uses every row


def test_resample_returns_the_grid_at_its_resolution_and_follows_a_smooth_function():
    grid = torch.randn(64, 5)
    torch.testing.assert_close(resample(grid, 64, dim=0), grid)
    t = torch.linspace(0, 1, 64)
    line = torch.stack([2 * t + 1, -t], dim=1)
    t17 = torch.linspace(0, 1, 17)
    # torch's bicubic kernel (a = -0.75) is not exact on lines, but within 0.1 % of their range
    torch.testing.assert_close(resample(line, 17, dim=0), torch.stack([2 * t17 + 1, -t17], dim=1), rtol=0, atol=2e-3)


def test_inn_sampled_at_its_grid_resolution_reproduces_its_grid_weights():
    torch.manual_seed(0)
    model = INNResNet20(grid_size=64)
    conv1, bias, conv2 = model.block_weights(64)
    block = model.net.layer3[2]
    torch.testing.assert_close(conv1, block.conv1.weight)
    torch.testing.assert_close(conv2, block.conv2.weight)
    torch.testing.assert_close(bias, model.conv1_bias)


@pytest.mark.parametrize("width", [16, 40, 64])
def test_inn_plain_network_equals_the_inn_at_that_width(images, width):
    torch.manual_seed(0)
    model = INNResNet20(grid_size=64)
    _randomise_bn(model)
    model.conv1_bias.data.normal_(0, 0.1)
    model.eval()
    plain = inn_plain(model, width)
    assert plain.layer3[-1].conv1.out_channels == width
    with torch.no_grad():
        torch.testing.assert_close(plain(images[0]), model(images[0], width), rtol=1e-4, atol=1e-4)


def test_inn_quadrature_keeps_the_block_output_scale_across_widths(images):
    """conv2 integrates over the channel axis: a smooth grid gives nearly the same output at any width."""
    torch.manual_seed(0)
    model = INNResNet20(grid_size=64).eval()
    t = torch.linspace(0, 1, 64)
    with torch.no_grad():  # a smooth weight function of t, as training with random widths encourages
        model.net.layer3[2].conv1.weight.copy_(torch.sin(3 * t)[:, None, None, None] * torch.randn(1, 64, 3, 3) * 0.05)
        model.net.layer3[2].conv2.weight.copy_(torch.cos(2 * t)[None, :, None, None] * torch.randn(64, 1, 3, 3) * 0.05)
        h = model.net.trunk(images[0][:4])
        out64, out32 = model.block(h, 64), model.block(h, 32)
    assert (out64 - out32).abs().mean() < 0.05 * out64.abs().mean()


def test_inn_objective_draws_widths_in_the_training_range(images):
    model = INNResNet20(grid_size=64, train_widths=(32, 64)).train()
    drawn = []
    model.block_weights = (lambda f: lambda d: drawn.append(d) or f(d))(model.block_weights)
    torch.manual_seed(0)
    for _ in range(20):
        loss, logits = inn_objective(model, images[0][:4], torch.arange(4))
        assert logits.shape == (4, 10) and torch.isfinite(loss)
    assert all(32 <= d <= 64 for d in drawn) and len(set(drawn)) > 5
    with pytest.raises(ValueError):
        INNResNet20(train_widths=(64, 32))


def test_individual_checkpoints_are_named_per_width_and_the_full_width_keeps_its_key():
    P = resolve_profile("cpu")
    assert stage_checkpoint_paths("resnet20", "cifar10", P, 64) == stage_checkpoint_paths("resnet20", "cifar10", P)
    d16 = stage_checkpoint_paths("resnet20", "cifar10", P, 16)
    assert all("-d16-" in p.name for p in d16)
    assert d16[0] != stage_checkpoint_paths("resnet20", "cifar10", P, 32)[0]
    with pytest.raises(ValueError, match="positive integer"):
        stage_checkpoint_paths("resnet20", "cifar10", P, 0)


def test_individual_model_trains_at_its_own_width(tmp_checkpoints, fixtures_root):
    from neumeta.data import get_dataset
    from neumeta.metrics import evaluate_accuracy
    P = resolve_profile("smoke")
    model, info = train_base_model("resnet20", "cifar10", P, width=16)
    assert model.layer3[2].conv1.out_channels == 16 and info["hidden_dim"] == 16
    test = get_dataset("cifar10", "test", root=fixtures_root, transform="eval")
    # the stored accuracy is the returned model's on the test split, not a number from elsewhere
    assert len(info["stage_epochs"]) == 2 and info["test_acc"] == pytest.approx(evaluate_accuracy(model, test))
    again, info2 = train_base_model("resnet20", "cifar10", P, width=16)
    assert info2["reused"]


def test_sample_networks_reports_both_bn_variants_only_where_slimmable_has_no_bn(images):
    from neumeta.experiments.table2.jobs import sample_networks
    P = resolve_profile("smoke")
    torch.manual_seed(0)
    slim = SlimmableResNet20(widths=(32, 48, 64)).eval()
    assert [v for v, _ in sample_networks("Slimmable", slim, 48, images[1], P)] == ["own BN"]
    variants = sample_networks("Slimmable", slim, 16, images[1], P)
    assert [v for v, _ in variants] == ["borrowed BN (d=32)", "recalibrated BN"]
    assert all(net.layer3[2].conv1.out_channels == 16 and not net.training for _, net in variants)
    inn = INNResNet20().eval()
    [(variant, net)] = sample_networks("INN", inn, 20, images[1], P)
    assert variant == "sampled" and net.layer3[2].conv2.in_channels == 20


def test_train_all_passes_over_a_model_another_process_is_training(tmp_checkpoints):
    from neumeta.experiments.pretrained.base_models import recipe_checkpoint_paths
    from neumeta.store.checkpoints import CheckpointBusyError, training_lock
    from neumeta.experiments.table2.jobs import _key, train_all
    P = resolve_profile("smoke")
    paths = recipe_checkpoint_paths("resnet20", P, "inn-resnet20-cifar10",
                                    _key("cifar10", P, method="inn", grid=P["table2_inn_grid"],
                                         train_widths=list(P["table2_inn_train_widths"])))
    with training_lock(paths[0]):  # as if another process were training INN's first stage
        with pytest.raises(CheckpointBusyError, match="another process"):
            next(train_all(P, ["cifar10"]))
        method, dataset, width, result = next(train_all(P, ["cifar10"], skip_busy=True))
    assert (method, dataset, width, result) == ("INN", "cifar10", None, None)


def test_every_stage_records_the_threads_it_trained_with(tmp_checkpoints):
    P = resolve_profile("smoke")
    _, info = train_base_model("resnet20", "cifar10", P, width=24)
    assert info["stage_torch_threads"] == [torch.get_num_threads()] * len(info["stage_epochs"])


def test_parallel_benchmark_times_one_run_and_two_side_by_side(fixtures_root):
    from neumeta.experiments.pretrained.parallel_bench import compare
    result = compare("smoke", steps=2, root=fixtures_root, warmup=1)
    assert result["alone"] > 0 and len(result["side_by_side"]) == 2 and all(s > 0 for s in result["side_by_side"])
    # timings are free (a busy machine moves them a lot); the ratio must be the one the README defines: two steps
    # per max(side by side) seconds against one step per `alone` seconds
    assert result["throughput_ratio"] == pytest.approx(result["alone"] / (max(result["side_by_side"]) / 2))


def test_training_status_reads_done_partial_busy_and_missing_stages_without_training(tmp_checkpoints):
    from neumeta.store.checkpoints import partial_path, save_checkpoint, training_lock
    from neumeta.experiments.table2.jobs import inn_paths, slimmable_paths, training_status
    P = resolve_profile("smoke")

    def states():
        return {(r["method"], r["width"], r["stage"]): (r["state"], r["epochs_done"]) for r in training_status(P, ["cifar10"])}

    assert {s for s, _ in states().values()} == {"not started"}
    inn, slim = inn_paths("cifar10", P), slimmable_paths("cifar10", P)
    save_checkpoint(inn[-1], {"state_dict": {}, "meta": {}})  # a finished last stage: every stage is done
    save_checkpoint(partial_path(slim[0]), {"state_dict": {}, "meta": {"epoch": 1}})
    with training_lock(stage_checkpoint_paths("resnet20", "cifar10", P, 16)[0]):
        now = states()
    assert all(now["INN", None, s][0] == "done" for s in (1, 2))
    assert now["Slimmable", None, 1] == ("partial", 1) and now["Slimmable", None, 2] == ("not started", 0)
    assert now["Individual", 16, 1][0] == "training now"
    assert states()["Individual", 16, 1][0] == "not started"  # the lock is released with its process
