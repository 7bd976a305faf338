"""Training is deterministic on CPU and survives a kill mid-epoch."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from neumeta.store.checkpoints import load_checkpoint, partial_path
from neumeta.data import get_dataset
from neumeta.models import build_model
from neumeta.seed import seed_everything
from neumeta.training.classifier import TrainConfig, train_classifier

CFG = dict(epochs=5, batch_size=25, lr=0.1, warmup_epochs=0.5, limit_train=1000)


def _train(path, fixtures_root, **kw):
    seed_everything(0)
    model = build_model("lenet", width=8)
    train = get_dataset("mnist", "train", root=fixtures_root)
    test = get_dataset("mnist", "test", root=fixtures_root, transform="eval")
    return train_classifier(model, train, test, TrainConfig(**CFG), path, **kw)


def _same_weights(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_two_runs_give_identical_numbers(tmp_path, fixtures_root, monkeypatch):
    m1, info1 = _train(tmp_path / "a.pt", fixtures_root)
    m2, info2 = _train(tmp_path / "b.pt", fixtures_root)
    assert _same_weights(m1, m2)
    assert info1["test_acc"] == info2["test_acc"] and info1["history"][-1]["train_loss"] == info2["history"][-1]["train_loss"]
    assert info1["test_acc"] > 40, "5 epochs of LeNet on 1000 real MNIST digits should learn something"


def test_finished_model_is_reused_and_force_retrains(tmp_path, fixtures_root, monkeypatch):
    _train(tmp_path / "m.pt", fixtures_root)
    epochs_run = []
    _, info = _train(tmp_path / "m.pt", fixtures_root, on_epoch_end=epochs_run.append)
    assert info["reused"] and epochs_run == []
    monkeypatch.setenv("NEUMETA_FORCE", "1")
    monkeypatch.setenv("NEUMETA_FORCE_RUN", "forced-run-1")
    _, info = _train(tmp_path / "m.pt", fixtures_root, on_epoch_end=epochs_run.append)
    assert not info["reused"] and epochs_run == [1, 2, 3, 4, 5]
    # once per forced run: asked again in the same run, the model it just rebuilt is reused
    _, info = _train(tmp_path / "m.pt", fixtures_root, on_epoch_end=epochs_run.append)
    assert info["reused"] and epochs_run == [1, 2, 3, 4, 5]
    monkeypatch.setenv("NEUMETA_FORCE_RUN", "forced-run-2")  # a new forced run rebuilds it again
    _, info = _train(tmp_path / "m.pt", fixtures_root, on_epoch_end=epochs_run.append)
    assert not info["reused"] and epochs_run == [1, 2, 3, 4, 5] * 2


SLOW_RUN = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    import torch
    from neumeta.data import get_dataset
    from neumeta.models import build_model
    from neumeta.seed import seed_everything
    from neumeta.training.classifier import TrainConfig, train_classifier

    class Slow(torch.utils.data.Dataset):  # ~2 s per epoch, so a kill lands mid-epoch
        def __init__(self, ds): self.ds = ds
        def __len__(self): return len(self.ds)
        def __getitem__(self, i):
            time.sleep(0.003)
            return self.ds[i]

    seed_everything(0)
    model = build_model("lenet", width=8)
    train = Slow(get_dataset("mnist", "train", root={root!r}))
    test = get_dataset("mnist", "test", root={root!r}, transform="eval")
    train_classifier(model, train, test, TrainConfig(**{cfg!r}), __import__("pathlib").Path({path!r}))
""")


def test_killed_run_resumes_and_finishes_like_an_uninterrupted_one(tmp_path, fixtures_root):
    path = tmp_path / "killed.pt"
    script = tmp_path / "run.py"
    repo = str(fixtures_root.parents[2])
    script.write_text(SLOW_RUN.format(repo=repo, root=str(fixtures_root), cfg=CFG, path=str(path)))
    env = dict(os.environ, TQDM_DISABLE="1")
    proc = subprocess.Popen([sys.executable, str(script)], env=env)
    part = partial_path(path)
    deadline = time.time() + 120
    while not part.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert part.exists(), "no per-epoch checkpoint appeared"
    time.sleep(0.7)  # well inside epoch 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not path.exists(), "the run was meant to be killed before it finished"
    assert load_checkpoint(part)["meta"]["epoch"] == 1

    epochs_run = []
    resumed, info = _train(path, fixtures_root, on_epoch_end=epochs_run.append)
    assert epochs_run == [2, 3, 4, 5], "the rerun continues after the last finished epoch"
    assert [h["epoch"] for h in info["history"]] == [1, 2, 3, 4, 5]
    assert path.exists() and not part.exists()

    uninterrupted, _ = _train(tmp_path / "clean.pt", fixtures_root)
    assert _same_weights(resumed, uninterrupted)


def test_a_non_finite_loss_stops_classifier_training_before_any_update(tmp_path, fixtures_root):
    from neumeta.training.loop import NonFiniteLossError
    torch.manual_seed(0)
    model = build_model("lenet")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    train = get_dataset("mnist", "train", root=fixtures_root)
    test = get_dataset("mnist", "test", root=fixtures_root, transform="eval")

    def poisoned(model, x, y):
        logits = model(x)
        return logits.sum() * float("nan"), logits
    with pytest.raises(NonFiniteLossError, match="epoch 1, step 1"):
        train_classifier(model, train, test, TrainConfig(epochs=1, limit_train=64, batch_size=32), tmp_path / "m.pt",
                         objective=poisoned)
    assert not (tmp_path / "m.pt").exists() and not (tmp_path / "m.partial.pt").exists()
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
