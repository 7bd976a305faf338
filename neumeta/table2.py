"""Table 2: train (or reuse) every method with the profile's base recipe, and sample each at a width.

Individual = one ResNet-20 per width d, trained from scratch (d = 64 is the base model itself);
Slimmable and INN = one network each for all widths (``slimmable.py``, ``inn.py``). All of them go
through ``train_with_recipe``, so they get the same epochs and the same SGDR schedule as the base
model NeuMeta starts from. Resumable: every stage checkpoints each epoch.

    python -m neumeta.table2 cpu     # train everything a profile's notebook 30 needs
"""
import dataclasses

from .base_models import base_train_config, recipe_checkpoint_paths, train_base_model, train_with_recipe
from .data import NUM_CLASSES
from .inn import INNResNet20, inn_objective
from .inn import plain_network as inn_network
from .seed import seed_everything
from .slimmable import SlimmableResNet20, recalibrate_bn, slimmable_objective
from .slimmable import plain_network as slimmable_network


def _key(dataset, P, **extra):
    return dict(arch="resnet20", dataset=dataset, train=dataclasses.asdict(base_train_config("resnet20", P)),
                data=str(P.get("data_root")), **extra)


def train_individual(dataset, width, P):
    seed_everything(P["seed"])  # each model's initialisation does not depend on what ran before
    return train_base_model("resnet20", dataset, P, hidden_dim=width)


def train_slimmable(dataset, P):
    widths = tuple(P["table2_slim_widths"])
    seed_everything(P["seed"])
    model = SlimmableResNet20(NUM_CLASSES[dataset], widths)
    paths = recipe_checkpoint_paths("resnet20", P, f"slimmable-resnet20-{dataset}",
                                    _key(dataset, P, method="slimmable", widths=list(widths)))
    meta = {"method": "Slimmable", "dataset": dataset, "profile": P["profile"], "widths": list(widths)}
    return train_with_recipe(model, "resnet20", dataset, P, paths, meta, f"slimmable/{dataset}",
                             objective=slimmable_objective)


def train_inn(dataset, P):
    grid, train_widths = P["table2_inn_grid"], tuple(P["table2_inn_train_widths"])
    seed_everything(P["seed"])
    model = INNResNet20(NUM_CLASSES[dataset], grid, train_widths)
    paths = recipe_checkpoint_paths("resnet20", P, f"inn-resnet20-{dataset}",
                                    _key(dataset, P, method="inn", grid=grid, train_widths=list(train_widths)))
    meta = {"method": "INN", "dataset": dataset, "profile": P["profile"], "grid": grid,
            "train_widths": list(train_widths)}
    return train_with_recipe(model, "resnet20", dataset, P, paths, meta, f"inn/{dataset}", objective=inn_objective)


def sample_networks(method, model, width, calibration, P):
    """``[(variant, plain ResNet-20 at width)]`` for a trained shared-weight model.

    Slimmable: its own BN at a trained width; elsewhere the nearest trained width's BN ("borrowed BN")
    and the same network with the block's BN recalibrated on training images.
    INN: one network (no BN in the sampled part, nothing to recalibrate)."""
    if method == "INN":
        return [("sampled", inn_network(model, width))]
    network, source = slimmable_network(model, width)
    if source == width:
        return [("own BN", network)]
    recalibrated = recalibrate_bn(slimmable_network(model, width)[0], calibration, P["table2_bn_calib_images"],
                                  seed=P["seed"])
    return [(f"borrowed BN (d={source})", network), ("recalibrated BN", recalibrated)]


def train_all(P, datasets=None):
    """Every model of notebook 30 for ``datasets`` (default: the profile's), in a resumable order:
    the cheap shared models first, then the Individual widths from widest to narrowest."""
    for dataset in datasets or P["table2_datasets"]:
        yield "INN", dataset, None, train_inn(dataset, P)
        yield "Slimmable", dataset, None, train_slimmable(dataset, P)
        for width in P["table2_widths"]:
            yield "Individual", dataset, width, train_individual(dataset, width, P)


if __name__ == "__main__":
    import sys

    from .profiles import resolve_profile
    P = resolve_profile(sys.argv[1] if len(sys.argv) > 1 else None)
    for method, dataset, width, (model, info) in train_all(P, sys.argv[2:] or None):
        print(f"{method} {dataset} d={width}: {info['test_acc']:.2f} % in {info['train_seconds'] / 60:.1f} min",
              flush=True)
