"""Evaluating the network NeuMeta generates at one width: its predictions and accuracy, with the weights
merged over K noisy draws (the paper's rule) or by a deterministic rule (``neumeta.method.merge``)."""
import torch

from neumeta.evaluation.shared import shared_merged_weights
from neumeta.evaluation.trunk import TrunkFeatures
from neumeta.metrics import predict


@torch.no_grad()
def evaluate_width(inr, target, data, width, samples=1, noise=1.0, batch_size=500, generator=None, size_floor=None,
                   rule="mc"):
    """Top-1 accuracy (%) of the network generated at ``width``; see ``predict_width``."""
    preds, labels = predict_width(inr, target, data, width, samples, noise, batch_size, generator, size_floor, rule)
    return 100.0 * (preds == labels).sum().item() / len(labels)


@torch.no_grad()
def predict_width(inr, target, data, width, samples=1, noise=1.0, batch_size=500, generator=None, size_floor=None,
                  rule="mc"):
    """``(predicted classes, labels)`` of the network generated at ``width`` with merged weights
    (``rule``: the paper's K = ``samples`` Monte-Carlo merge, or a deterministic one, see ``merge.py``).
    ``data``: a dataset (full pass) or the ``TrunkFeatures`` of the target network (block only, same
    predictions). ``size_floor``: see ``NeuMetaINR.coordinates``."""
    inr.check_memory(width, samples)
    generated = shared_merged_weights(inr, width, rule, noise, samples, generator, size_floor)
    if isinstance(data, TrunkFeatures):
        return data.predict(target.net, generated)
    return predict(lambda x: target(x, generated), data, batch_size, desc=f"predict d={width}")
