"""The target networks NeuMeta learns from: base model -> BN folded -> channels permuted.

The permuted network is stored in the checkpoint store; its key names the base model's
checkpoint, the ordering variant and the solver's budget (LKH runs, not seconds), so the
same inputs give the same network on any machine.
"""
import time

import torch

from neumeta.experiments.pretrained.base_models import INPUT_SHAPES, base_checkpoint_path, train_base_model
from neumeta.store.checkpoints import checkpoint_path, is_built, load_checkpoint, save_checkpoint
from neumeta.method.folding import fuse_bn
from neumeta.method.channels import permute_network


# Bumped whenever folding or the ordering code (features, distances, solver use) changes: a new key.
PERMUTATION_RECIPE_VERSION = 1


def permuted_target_path(arch, dataset, P, variant="shp", base_path=None):
    """Its key: the base model's checkpoint (whose name carries its own key), the variant, the solver and its budget.
    ``base_path``: the base model's checkpoint where it is not a classifier of ``train_base_model`` (the VAEs)."""
    base_path = base_path or base_checkpoint_path(arch, dataset, P)
    key = {"base": base_path.name, "variant": variant, "solver": "lkh3",
           "runs": P["permute_runs"], "seed": P["seed"], "recipe": PERMUTATION_RECIPE_VERSION}
    return checkpoint_path(P["profile"], f"permuted-{variant}-{arch}-{dataset}", key)


def permuted_target(arch, dataset, P, variant="shp", base=None):
    """``(folded_permuted_state_dict, info)`` for the profile's base model of ``arch`` on ``dataset``.
    ``base``: ``(checkpoint path, function returning (model, info))`` of a base model that is not a
    classifier of ``train_base_model`` (the VAEs)."""
    runs = P["permute_runs"]
    base_path, train_base = base or (base_checkpoint_path(arch, dataset, P), lambda: train_base_model(arch, dataset, P))
    path = permuted_target_path(arch, dataset, P, variant, base_path)
    if is_built(path):
        payload = load_checkpoint(path)
        return payload["state_dict"], dict(payload["meta"], checkpoint=path.name, reused=True)
    base_model, _ = train_base()  # reuses the stored base model
    folded = fuse_bn(base_model)
    t0 = time.perf_counter()
    state, groups = permute_network(folded, torch.zeros(1, *INPUT_SHAPES[dataset]), variant, runs, P["seed"])
    info = {"arch": arch, "dataset": dataset, "variant": variant, "solver_seconds": time.perf_counter() - t0,
            "groups": groups, "base_checkpoint": base_path.name, "solver": "lkh3", "runs": runs}
    save_checkpoint(path, {"state_dict": state, "meta": info})
    return state, dict(info, checkpoint=path.name, reused=False)
