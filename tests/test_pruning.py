"""Structured-pruning baselines on real fixture batches."""
import pytest
import torch

from neumeta.data import get_dataset
from neumeta.models import build_model
from neumeta.baselines.pruning import CRITERIA, prune_to_width

SHAPES = {"resnet20": (3, 32, 32), "lenet": (1, 28, 28)}
DATASETS = {"resnet20": "cifar10", "lenet": "mnist"}


def _batches(arch, fixtures_root, n=2, size=8):
    data = get_dataset(DATASETS[arch], "train", root=fixtures_root, transform="eval")
    items = [data[i] for i in range(n * size)]
    return [(torch.stack([x for x, _ in items[i:i + size]]), torch.tensor([y for _, y in items[i:i + size]]))
            for i in range(0, len(items), size)]


@pytest.mark.parametrize("criterion", CRITERIA)
@pytest.mark.parametrize("arch,width", [("resnet20", 16), ("resnet20", 47), ("lenet", 5)])
def test_each_criterion_prunes_to_exactly_the_width(arch, width, criterion, fixtures_root):
    torch.manual_seed(0)
    model = build_model(arch).eval()
    batches = _batches(arch, fixtures_root)
    pruned = prune_to_width(model, arch, width, criterion, torch.zeros(1, *SHAPES[arch]), batches)
    plain = build_model(arch, width=width)
    plain.load_state_dict(pruned.state_dict())  # exactly the architecture of width d
    out = pruned(batches[0][0])
    assert out.shape == (8, 10) and torch.isfinite(out).all()
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in build_model(arch).parameters())


@pytest.mark.parametrize("arch", ["resnet20", "lenet"])
def test_full_width_is_an_unpruned_copy(arch, fixtures_root):
    torch.manual_seed(0)
    model = build_model(arch).eval()
    batches = _batches(arch, fixtures_root, n=1)
    full = 64 if arch == "resnet20" else 32
    pruned = prune_to_width(model, arch, full, "l1", torch.zeros(1, *SHAPES[arch]), batches)
    assert pruned is not model
    x = batches[0][0]
    with torch.no_grad():
        assert torch.equal(pruned(x), model(x))


@pytest.mark.parametrize("criterion", CRITERIA)
def test_one_channel_below_full_width_each_criterion_really_prunes(criterion, fixtures_root):
    """d = 63: one channel goes, so the network changes (a shortcut that returned the base model would pass
    a full-width test for every criterion without pruning anything)."""
    torch.manual_seed(0)
    model = build_model("resnet20").eval()
    batches = _batches("resnet20", fixtures_root, n=1)
    pruned = prune_to_width(model, "resnet20", 63, criterion, torch.zeros(1, *SHAPES["resnet20"]), batches)
    assert pruned.layer3[2].conv1.out_channels == 63 and model.layer3[2].conv1.out_channels == 64
    x = batches[0][0]
    with torch.no_grad():
        assert not torch.equal(pruned(x), model(x))


def test_pruning_keeps_the_better_channels(fixtures_root):
    """L1 keeps the large-norm channels: zeroing half of them makes L1 prune exactly those."""
    torch.manual_seed(0)
    model = build_model("resnet20").eval()
    with torch.no_grad():
        model.layer3[2].conv1.weight[::2] *= 1e-3
    pruned = prune_to_width(model, "resnet20", 32, "l1", torch.zeros(1, 3, 32, 32))
    kept = pruned.layer3[2].conv1.weight
    assert torch.allclose(kept, model.layer3[2].conv1.weight[1::2])


@pytest.mark.parametrize("bad,error", [(0, "positive integer"), (65, "cannot prune"), (2.5, "positive integer")])
def test_bad_width_is_one_clear_error(bad, error):
    with pytest.raises(ValueError, match=error):
        prune_to_width(build_model("resnet20"), "resnet20", bad, "l1", torch.zeros(1, 3, 32, 32))


def test_unknown_criterion_and_missing_calibration():
    with pytest.raises(ValueError, match="unknown pruning criterion"):
        prune_to_width(build_model("lenet"), "lenet", 8, "snip", torch.zeros(1, 1, 28, 28))
    with pytest.raises(ValueError, match="needs calibration"):
        prune_to_width(build_model("lenet"), "lenet", 8, "taylor", torch.zeros(1, 1, 28, 28))


@pytest.mark.parametrize("criterion", CRITERIA)
def test_imagenet_resnet18_prunes_layer3_1_to_exactly_the_width(criterion, fixtures_root):
    """The ImageNet panel's protocol: ResNet-18's layer3.1 inner width, on the real-layout fixture images
    (downsampled to 64 px to keep the test fast; the architecture does not depend on the input size)."""
    torch.manual_seed(0)
    model = build_model("resnet18", num_classes=1000).eval()
    data = get_dataset("imagenet", "train", root=fixtures_root, transform="eval")
    x = torch.nn.functional.interpolate(torch.stack([data[i][0] for i in range(4)]), size=64, mode="bilinear")
    batches = [(x, torch.tensor([data[i][1] for i in range(4)]))]
    example = torch.zeros(1, 3, 64, 64)
    pruned = prune_to_width(model, "resnet18", 100, criterion, example, batches, iterative_steps=2)
    plain = build_model("resnet18", num_classes=1000, width=100)
    plain.load_state_dict(pruned.state_dict())
    assert pruned.layer3[1].conv1.out_channels == 100 and pruned.layer3[0].conv1.out_channels == 256
    with torch.no_grad():
        assert pruned(x).shape == (4, 1000)
        assert torch.equal(prune_to_width(model, "resnet18", 256, criterion, example, batches)(x), model(x))


@pytest.mark.parametrize("criterion", ["taylor", "hessian"])
@pytest.mark.parametrize("arch,width", [("lenet", 13), ("resnet20", 21)])
def test_gradient_criteria_score_as_with_every_weight_differentiated(arch, width, criterion, fixtures_root,
                                                                      monkeypatch):
    """``gradient_step`` differentiates only the pruned layers' weights (the groups' first members, all that
    ``group_reduction="first"`` reads): the pruned network must be the one every weight's gradient gives."""
    import neumeta.baselines.pruning as pruning

    def every_weight(criterion, imp, model, forward, batches, loss_fn, pruned_layers):
        if criterion == "taylor":
            for p in model.parameters():
                p.grad = torch.zeros_like(p)
            for x, y in batches:
                loss_fn(forward(x), y).backward()
        else:
            imp.zero_grad()
            for x, y in batches:
                imp.add_samples(model, pruning.per_sample_gradients(forward, model, x, y, loss_fn))

    torch.manual_seed(0)
    model = build_model(arch).eval()  # ResNet-20: the pruned conv1's group holds its BatchNorm and conv2
    batches = _batches(arch, fixtures_root)
    restricted = prune_to_width(model, arch, width, criterion, torch.zeros(1, *SHAPES[arch]), batches)
    monkeypatch.setattr(pruning, "gradient_step", every_weight)
    full = prune_to_width(model, arch, width, criterion, torch.zeros(1, *SHAPES[arch]), batches)
    a, b = restricted.state_dict(), full.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
