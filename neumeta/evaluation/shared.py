"""Evaluation work that several notebooks of one pipeline run repeat alike, done once through the run's cache
(``neumeta/store/run_cache.py``): one INR's merged weights at one width, one trunk's activations on one
evaluation set. Each is keyed by everything it depends on, so a hit is bit for bit what computing returns;
outside a pipeline run both simply compute."""
import dataclasses

import torch
from torch.utils.data import TensorDataset

from neumeta.method.merge import merged_weights
from neumeta.store.run_cache import cached, run_cache_dir

NO_STATE = torch.empty(0, dtype=torch.uint8)


def shared_merged_weights(inr, width, rule, noise, samples=100, generator=None, size_floor=None):
    """``merged_weights(inr, width, rule, noise, samples, generator, size_floor)``, computed once per run for the
    same INR weights, width, rule and random state; ``generator`` ends where computing would have left it.
    Draws from the global random state, and calls that build a graph for gradients, always compute."""
    draws = rule == "mc" and samples > 1 and noise > 0
    if run_cache_dir() is None or torch.is_grad_enabled() or (draws and generator is None):
        return merged_weights(inr, width, rule, noise, samples, generator, size_floor)
    before = generator.get_state() if draws else NO_STATE

    def compute():
        weights = merged_weights(inr, width, rule, noise, samples, generator, size_floor)
        return {"weights": weights, "after": generator.get_state() if draws else NO_STATE}

    key = dict(inr=inr.state_dict(), kind=type(inr).__name__, norm=getattr(inr, "norm", None),
               spec=dataclasses.asdict(inr.spec), width=width, rule=rule,
               noise=noise if rule != "mc" or samples > 1 else 0.0, samples=samples,  # one clean draw ignores it
               size_floor=size_floor, random_state=before)
    value = cached("merged-weights", key, compute)
    if draws:
        generator.set_state(value["after"])
    device = next(inr.parameters()).device
    return {name: w.to(device) for name, w in value["weights"].items()}


def shared_trunk_activations(trunk_state, dataset, batch_size, compute):
    """``compute()`` -> (activations, labels) of a trunk whose parameters and buffers are ``trunk_state`` on
    ``dataset``, once per run for the same trunk and data. Only a ``TensorDataset`` (its tensors are the key) is
    shared; any other dataset computes."""
    if not isinstance(dataset, TensorDataset):
        return compute()
    key = dict(trunk=trunk_state, data=list(dataset.tensors), batch_size=batch_size)
    return tuple(cached("trunk-activations", key, lambda: list(compute())))
