import math

import torch

from neumeta.data import get_dataset
from neumeta.method.engine import TargetNetwork
from neumeta.method.inr import NeuMetaINR
import pytest

from neumeta.store.checkpoints import load_checkpoint, partial_path
from neumeta.method.training import (INRTrainConfig, NonFiniteLossError, fit_reconstruction, relative_errors,
                                     train_inr, weighted_mse)
from neumeta.models import build_model
from neumeta.method.spec import LENET_ALL


def test_weighted_mse_is_zero_at_target_and_positive_elsewhere():
    gt = {"w": torch.randn(4, 3)}
    assert weighted_mse({"w": gt["w"].clone()}, gt) == 0
    assert weighted_mse({"w": gt["w"] + 0.1}, gt) > 0


def _lenet_inr_setup(fixtures_root):
    torch.manual_seed(0)
    target = TargetNetwork(LENET_ALL, build_model("lenet").state_dict())
    train = get_dataset("mnist", "train", root=fixtures_root)
    test = get_dataset("mnist", "test", root=fixtures_root, transform="eval")
    return target, train, test


def _fresh_inr():
    torch.manual_seed(1)
    return NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=4)


def test_inr_training_runs_and_reuses(tmp_path, fixtures_root):
    target, train, test = _lenet_inr_setup(fixtures_root)
    cfg = INRTrainConfig(epochs=2, batch_size=100, limit_train=200, rec_warmup_steps=5)
    epochs = []
    ema, info = train_inr(_fresh_inr(), target, train, cfg, tmp_path / "inr.pt", on_epoch_end=epochs.append)
    assert epochs == [1, 2] and [h["epoch"] for h in info["history"]] == [1, 2]
    assert info["selection"] == "last EMA epoch" and not partial_path(tmp_path / "inr.pt").exists()
    assert info["warm_start"]["steps"] == 5 and set(info["warm_start"]["relative_error"]) == set(LENET_ALL.names)
    assert all(math.isfinite(h["train_loss"]) for h in info["history"])
    again, info2 = train_inr(_fresh_inr(), target, train, cfg, tmp_path / "inr.pt")
    assert info2["reused"]
    assert all(torch.equal(a, b) for a, b in zip(again.state_dict().values(), ema.state_dict().values()))


class _Killed(Exception):
    pass


def test_inr_training_killed_after_an_epoch_resumes_to_bitwise_the_same_inr(tmp_path, fixtures_root):
    target, train, _ = _lenet_inr_setup(fixtures_root)
    cfg = INRTrainConfig(epochs=3, batch_size=50, limit_train=150, rec_warmup_steps=3, milestones=(2,))
    straight, _ = train_inr(_fresh_inr(), target, train, cfg, tmp_path / "a" / "inr.pt")

    def kill_after_epoch_2(epoch):
        if epoch == 2:
            raise _Killed

    path = tmp_path / "b" / "inr.pt"
    with pytest.raises(_Killed):
        train_inr(_fresh_inr(), target, train, cfg, path, on_epoch_end=kill_after_epoch_2)
    assert not path.exists() and load_checkpoint(partial_path(path))["meta"]["epoch"] == 2
    # a fresh process would start from other initial weights: the partial checkpoint must win
    torch.manual_seed(123)
    resumed, info = train_inr(NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=4), target, train, cfg, path)
    assert [h["epoch"] for h in info["history"]] == [1, 2, 3]
    a, b = straight.state_dict(), resumed.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_non_finite_loss_stops_training_naming_epoch_and_step_and_saves_nothing(tmp_path, fixtures_root):
    target, train, _ = _lenet_inr_setup(fixtures_root)
    cfg = INRTrainConfig(epochs=2, batch_size=50, limit_train=100, lr=1e30, clip_value=0)
    path = tmp_path / "inr.pt"
    with pytest.raises(NonFiniteLossError, match=r"at epoch \d+, step \d+") as err:
        train_inr(_fresh_inr(), target, train, cfg, path)
    assert not path.exists()
    if err.value.epoch == 1:
        assert not partial_path(path).exists()
    else:  # an earlier epoch's checkpoint holds only finite values
        state = load_checkpoint(partial_path(path))["state_dict"]
        assert all(torch.isfinite(v).all() for v in state.values())


def test_reconstruction_fit_lowers_the_error():
    torch.manual_seed(0)
    target = TargetNetwork(LENET_ALL, build_model("lenet").state_dict())
    inr = NeuMetaINR(LENET_ALL, hidden=32, num_layers=2, num_freqs=6)
    before = relative_errors(inr.weights(32), target.ground_truth())
    after = fit_reconstruction(inr, target, steps=50, lr=1e-2)["relative_error"]
    assert all(after[n] < before[n] for n in before), (before, after)


def test_a_per_architecture_inr_schedule_overrides_the_shared_one_for_that_architecture_only():
    from neumeta.experiments.inr.experiment import inr_train_config
    from neumeta.config.profiles import resolve_profile
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
    out = subprocess.run([sys.executable, "-m", "neumeta.experiments.inr.experiment", "smoke", "resnet20", "--set", "inr_epoch=3"],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "KEY one of the profile's keys" in out.stderr


def test_a_per_architecture_inr_width_changes_that_architecture_only():
    from neumeta.experiments.inr.experiment import SPECS, build_inr, inr_shape
    from neumeta.config.profiles import resolve_profile
    P = resolve_profile("smoke")
    wider = dict(P, inr_resnet20_hidden=2 * P["inr_hidden"])
    assert inr_shape(wider, "resnet20")[0] == 2 * P["inr_hidden"]
    assert inr_shape(wider, "lenet") == inr_shape(P, "lenet") == inr_shape(P)  # LeNet's checkpoint key is unchanged
    small, large = build_inr(SPECS["resnet20"], P, "resnet20"), build_inr(SPECS["resnet20"], wider, "resnet20")
    assert sum(p.numel() for p in large.parameters()) > sum(p.numel() for p in small.parameters())
