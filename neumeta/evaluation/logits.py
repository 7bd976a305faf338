"""Scoring an INR at a width: logits on an evaluation set under a merge rule, and their loss and predictions."""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from neumeta.evaluation.shared import shared_merged_weights
from neumeta.evaluation.trunk import TrunkFeatures


@torch.no_grad()
def width_logits(inr, target, data, width, rule="mc", samples=1, noise=0.0, seed=0, batch_size=500):
    """Logits of the network generated at ``width`` on ``data`` (a dataset, or the ``TrunkFeatures`` of
    ``target``'s network: only the generated block runs). ``rule="mc"`` with ``samples`` > 1 is the paper's
    K-sample merge (noise ``noise``, draws from ``seed``); ``samples=1`` is the clean sample;
    ``("gauss-legendre", n)`` the deterministic rule (``neumeta.method.merge``)."""
    inr.check_memory(width, samples)
    generated = shared_merged_weights(inr, width, rule, noise, samples, torch.Generator().manual_seed(seed))
    if isinstance(data, TrunkFeatures):
        return data.logits(target.net, generated)
    return torch.cat([target(x, generated) for x, _ in DataLoader(data, batch_size=batch_size)])


def loss_and_predictions(logits, labels):
    """``(mean cross-entropy, predicted classes)``."""
    return F.cross_entropy(logits.float(), labels).item(), logits.argmax(1)
