"""The public API on networks the library never names: a model defined here, fitted on real MNIST fixture digits,
saved, reloaded, killed mid-epoch and resumed, exported and run where ``neumeta`` cannot be imported."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
import torch.nn as nn

import neumeta
from neumeta.api.spec import NetworkSpec
from neumeta.method.folding import fuse_bn
from neumeta.experiments.pretrained.specs import spec_of
from neumeta.method.spec import LENET_ALL, RESNET20_LAST_BLOCK, VAE_CELEBA_DECODER, VAE_MNIST_DECODER
from neumeta.models import build_model

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "data"
TINY_INR = {"hidden": 16, "num_layers": 2, "num_freqs": 3}


def small_cnn():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(16, 10))


@pytest.fixture(scope="module")
def digits():
    from torch.utils.data import Subset

    from neumeta.data import get_dataset
    return Subset(get_dataset("mnist", "train", root=FIXTURES, transform="eval"), range(96))


def _metamorph(digits, **kwargs):
    return neumeta.Metamorph(small_cnn(), blocks=[""], widths=(4, 8), example_input=digits[0][0][None],
                             solver_runs=1, inr=TINY_INR, **kwargs)


def test_the_structure_found_from_the_model_is_the_one_the_paper_declares():
    """The experiments' blocks (a module, the whole LeNet, and decoder layers given as sets, one with its width
    set by ``width_of``) give exactly the tensors and shapes the paper's networks declare at every width."""
    declared = {"resnet20": RESNET20_LAST_BLOCK, "lenet": LENET_ALL, "vae-mnist": VAE_MNIST_DECODER,
                "vae-celeba": VAE_CELEBA_DECODER}
    for arch, spec in declared.items():
        found = spec_of(arch)
        assert found.names == spec.names and found.full_width == spec.full_width, arch
        assert found.train_widths == spec.train_widths and found.transposed == spec.transposed, arch
        for width in (spec.full_width, spec.train_widths[0], 17, 5):
            assert found.shapes(width) == spec.shapes(width), (arch, width)
    with pytest.raises(ValueError, match="width_of"):
        NetworkSpec(fuse_bn(build_model("vae-celeba")), [("decoder.3", "decoder.6", "decoder.9")], (32, 64),
                    torch.zeros(1, 3, 64, 64), width_of="decoder.9")


def test_several_blocks_follow_one_ratio_or_take_a_width_each():
    spec = NetworkSpec(fuse_bn(build_model("resnet20")), ["layer3.2", "layer2.1", "layer1.0"], (32, 64),
                       torch.zeros(1, 3, 32, 32))
    assert spec.widths(64) == (64, 32, 16) and spec.widths(48) == (48, 24, 12) and spec.widths(8) == (8, 4, 2)
    assert spec.widths({"layer3.2": 10, "layer2.1": 30, "layer1.0": 16}) == (10, 30, 16)
    net = spec.model({"layer3.2": 10, "layer2.1": 30, "layer1.0": 16})
    assert (net.layer3[2].conv1.out_channels, net.layer2[1].conv2.in_channels, net.layer1[0].conv1.out_channels) == (
        10, 30, 16)
    with pytest.raises(ValueError, match="missing"):
        spec.widths({"layer3.2": 10})
    with pytest.raises(ValueError, match="between 1 and its full width"):
        spec.widths(65)


@pytest.mark.parametrize("blocks,match", [(["layer9"], "no block 'layer9'"), (["layer3.2.conv2"], "no inner width"),
                                          (["fc"], "no inner width")])
def test_a_block_that_cannot_change_width_is_one_clear_error(blocks, match):
    with pytest.raises(ValueError, match=match):
        neumeta.Metamorph(build_model("resnet20"), blocks, (32, 64), torch.zeros(1, 3, 32, 32), solver_runs=1)


def test_a_layer_it_cannot_resize_is_named_before_any_work():
    model = nn.Sequential(nn.Linear(6, 12), nn.LayerNorm(12), nn.ReLU(), nn.Linear(12, 3))
    with pytest.raises(neumeta.UnsupportedLayerError, match="'1' \\(LayerNorm\\)"):
        neumeta.Metamorph(model, [""], (4, 12), torch.zeros(1, 6), solver_runs=1)


def test_folding_and_permuting_keep_the_function(digits):
    model, x = small_cnn().double().eval(), torch.stack([digits[i][0] for i in range(8)]).double()
    meta = neumeta.Metamorph(model, [""], (4, 8), x[:1], solver_runs=1, inr=TINY_INR)
    full = meta.target.materialise(meta.target.ground_truth(), meta.spec.full_width)
    assert (full(x) - model(x)).abs().max() <= 1e-10


def test_fit_save_reload_network_and_export(digits, tmp_path):
    meta = _metamorph(digits).fit(digits, epochs=1, checkpoint=tmp_path / "inr.pt", batch_size=32)
    small = meta.network(5, samples=3)
    assert isinstance(small, nn.Sequential) and small[0].out_channels == 5 and small[4].out_channels == 10
    assert sum(p.numel() for p in small.parameters()) == (5 * 9 + 5) + (10 * 5 * 9 + 10) + (10 * 10 + 10)
    again = neumeta.Metamorph.load(tmp_path / "inr.pt", small_cnn(), digits[0][0][None])
    x = torch.stack([digits[i][0] for i in range(4)])
    assert torch.equal(again.network(5, samples=3)(x), small(x))
    meta.export(5, tmp_path / "small.pt2", samples=3)
    torch.save(x, tmp_path / "x.pt")
    script = textwrap.dedent(f"""
        import sys
        sys.modules["neumeta"] = None  # importing neumeta now fails
        import torch
        net = torch.export.load({str(tmp_path / 'small.pt2')!r}).module()
        x = torch.load({str(tmp_path / 'x.pt')!r}, weights_only=True)
        torch.save(net(x), {str(tmp_path / 'y.pt')!r})
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""})
    assert torch.allclose(torch.load(tmp_path / "y.pt", weights_only=True), small(x), atol=1e-6)


def test_a_checkpoint_of_other_settings_is_refused(digits, tmp_path):
    _metamorph(digits).fit(digits, epochs=1, checkpoint=tmp_path / "inr.pt", batch_size=32)
    with pytest.raises(neumeta.CheckpointMismatchError, match="other settings"):
        _metamorph(digits, seed=1).fit(digits, epochs=1, checkpoint=tmp_path / "inr.pt", batch_size=32)


KILL_MID_EPOCH = """
import os, sys, torch
sys.path.insert(0, {tests!r})
from test_api import _metamorph, FIXTURES
from torch.utils.data import Subset
from neumeta.data import get_dataset

class DiesInEpochTwo(torch.utils.data.Dataset):
    def __init__(self, data):
        self.data, self.fetched = data, 0
    def __len__(self):
        return len(self.data)
    def __getitem__(self, i):
        self.fetched += 1
        if self.fetched > len(self.data) + 40:  # 40 images into the second epoch
            os._exit(9)
        return self.data[i]

digits = Subset(get_dataset("mnist", "train", root=FIXTURES, transform="eval"), range(96))
_metamorph(digits).fit(DiesInEpochTwo(digits), epochs=3, checkpoint={path!r}, batch_size=32)
"""


def test_fit_killed_mid_epoch_resumes_to_bitwise_the_same_inr(digits, tmp_path):
    killed = tmp_path / "killed.pt"
    code = KILL_MID_EPOCH.format(tests=str(REPO / "tests"), path=str(killed))
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 9, run.stderr[-2000:]
    assert not killed.exists() and killed.with_suffix(".partial.pt").exists()
    resumed = _metamorph(digits).fit(digits, epochs=3, checkpoint=killed, batch_size=32)
    straight = _metamorph(digits).fit(digits, epochs=3, checkpoint=tmp_path / "straight.pt", batch_size=32)
    for (name, a), b in zip(resumed.inr.state_dict().items(), straight.inr.state_dict().values()):
        assert torch.equal(a, b), name
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]


def test_a_block_with_a_depthwise_convolution_trains_and_narrows(digits, tmp_path):
    torch.manual_seed(0)
    block = nn.Sequential(nn.Conv2d(8, 16, 1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 8, 1))
    model = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2), nn.ReLU(), block, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(8, 10))
    meta = neumeta.Metamorph(model, ["2"], (8, 16), digits[0][0][None], solver_runs=1, inr=TINY_INR)
    meta.fit(digits, epochs=1, checkpoint=tmp_path / "inr.pt", batch_size=32)  # trains at widths 8..16
    narrow = meta.network(10, samples=2)
    assert narrow[2][3].groups == narrow[2][3].out_channels == 10
    assert narrow(digits[0][0][None]).shape == (1, 10)


def _grouped_net(first_groups=1):
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(6, 12, 3, groups=first_groups), nn.ReLU(), nn.Conv2d(12, 16, 1), nn.ReLU(),
                         nn.Conv2d(16, 16, 3, padding=1, groups=4), nn.ReLU(), nn.Conv2d(16, 8, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 3)).double()


@pytest.mark.parametrize("variant", ["random", "greedy", "shp"])
def test_grouped_convolutions_keep_the_function_under_every_ordering(variant):
    from neumeta.method.channels import function_change, permute_network
    for first_groups in (1, 3):  # 3: a grouped first layer, whose input (the image) cannot move
        net = _grouped_net(first_groups)
        state, report = permute_network(net, torch.zeros(1, 6, 8, 8, dtype=torch.float64), variant, runs=1, seed=0)
        assert report["function_change"] <= 1e-12
        assert variant == "none" or any(not torch.equal(state[k], v) for k, v in net.state_dict().items())
        assert function_change(net, state, torch.zeros(1, 6, 8, 8, dtype=torch.float64)) <= 1e-12


def test_a_convolution_that_gives_the_classes_keeps_them():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Conv2d(16, 10, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    meta = neumeta.Metamorph(model, [""], (8, 16), torch.zeros(1, 1, 12, 12), permutation="none", inr=TINY_INR)
    assert [g.size for g in meta.spec.groups] == [16]  # the 10 classes are an output, not an inner width
    assert meta.network(8, samples=1)(torch.zeros(2, 1, 12, 12)).shape == (2, 10)


@pytest.mark.parametrize("blocks,match", [(["2", "2"], "twice"), (["", "2"], "inside")])
def test_a_block_named_twice_or_inside_another_is_refused(blocks, match):
    with pytest.raises(ValueError, match=match):
        neumeta.Metamorph(small_cnn(), blocks, (4, 8), torch.zeros(1, 1, 28, 28))


def test_a_checkpoint_of_other_training_settings_is_refused(digits, tmp_path):
    _metamorph(digits).fit(digits, epochs=1, checkpoint=tmp_path / "inr.pt", batch_size=32)
    with pytest.raises(neumeta.CheckpointMismatchError, match="other training settings"):
        _metamorph(digits).fit(digits, epochs=2, checkpoint=tmp_path / "inr.pt", batch_size=32)
    with pytest.raises(ValueError, match="not a width of the first block"):
        _metamorph(digits).network(4.5)


class _SkipNet(nn.Module):
    """A tiny U-Net-like network: a skip connection joined by concatenation, beside a block with hidden channels
    (or, with ``concat_inside``, a block whose own hidden channels are joined by a concatenation)."""

    def __init__(self, concat_inside=False):
        super().__init__()
        torch.manual_seed(0)
        self.stem = nn.Conv2d(1, 8, 3, padding=1)
        self.block = _JoinedBlock() if concat_inside else nn.Sequential(
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Conv2d(16, 8, 3, padding=1))
        self.head = nn.Conv2d(16, 3, 1)

    def forward(self, x):
        skip = torch.relu(self.stem(x))
        return self.head(torch.cat([self.block(skip), skip], 1))


class _JoinedBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.out = nn.Conv2d(8, 8, 3, padding=1), nn.Conv2d(8, 8, 1), nn.Conv2d(16, 8, 1)

    def forward(self, x):
        return self.out(torch.relu(torch.cat([self.a(x), self.b(x)], 1)))


def test_channels_joined_by_a_concatenation_stay_and_a_block_beside_them_resizes():
    x = torch.randn(1, 1, 12, 12)
    meta = neumeta.Metamorph(_SkipNet(), ["block"], (8, 16), x, solver_runs=1, inr=TINY_INR)
    assert meta.describe()[0]["layer"] == "block.0" and meta.describe()[0]["full_width"] == 16
    assert meta.network(10, samples=1)(x).shape == (1, 3, 12, 12)


def test_a_block_whose_hidden_channels_pass_through_a_concatenation_is_one_clear_error():
    with pytest.raises(neumeta.UnsupportedLayerError, match="'block.a' in block 'block' pass through a concatenation"):
        neumeta.Metamorph(_SkipNet(concat_inside=True), ["block"], (8, 16), torch.randn(1, 1, 12, 12),
                          solver_runs=1, inr=TINY_INR)
