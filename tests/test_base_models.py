"""Base models trained in stages (a chain of SGDR warm restarts) on the real fixture."""
import pytest

from neumeta.experiments.pretrained.base_models import base_checkpoint_path, stage_checkpoint_paths, train_base_model
from neumeta.config.profiles import load_profile


def _profile(**overrides):
    P = load_profile("smoke")
    P.update(base_cifar_datasets=["cifar10"], base_limit_train=64, **overrides)
    return P


def test_adding_a_stage_keeps_the_earlier_stages_names():
    two = stage_checkpoint_paths("resnet20", "cifar10", _profile(base_restart_epochs=1, base_restart_lr=0.02))
    three = stage_checkpoint_paths("resnet20", "cifar10", _profile(base_restart_epochs=[1, 2], base_restart_lr=[0.02, 0.01]))
    assert three[:2] == two and len(three) == 3 and three[2] != two[1]
    assert base_checkpoint_path("resnet20", "cifar10", _profile(base_restart_epochs=[1, 2], base_restart_lr=[0.02, 0.01]),
                                stage="first") == two[0]
    assert stage_checkpoint_paths("lenet", "mnist", _profile(base_restart_epochs=[1, 2], base_restart_lr=[0.02, 0.01])) \
        == [base_checkpoint_path("lenet", "mnist", _profile())]


def test_mismatched_restart_lists_are_refused():
    with pytest.raises(ValueError, match="same length"):
        stage_checkpoint_paths("resnet20", "cifar10", _profile(base_restart_epochs=[1, 2], base_restart_lr=0.02))


def test_a_chain_trains_each_stage_once_and_merges_the_record(tmp_checkpoints):
    P = _profile(base_restart_epochs=1, base_restart_lr=0.02)
    _, two = train_base_model("resnet20", "cifar10", P)
    P3 = _profile(base_restart_epochs=[1, 1], base_restart_lr=[0.02, 0.01])
    _, three = train_base_model("resnet20", "cifar10", P3)
    assert two["stage_epochs"] == [1, 1] and three["stage_epochs"] == [1, 1, 1]
    # stages one and two were reused, not retrained: their numbers carry over unchanged
    assert three["stage_test_acc"][:2] == two["stage_test_acc"]
    assert [h["stage"] for h in three["history"]] == [1, 2, 3]
    assert [h["epoch"] for h in three["history"]] == [1, 2, 3]
    assert three["train_seconds"] >= two["train_seconds"]
    _, again = train_base_model("resnet20", "cifar10", P3)  # final checkpoint reused
    assert again["reused"] and again["stage_test_acc"] == three["stage_test_acc"]


def test_imagenet_weights_offline_are_one_clear_error(tmp_path, monkeypatch):
    import torch

    from neumeta.experiments.pretrained.base_models import WeightsNotAvailableError, imagenet_resnet18
    from neumeta.config.profiles import resolve_profile
    monkeypatch.setenv("NEUMETA_OFFLINE", "1")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    with pytest.raises(WeightsNotAvailableError, match="downloads are off"):
        imagenet_resnet18(resolve_profile("paper"))
    with pytest.raises(ValueError, match="prune_imagenet_base"):
        imagenet_resnet18(dict(resolve_profile("paper"), prune_imagenet_base="imagenet21k"))
