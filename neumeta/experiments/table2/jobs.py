"""Table 2: train (or reuse) every method with the profile's base recipe, and sample each at a width.

Individual = one ResNet-20 per width d, trained from scratch (d = 64 is the base model itself);
Slimmable and INN = one network each for all widths (``slimmable.py``, ``inn.py``). All of them go
through ``train_with_recipe``, so they get the same epochs and the same SGDR schedule as the base
model NeuMeta starts from. Resumable: every stage checkpoints each epoch.

    python -m neumeta.experiments.table2.jobs cpu     # train everything a profile's notebook 30 needs

On a 2-core CPU two runs side by side, one thread each, finish the list sooner than one run on both cores
(``python -m neumeta.experiments.pretrained.parallel_bench cpu`` measures by how much); ``--skip-busy`` lets the second run
pass over the model the first one is training and take the next:

    OMP_NUM_THREADS=1 python -m neumeta.experiments.table2.jobs cpu --skip-busy &   # twice
    python -m neumeta.experiments.table2.jobs cpu --status                          # epochs done per stage, trains nothing
"""

from neumeta.experiments.pretrained.base_models import (data_identity, recipe_checkpoint_paths, stage_checkpoint_paths, stage_configs,
                                         train_base_model, train_with_recipe)
from neumeta.store.checkpoints import CheckpointBusyError, is_being_trained, load_checkpoint, partial_path
from neumeta.data import NUM_CLASSES
from neumeta.baselines.inn import INNResNet20, inn_objective
from neumeta.baselines.inn import plain_network as inn_network
from neumeta.seed import seed_everything
from neumeta.stats import paired_difference, verdict_of
from neumeta.baselines.slimmable import SlimmableResNet20, recalibrate_bn, slimmable_objective
from neumeta.baselines.slimmable import plain_network as slimmable_network


def _key(dataset, P, **extra):
    return dict(arch="resnet20", dataset=dataset, data=data_identity(dataset, P), **extra)


def train_individual(dataset, width, P):
    seed_everything(P["seed"])  # each model's initialisation does not depend on what ran before
    return train_base_model("resnet20", dataset, P, width=width)


def slimmable_paths(dataset, P):
    return recipe_checkpoint_paths("resnet20", P, f"slimmable-resnet20-{dataset}",
                                   _key(dataset, P, method="slimmable", widths=list(P["table2_slim_widths"])))


def inn_paths(dataset, P):
    return recipe_checkpoint_paths("resnet20", P, f"inn-resnet20-{dataset}",
                                   _key(dataset, P, method="inn", grid=P["table2_inn_grid"],
                                        train_widths=list(P["table2_inn_train_widths"])))


def train_slimmable(dataset, P):
    widths = tuple(P["table2_slim_widths"])
    seed_everything(P["seed"])
    model = SlimmableResNet20(NUM_CLASSES[dataset], widths)
    paths = slimmable_paths(dataset, P)
    meta = {"method": "Slimmable", "dataset": dataset, "profile": P["profile"], "widths": list(widths)}
    return train_with_recipe(model, "resnet20", dataset, P, paths, meta, f"slimmable/{dataset}",
                             objective=slimmable_objective)


def train_inn(dataset, P):
    grid, train_widths = P["table2_inn_grid"], tuple(P["table2_inn_train_widths"])
    seed_everything(P["seed"])
    model = INNResNet20(NUM_CLASSES[dataset], grid, train_widths)
    paths = inn_paths(dataset, P)
    meta = {"method": "INN", "dataset": dataset, "profile": P["profile"], "grid": grid,
            "train_widths": list(train_widths)}
    return train_with_recipe(model, "resnet20", dataset, P, paths, meta, f"inn/{dataset}", objective=inn_objective)


def sample_networks(method, model, width, calibration, P, calib_trunk=None):
    """``[(variant, plain ResNet-20 at width)]`` for a trained shared-weight model.

    Slimmable: its own BN at a trained width; elsewhere the nearest trained width's BN ("borrowed BN")
    and the same network with the block's BN recalibrated on training images (on ``calib_trunk``, the
    ``TrunkFeatures`` of those images, when given). INN: one network (no BN in the sampled part)."""
    if method == "INN":
        return [("sampled", inn_network(model, width))]
    network, source = slimmable_network(model, width)
    if source == width:
        return [("own BN", network)]
    recalibrated = recalibrate_bn(slimmable_network(model, width)[0], calibration, P["table2_bn_calib_images"],
                                  seed=P["seed"], trunk=calib_trunk)
    return [(f"borrowed BN (d={source})", network), ("recalibrated BN", recalibrated)]


def table2_jobs(dataset, P):
    """``(method, width, stage checkpoint paths, train)`` for every model of notebook 30 on ``dataset``,
    in training order: the cheap shared models first, then the Individual widths from widest to narrowest."""
    jobs = [("INN", None, inn_paths(dataset, P), lambda: train_inn(dataset, P)),
            ("Slimmable", None, slimmable_paths(dataset, P), lambda: train_slimmable(dataset, P))]
    jobs += [("Individual", d, stage_checkpoint_paths("resnet20", dataset, P, d),
              lambda d=d: train_individual(dataset, d, P)) for d in P["table2_widths"]]
    return jobs


def train_all(P, datasets=None, skip_busy=False):
    """Every model of notebook 30 for ``datasets`` (default: the profile's), in ``table2_jobs``' order. Yields
    ``(method, dataset, width, (model, info))``; with ``skip_busy`` a model another process is
    training yields ``(model, info) = None`` instead of raising ``CheckpointBusyError``."""
    for dataset in datasets or P["table2_datasets"]:
        for method, width, _, train in table2_jobs(dataset, P):
            try:
                yield method, dataset, width, train()
            except CheckpointBusyError:
                if not skip_busy:
                    raise
                yield method, dataset, width, None


def training_status(P, datasets=None):
    """One row per recipe stage of every model ``train_all`` trains, read from the checkpoint store
    (nothing is trained); see ``training_status_of``."""
    rows = []
    for dataset in datasets or P["table2_datasets"]:
        rows += training_status_of([(m, w, paths) for m, w, paths, _ in table2_jobs(dataset, P)], dataset)
    return rows


def training_status_of(jobs, dataset):
    """One row per recipe stage of each ``(method, width, stage checkpoint paths)``: epochs done of the
    stage's epochs and its state (done, partial, training now, not started). A finished last stage counts
    every stage as done, as ``train_with_recipe`` reuses it without the earlier files."""
    rows = []
    for method, width, paths in jobs:
        for stage, (cfg, path) in enumerate(zip(stage_configs(paths), paths), start=1):
            part = partial_path(path)
            if path.exists() or paths[-1].exists():
                state, done = "done", cfg.epochs
            elif part.exists():
                state, done = "partial", load_checkpoint(part)["meta"]["epoch"]
            else:
                state, done = "not started", 0
            if is_being_trained(path):
                state = "training now"
            rows.append(dict(dataset=dataset, method=method, width=width, stage=stage, epochs_done=done,
                             epochs=cfg.epochs, state=state, checkpoint=path.name))
    return rows


def _print_status(rows):
    for r in rows:
        width = "" if r["width"] is None else f" d={r['width']}"
        print(f"{r['dataset']} {r['method']}{width} stage {r['stage']}: {r['epochs_done']}/{r['epochs']} epochs, "
              f"{r['state']} ({r['checkpoint']})")
    left = sum(r["epochs"] - r["epochs_done"] for r in rows)
    print(f"{left} of {sum(r['epochs'] for r in rows)} epochs left to train")



def ordering_rows(predictions, labels, gamma_of_width, seed=0):
    """Every pair of methods at every width, image by image: ``predictions`` maps ``(method, width)`` to
    predicted classes on the same test images as ``labels``. Each row names the more accurate method
    first (``a``), so ``diff`` >= 0, with its paired 95 % interval, McNemar's p and the verdict
    ("a > b" only when the interval excludes 0, else "within noise")."""
    rows = []
    for width in sorted({w for _, w in predictions}, reverse=True):
        methods = [m for m, w in predictions if w == width]
        for i, first in enumerate(methods):
            for second in methods[i + 1:]:
                r = paired_difference(predictions[first, width], predictions[second, width], labels, seed=seed)
                a, b = (first, second) if r["diff"] >= 0 else (second, first)
                if a != first:
                    r = paired_difference(predictions[a, width], predictions[b, width], labels, seed=seed)
                rows.append(dict(width=width, gamma=gamma_of_width[width], a=a, b=b, diff=r["diff"],
                                 ci_low=r["ci_low"], ci_high=r["ci_high"], only_a=r["only_a"], only_b=r["only_b"],
                                 p_mcnemar=r["p_mcnemar"], n=r["n"],
                                 verdict=verdict_of(r, f"{a} > {b}", f"{a} < {b}")))
    return rows


if __name__ == "__main__":
    import argparse

    from neumeta.parallel.launch import cli_profile
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.table2.jobs", description="Train every Table 2 baseline.")
    parser.add_argument("profile", nargs="?")
    parser.add_argument("datasets", nargs="*", help="default: the profile's table2_datasets")
    parser.add_argument("--skip-busy", action="store_true",
                        help="pass over a model another process is training instead of stopping")
    parser.add_argument("--status", action="store_true", help="list every stage's epochs done; train nothing")
    args = parser.parse_args()
    P = cli_profile(parser, args.profile)
    unknown = [d for d in args.datasets if d not in ("cifar10", "cifar100")]
    if unknown:
        parser.error(f"datasets {unknown}: Table 2 runs on cifar10 and cifar100")
    if args.status:
        _print_status(training_status(P, args.datasets or None))
        raise SystemExit(0)
    for method, dataset, width, result in train_all(P, args.datasets or None, args.skip_busy):
        if result is None:
            print(f"{method} {dataset} d={width}: another process is training it; skipped", flush=True)
        else:
            info = result[1]
            print(f"{method} {dataset} d={width}: {info['test_acc']:.2f} % in {info['train_seconds'] / 60:.1f} min",
                  flush=True)

