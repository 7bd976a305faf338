"""Evaluation work that several notebooks of one pipeline run repeat alike, done once through the run's cache
(``neumeta/store/run_cache.py``): one INR's merged weights at one width, one trunk's activations on one
evaluation set. Each is keyed by everything it depends on (weights, data, width, rule, random state, device,
threads, and the source of the code that computes it), so a hit is bit for bit what computing returns; outside a
pipeline run both simply compute."""
import functools
import hashlib
from pathlib import Path

import torch
from torch.utils.data import TensorDataset

from neumeta.method.merge import merged_weights
from neumeta.store.run_cache import cached, run_cache_dir

NO_STATE = torch.empty(0, dtype=torch.uint8)
PACKAGE = Path(__file__).resolve().parents[1]
COMPUTING_CODE = ("evaluation", "method", "models")  # what a cached value's computation runs


@functools.cache
def code_version():
    """A sha256 of the sources the cached computations run: a commit landing mid-run changes every key."""
    h = hashlib.sha256()
    for path in sorted(p for sub in COMPUTING_CODE for p in (PACKAGE / sub).rglob("*.py")):
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _context(device):
    return dict(code=code_version(), device=str(device), threads=torch.get_num_threads())


def _spec_key(spec, widths):
    """What an INR's coordinates and output scaling read of its spec at ``widths``."""
    shapes = {w: {name: tuple(s) for name, s in spec.shapes(w).items()} for w in widths}
    return dict(kind=type(spec).__name__, full_width=spec.full_width, train_widths=tuple(spec.train_widths),
                shapes=shapes, fan_in={n: spec.fan_in(n, s) for n, s in spec.shapes(widths[0]).items()})


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

    device = next(inr.parameters()).device
    key = dict(inr=inr.state_dict(), kind=type(inr).__name__, norm=getattr(inr, "norm", None),
               spec=_spec_key(inr.spec, [width] + ([size_floor] if size_floor else [])), width=width, rule=rule,
               noise=noise if rule != "mc" or samples > 1 else 0.0, samples=samples,  # one clean draw ignores it
               size_floor=size_floor, random_state=before, **_context(device))
    value = cached("merged-weights", key, compute)
    if draws:
        generator.set_state(value["after"])
    return {name: w.to(device) for name, w in value["weights"].items()}


def shared_trunk_activations(trunk_modules, trunk_state, dataset, batch_size, compute):
    """``compute()`` -> (activations, labels) of the trunk ``trunk_modules`` (whose parameters and buffers are
    ``trunk_state``) on ``dataset``, once per run for the same trunk and data. Only a ``TensorDataset`` (its
    tensors are the key) is shared; any other dataset computes."""
    if run_cache_dir() is None or not isinstance(dataset, TensorDataset):
        return compute()
    device = next(iter(trunk_state.values())).device if trunk_state else torch.device("cpu")
    key = dict(structure=[repr(m) for m in trunk_modules], trunk=trunk_state, data=list(dataset.tensors),
               batch_size=batch_size, **_context(device))
    features, labels = cached("trunk-activations", key, lambda: list(compute()))
    return features.to(device), labels
