import torch

from neumeta.data import get_dataset
from neumeta.engine import TargetNetwork
from neumeta.inr import NeuMetaINR
from neumeta.inr_train import (INRTrainConfig, evaluate_width, fit_reconstruction, relative_errors,
                                split_train_val, train_inr, weighted_mse)
from neumeta.models import build_model
from neumeta.spec import LENET_ALL


def test_weighted_mse_is_zero_at_target_and_positive_elsewhere():
    gt = {"w": torch.randn(4, 3)}
    assert weighted_mse({"w": gt["w"].clone()}, gt) == 0
    assert weighted_mse({"w": gt["w"] + 0.1}, gt) > 0


def test_split_is_disjoint_and_uses_the_plain_transform(fixtures_root):
    aug = get_dataset("mnist", "train", root=fixtures_root)
    plain = get_dataset("mnist", "train", root=fixtures_root, transform="eval")
    train, val = split_train_val(aug, plain, 100)
    assert len(val) == 100 and len(train) == len(aug) - 100
    assert not set(train.indices) & set(val.indices) and val.dataset is plain


def test_inr_training_runs_resumes_and_reuses(tmp_path, fixtures_root):
    torch.manual_seed(0)
    target = TargetNetwork(LENET_ALL, build_model("lenet").state_dict())
    inr = NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=4)
    aug = get_dataset("mnist", "train", root=fixtures_root)
    plain = get_dataset("mnist", "train", root=fixtures_root, transform="eval")
    train, val = split_train_val(aug, plain, 100)
    cfg = INRTrainConfig(epochs=2, batch_size=100, limit_train=200, eval_samples=2, rec_warmup_steps=5)
    epochs = []
    ema, info = train_inr(inr, target, train, val, cfg, tmp_path / "inr.pt", on_epoch_end=epochs.append)
    assert epochs == [1, 2] and len(info["history"]) == 2 and 1 <= info["best_epoch"] <= 2
    assert info["warm_start"]["steps"] == 5 and set(info["warm_start"]["relative_error"]) == set(LENET_ALL.names)
    assert 0 <= evaluate_width(ema, target, val, 12) <= 100
    again, info2 = train_inr(NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=4), target, train, val, cfg,
                             tmp_path / "inr.pt")
    assert info2["reused"]
    assert all(torch.equal(a, b) for a, b in zip(again.state_dict().values(), ema.state_dict().values()))


def test_reconstruction_fit_lowers_the_error():
    torch.manual_seed(0)
    target = TargetNetwork(LENET_ALL, build_model("lenet").state_dict())
    inr = NeuMetaINR(LENET_ALL, hidden=32, num_layers=2, num_freqs=6)
    before = relative_errors(inr.weights(32), target.ground_truth())
    after = fit_reconstruction(inr, target, steps=50, lr=1e-2)["relative_error"]
    assert all(after[n] < before[n] for n in before), (before, after)


def test_a_per_architecture_inr_schedule_overrides_the_shared_one_for_that_architecture_only():
    from neumeta.experiment import inr_train_config
    from neumeta.profiles import resolve_profile
    P = resolve_profile("smoke")
    longer = dict(P, inr_resnet20_epochs=5, inr_resnet20_milestones=[3])
    assert (inr_train_config(longer, "resnet20").epochs, inr_train_config(longer, "resnet20").milestones) == (5, (3,))
    assert inr_train_config(longer, "lenet") == inr_train_config(P, "lenet") == inr_train_config(P)
    # the same schedule reached through the shared keys is the same config, hence the same checkpoint key
    shared = dict(P, inr_epochs=5, inr_milestones=[3])
    assert inr_train_config(shared, "resnet20") == inr_train_config(longer, "resnet20")
    assert inr_train_config(dict(P, inr_resnet20_milestones=[]), "resnet20").milestones == ()  # [] is not "unset"


def test_inr_command_line_rejects_an_unknown_override():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "neumeta.experiment", "smoke", "resnet20", "--set", "inr_epoch=3"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "KEY one of the profile's keys" in out.stderr


def test_a_per_architecture_inr_width_changes_that_architecture_only():
    from neumeta.experiment import SPECS, build_inr, inr_shape
    from neumeta.profiles import resolve_profile
    P = resolve_profile("smoke")
    wider = dict(P, inr_resnet20_hidden=2 * P["inr_hidden"])
    assert inr_shape(wider, "resnet20")[0] == 2 * P["inr_hidden"]
    assert inr_shape(wider, "lenet") == inr_shape(P, "lenet") == inr_shape(P)  # LeNet's checkpoint key is unchanged
    small, large = build_inr(SPECS["resnet20"], P, "resnet20"), build_inr(SPECS["resnet20"], wider, "resnet20")
    assert sum(p.numel() for p in large.parameters()) > sum(p.numel() for p in small.parameters())
