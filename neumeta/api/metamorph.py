"""NeuMeta on a network of your own: ``Metamorph``.

    import neumeta
    meta = neumeta.Metamorph(model, blocks=["layer3.1"], widths=(128, 256), example_input=x)  # fold BN, permute
    meta.fit(train_set, epochs=30, checkpoint="inr.pt")   # resumable: a killed run continues where it stopped
    small = meta.network(160)                             # a plain nn.Module of your model's own classes
    meta.export(160, "small.pt2")                         # loads with torch.export.load, without neumeta

The model goes in with BatchNorm folded into the convolution before it and its channels permuted so that
neighbouring channels carry similar weights (the paper's smoothness); neither changes its function. The blocks'
inner widths come from the model's own structure (``neumeta.api.structure``).
"""
import contextlib
import copy
import dataclasses
import hashlib
from pathlib import Path

import torch
import torch.nn as nn

from neumeta.api.spec import NetworkSpec
from neumeta.api.structure import check_blocks
from neumeta.api.target import NetworkTarget
from neumeta.method.folding import fuse_bn
from neumeta.method.inr import NeuMetaINR
from neumeta.method.merge import merged_weights
from neumeta.method.channels import UnsupportedLayerError, function_change, permute_network
from neumeta.method.training import INRTrainConfig, INRTrainee
from neumeta.store.atomic import atomic_write
from neumeta.store.checkpoints import load_checkpoint
from neumeta.training.loop import train_resumable

INR_DEFAULTS = {"hidden": 256, "num_layers": 4, "num_freqs": 10}


class CheckpointMismatchError(ValueError):
    """A checkpoint made for another model, other blocks or other settings."""


class Metamorph:
    """One INR that generates ``blocks``' inner widths of ``model``; ``widths``: the (lowest, highest) width of
    the first block that training samples, inclusive. ``permutation``: "shp" (the paper's), "none" or another
    variant of ``neumeta.method.permute``; ``solver_runs``: LKH runs per channel group. ``inr``: the INR's size
    (``hidden``, ``num_layers``, ``num_freqs``)."""

    def __init__(self, model, blocks, widths, example_input, permutation="shp", solver_runs=10, seed=0, inr=None,
                 width_of=None):
        if not isinstance(model, nn.Module) or not torch.is_tensor(example_input):
            raise TypeError("Metamorph needs an nn.Module and an example input tensor (a batch of one is enough)")
        blocks = check_blocks(model, blocks)
        settings = _settings(blocks, widths, permutation, solver_runs, seed, inr, width_of)
        folded = fuse_bn(model)
        change = function_change(model, folded.state_dict(), example_input, other=folded)
        if change > (1e-9 if next(model.parameters()).dtype == torch.float64 else 1e-4):  # folding rounds in float32
            raise UnsupportedLayerError(f"folding BatchNorm into the convolution before it changed the output by "
                                        f"{change:.2g}: a BatchNorm here does not directly follow its convolution")
        state, _ = permute_network(folded, example_input, permutation, solver_runs, seed)
        folded.load_state_dict(state)
        self._build(folded, example_input, settings)

    @classmethod
    def prepared(cls, network, blocks, widths, example_input, seed, inr=None, width_of=None):
        """A ``Metamorph`` of a network whose BatchNorms are folded and channels ordered already (the artifact
        store keeps such networks). Here ``seed`` seeds the global random state right before the INR's initial
        weights are drawn, and the state is left as that draw leaves it: the order every stored result was made in."""
        meta = cls.__new__(cls)
        settings = _settings(check_blocks(network, blocks), widths, "given", None, seed, inr, width_of)
        meta._build(copy.deepcopy(network), example_input, settings, seed_globally=True)
        return meta

    def _build(self, folded, example_input, settings, seed_globally=False):
        self.settings, self.example_input = settings, example_input
        self.spec = NetworkSpec(folded, settings["blocks"], settings["widths"], example_input, settings["width_of"])
        state = folded.state_dict()
        self.target = NetworkTarget(self.spec, state)
        self.fingerprint = _fingerprint(state)
        with contextlib.ExitStack() as stack:
            if not seed_globally:  # the INR's initial weights follow the seed, not the global random state
                stack.enter_context(torch.random.fork_rng(devices=[]))
            torch.manual_seed(settings["seed"])
            self.inr = NeuMetaINR(self.spec, **settings["inr"])
        self._initial = {k: v.clone() for k, v in self.inr.state_dict().items()}
        self.history = None

    def describe(self):
        """The inner channel groups each block resizes, and the generated tensors."""
        return self.spec.describe()

    def fit(self, train_set, epochs, checkpoint, task_loss=None, **config):
        """Train the INR on ``train_set`` (pairs of input and label) into ``checkpoint``; every epoch writes
        ``<checkpoint>.partial.pt`` and a killed run resumes from it to the same weights. A finished checkpoint
        is reused. ``config``: any ``INRTrainConfig`` field (lr, batch_size, noise, lambda_rec, ...).
        ``task_loss(output, x, y)`` replaces the cross-entropy for a network that is not a classifier."""
        cfg = INRTrainConfig(epochs=epochs, **{"seed": self.settings["seed"], **config})
        self.inr.load_state_dict(self._initial)  # every fit starts from the seeded INR (or resumes its checkpoint)
        trainee = _MetamorphTrainee(self, train_set, cfg, task_loss)
        self.inr, info = train_resumable(Path(checkpoint), trainee)
        self.history = info.get("history")
        return self

    def fit_keyed(self, train_set, config, checkpoint, record, desc="metamorph", task_loss=None):
        """``fit`` for a checkpoint whose path carries a key of everything the INR depends on (the artifact store
        names each checkpoint by such a key), so no settings are checked; ``config``: an ``INRTrainConfig``;
        ``record``: what the checkpoint's meta holds. Returns the training's info."""
        self.inr.load_state_dict(self._initial)
        trainee = INRTrainee(self.inr, self.target, train_set, config, record, desc, task_loss)
        self.inr, info = train_resumable(Path(checkpoint), trainee)
        self.inr.eval()
        self.history = info.get("history")
        return info

    def widths(self, width):
        """Every inner group's width for ``width`` (an int for the first block, the rest at its ratio; or a
        dict of one width per block)."""
        return self.spec.widths(width)

    def weights(self, width, rule="mc", samples=100, noise=1.0, seed=0):
        """The generated tensors at ``width``: ``rule="mc"`` is the paper's K = ``samples`` merge;
        ``("gauss-legendre", n)`` the deterministic n x n merge; ``samples=1`` one clean draw."""
        key = self._key(width)
        self.inr.eval()
        with torch.no_grad():
            return merged_weights(self.inr, key, rule, noise, samples, torch.Generator().manual_seed(seed))

    def network(self, width, rule="mc", samples=100, noise=1.0, seed=0):
        """A plain ``nn.Module`` (your model's classes, BN folded) with the generated weights at ``width``."""
        return self.target.materialise(self.weights(width, rule, samples, noise, seed), self._key(width))

    def _key(self, width):
        """The width as the INR's cache knows it; an int must be the first block's width exactly."""
        if isinstance(width, dict):
            return self.widths(width)
        first = self.widths(width)[0]
        if first != width:
            raise ValueError(f"width {width!r} is not a width of the first block: it must be a whole number that is a "
                             f"multiple of {self.spec.groups[0].step} (the nearest is {first})")
        return width

    def export(self, width, path, **rule):
        """Save the network at ``width`` as a ``torch.export`` program: ``torch.export.load(path).module()``
        runs it in a process without ``neumeta``."""
        example = self.example_input[:1].expand(2, *self.example_input.shape[1:])  # a batch of 2: no 0/1 guard
        batch = {0: torch.export.Dim.AUTO}  # any batch size
        program = torch.export.export(self.network(width, **rule), (example,), dynamic_shapes=(batch,))
        with atomic_write(path, "wb") as f:
            torch.export.save(program, f)
        return Path(path)

    @classmethod
    def load(cls, checkpoint, model, example_input):
        """A fitted ``Metamorph`` from its checkpoint and the model it was fitted on (the permutation is
        recomputed, deterministically, and checked against the checkpoint's)."""
        payload = load_checkpoint(checkpoint)
        settings = payload["meta"].get("metamorph")
        if settings is None:
            raise CheckpointMismatchError(f"{checkpoint} was not written by Metamorph.fit")
        if settings["permutation"] == "given":
            raise CheckpointMismatchError(f"{checkpoint} was fitted on a prepared network: rebuild it with "
                                          "Metamorph.prepared and load its state")
        meta = cls(model, settings["blocks"], tuple(settings["widths"]), example_input, settings["permutation"],
                   settings["solver_runs"], settings["seed"], settings["inr"], settings.get("width_of"))
        meta._check(payload["meta"], checkpoint)
        meta.inr.load_state_dict(payload["state_dict"])
        meta.history = payload["meta"].get("history")
        return meta.eval()

    def eval(self):
        self.inr.eval()
        return self

    def _check(self, saved, path, training=None):
        if saved.get("metamorph") != self.settings:
            raise CheckpointMismatchError(f"{path} was made with other settings ({saved.get('metamorph')}); these are "
                                          f"{self.settings}: use another checkpoint path")
        if saved.get("fingerprint") != self.fingerprint:
            raise CheckpointMismatchError(f"{path} was made for another model (other weights, or another dtype): pass "
                                          "the model it was fitted on, or use another checkpoint path")
        if training is not None and saved.get("training") != training:
            raise CheckpointMismatchError(f"{path} was trained with other training settings ({saved.get('training')}); "
                                          f"these are {training}: use another checkpoint path")


class _MetamorphTrainee(INRTrainee):
    """The INR trainer, with the Metamorph's settings and the permuted network's fingerprint in every checkpoint
    (final and partial), checked before a checkpoint is reused or resumed."""

    def __init__(self, meta, train_set, cfg, task_loss):
        training = {**dataclasses.asdict(cfg), "milestones": list(cfg.milestones), "images": len(train_set),
                    "task_loss": getattr(task_loss, "__qualname__", "cross-entropy" if task_loss is None else "custom")}
        record = {"metamorph": meta.settings, "fingerprint": meta.fingerprint, "training": training}
        super().__init__(meta.inr, meta.target, train_set, cfg, record, "metamorph", task_loss)
        self.owner, self.record = meta, record

    def reuse(self, payload):
        self.owner._check(payload["meta"], "the checkpoint", self.record["training"])
        return super().reuse(payload)

    def restore(self, partial):
        self.owner._check(partial["meta"], "the partial checkpoint", self.record["training"])
        super().restore(partial)

    def partial_meta(self):
        return {**super().partial_meta(), **self.record}


def _settings(blocks, widths, permutation, solver_runs, seed, inr, width_of):
    unknown = set(inr or {}) - set(INR_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown INR settings {sorted(unknown)}; choose from {sorted(INR_DEFAULTS)}")
    return {"blocks": [list(b) if isinstance(b, tuple) else b for b in blocks], "widths": list(widths),
            "permutation": permutation, "solver_runs": solver_runs, "seed": seed,
            "inr": {**INR_DEFAULTS, **(inr or {})}, "width_of": width_of}


def _fingerprint(state):
    digest = hashlib.sha256()
    for name in sorted(state):
        digest.update(name.encode() + state[name].detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]

