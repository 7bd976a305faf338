import pickle

import pytest
import torch

from neumeta.store.checkpoints import (CorruptCheckpointError, config_hash, load_checkpoint, load_state_dict_file,
                                 save_checkpoint)
from neumeta.models import build_model


def test_round_trip_and_metadata(tmp_path):
    model = build_model("lenet", width=4)
    save_checkpoint(tmp_path / "m.pt", {"state_dict": model.state_dict(), "meta": {"acc": 99.1, "hist": [1, 2]}})
    payload = load_checkpoint(tmp_path / "m.pt")
    assert payload["meta"] == {"acc": 99.1, "hist": [1, 2]}
    fresh = build_model("lenet", width=4)
    fresh.load_state_dict(payload["state_dict"])
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))


def test_config_hash_is_stable_and_sensitive():
    a = {"arch": "resnet20", "train": {"lr": 0.1, "epochs": 40}}
    assert config_hash(a) == config_hash({"train": {"epochs": 40, "lr": 0.1}, "arch": "resnet20"})
    assert config_hash(a) != config_hash({"arch": "resnet20", "train": {"lr": 0.1, "epochs": 41}})


@pytest.mark.parametrize("corruption", ["truncated", "garbage", "empty", "no_state_dict"])
def test_corrupt_checkpoint_gets_one_clear_error(tmp_path, corruption):
    path = tmp_path / "bad.pt"
    save_checkpoint(path, {"state_dict": build_model("lenet", width=4).state_dict(), "meta": {}})
    data = path.read_bytes()
    if corruption == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif corruption == "garbage":
        path.write_bytes(b"\x00not a checkpoint" * 100)
    elif corruption == "empty":
        path.write_bytes(b"")
    else:
        torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(CorruptCheckpointError, match="cannot be read"):
        load_checkpoint(path)


class Evil:
    def __reduce__(self):
        return (print, ("code ran while loading",))


def test_pickled_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"state_dict": {}, "meta": Evil()}, path, pickle_module=pickle)
    with pytest.raises(CorruptCheckpointError):
        load_checkpoint(path)


def test_bare_and_wrapped_state_dicts_load(tmp_path):
    sd = build_model("resnet20").state_dict()
    torch.save({"state_dict": {f"module.{k}": v for k, v in sd.items()}}, tmp_path / "dp.pt")
    torch.save(sd, tmp_path / "bare.pt")
    for name in ("dp.pt", "bare.pt"):
        build_model("resnet20").load_state_dict(load_state_dict_file(tmp_path / name))


def test_a_checkpoint_is_trained_by_one_process_at_a_time(tmp_path):
    from neumeta.store.checkpoints import CheckpointBusyError, training_lock
    with training_lock(tmp_path / "m.pt"):
        with pytest.raises(CheckpointBusyError, match="being trained by another process"):
            with training_lock(tmp_path / "m.pt"):
                pass
    with training_lock(tmp_path / "m.pt"):  # released afterwards
        pass


def test_what_a_killed_writer_leaves_is_cleaned_and_a_live_writers_file_is_kept(tmp_path):
    import os
    import subprocess
    import sys

    from neumeta.store.atomic import clean_orphans
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".model.pt.{dead_pid}.abc123.tmp").write_bytes(b"half")
    (tmp_path / f".staging-20_neumeta-{dead_pid}").mkdir()
    live = tmp_path / f".model.pt.{os.getpid()}.def456.tmp"
    live.write_bytes(b"being written")
    (tmp_path / "model.pt").write_bytes(b"kept")
    removed = clean_orphans(tmp_path)
    assert sorted(removed) == sorted([f".model.pt.{dead_pid}.abc123.tmp", f".staging-20_neumeta-{dead_pid}"])
    assert live.exists() and (tmp_path / "model.pt").exists()
