"""The one resumable trainer's guarantees, on a toy trainee (a linear model, seeded per epoch): reuse, bitwise
resume, the non-finite stop, one process at a time, and rank 0 alone writing under torchrun."""
import pytest
import torch

from neumeta.store.checkpoints import CheckpointBusyError, partial_path, training_lock
from neumeta.training import loop
from neumeta.training.loop import NonFiniteLossError, Trainee, check_finite, train_resumable


class Line(Trainee):
    """Fits y = 3x with SGD on noisy points drawn from Generator(epoch); ``nan_at`` poisons one epoch's loss."""

    def __init__(self, epochs=4, nan_at=None):
        self.epochs, self.nan_at = epochs, nan_at
        self.model = torch.nn.Linear(1, 1)
        torch.nn.init.zeros_(self.model.weight), torch.nn.init.zeros_(self.model.bias)
        self.epochs_run = []

    def reuse(self, payload):
        self.model.load_state_dict(payload["state_dict"])
        return self.model, dict(payload["meta"], reused=True)

    def prepare(self):
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.1, momentum=0.9)

    def restore(self, partial):
        self.model.load_state_dict(partial["state_dict"])
        self.opt.load_state_dict(partial["optimizer"])

    def train_epoch(self, epoch):
        gen = torch.Generator().manual_seed(epoch)
        x = torch.randn(16, 1, generator=gen)
        y = 3 * x + 0.1 * torch.randn(16, 1, generator=gen)
        loss = (self.model(x) - y).square().mean() * (float("nan") if epoch == self.nan_at else 1.0)
        check_finite(loss, epoch + 1, 1)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.epochs_run.append(epoch + 1)
        return {"train_loss": loss.item()}

    def state(self):
        return {"state_dict": self.model.state_dict(), "optimizer": self.opt.state_dict()}

    def finish(self, history, train_seconds):
        info = {"history": history, "train_seconds": train_seconds}
        return {"state_dict": self.model.state_dict(), "meta": info}, (self.model, dict(info, reused=False))


def test_a_finished_checkpoint_is_reused_without_training(tmp_path):
    train_resumable(tmp_path / "m.pt", Line())
    again = Line()
    _, info = train_resumable(tmp_path / "m.pt", again)
    assert info["reused"] and again.epochs_run == []


def test_a_run_stopped_after_an_epoch_resumes_to_bitwise_the_same_weights(tmp_path):
    straight, _ = train_resumable(tmp_path / "a.pt", Line())

    class Stop(Exception):
        pass

    def stop_after_epoch_2(epoch):
        if epoch == 2:
            raise Stop
    with pytest.raises(Stop):
        train_resumable(tmp_path / "b.pt", Line(), on_epoch_end=stop_after_epoch_2)
    assert partial_path(tmp_path / "b.pt").exists() and not (tmp_path / "b.pt").exists()
    rest = Line()
    resumed, info = train_resumable(tmp_path / "b.pt", rest)
    assert rest.epochs_run == [3, 4] and [h["epoch"] for h in info["history"]] == [1, 2, 3, 4]
    assert torch.equal(straight.weight, resumed.weight) and torch.equal(straight.bias, resumed.bias)
    assert not partial_path(tmp_path / "b.pt").exists()


def test_a_non_finite_loss_stops_before_the_update_and_saves_nothing_of_that_epoch(tmp_path):
    with pytest.raises(NonFiniteLossError, match="epoch 2, step 1"):
        train_resumable(tmp_path / "m.pt", Line(nan_at=1))
    partial = torch.load(partial_path(tmp_path / "m.pt"), weights_only=True)
    assert partial["meta"]["epoch"] == 1 and not (tmp_path / "m.pt").exists()


def test_a_checkpoint_in_training_elsewhere_is_not_trained_twice(tmp_path):
    with training_lock(tmp_path / "m.pt"):  # this process holds it; a second trainer must refuse
        with pytest.raises(CheckpointBusyError):
            train_resumable(tmp_path / "m.pt", Line())


def test_only_rank_0_writes_under_torchrun(tmp_path, monkeypatch):
    monkeypatch.setattr(loop.world, "is_main", lambda: False)
    trainee = Line()
    train_resumable(tmp_path / "m.pt", trainee)
    assert trainee.epochs_run == [1, 2, 3, 4]
    assert list(tmp_path.iterdir()) == []
