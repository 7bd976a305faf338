"""Evaluation-time fine-tunes run on one torch thread whatever the process uses, so their SGD rounds the same
with any thread count (on another CPU model the kernels still round differently: ``compare`` judges them by
their paired interval's verdict)."""
import torch
from torch.utils.data import TensorDataset

from neumeta.baselines.pruning import fine_tune
from neumeta.experiments.vae.baselines import fine_tune_vae
from neumeta.models import build_model


class _ThreadsSeen(torch.nn.Module):
    """Wraps a model and records the intra-op thread count of every forward pass."""

    def __init__(self, net):
        super().__init__()
        self.net, self.seen = net, []

    def forward(self, *args):
        self.seen.append(torch.get_num_threads())
        return self.net(*args)


def test_both_fine_tunes_run_on_one_thread_and_restore_the_count():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        images, labels = torch.randn(8, 1, 28, 28), torch.arange(8) % 10
        lenet = _ThreadsSeen(build_model("lenet"))
        fine_tune(lenet, TensorDataset(images, labels), steps=2, lr=0.01, batch_size=4, seed=0)
        vae = _ThreadsSeen(build_model("vae-mnist"))
        recipe = {"lr": 1e-3, "batch_size": 4, "likelihood": "bernoulli", "kl_weight": 1.0}
        tuned = fine_tune_vae(vae, torch.randint(0, 256, (8, 1, 28, 28), dtype=torch.uint8), 2, recipe, seed=0)
        assert lenet.seen == [1, 1] and tuned.seen == [1, 1]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
