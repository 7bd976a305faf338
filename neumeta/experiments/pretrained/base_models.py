"""The pretrained base models NeuMeta starts from, trained here (no downloads offline)."""
import dataclasses
from pathlib import Path

import torch
import torchvision

from neumeta.store.checkpoints import REPO_ROOT, checkpoint_path, is_built, load_checkpoint
from neumeta.data import NUM_CLASSES, data_root, dataset_source, downloads_allowed, get_dataset
from neumeta.models import build_model, check_width
from neumeta.models.registry import ARCHS
from neumeta.seed import seed_everything
from neumeta.hardware.machine import bf16_in_hardware
from neumeta.training.classifier import TrainConfig, train_classifier

# (architecture, dataset) pairs, and the input shape used for FLOP counts
INPUT_SHAPES = {"cifar10": (3, 32, 32), "cifar100": (3, 32, 32), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28),
                "imagenet": (3, 224, 224), "celeba": (3, 64, 64)}
TEST_SPLIT = {"imagenet": "val"}  # the split each dataset is evaluated on (default "test")


def resolve_data_root(P):
    """The profile's data root (relative to the repository) or ``$NEUMETA_DATA`` / ``data/``."""
    root = P.get("data_root")
    return data_root() if root is None else (Path(root) if Path(root).is_absolute() else REPO_ROOT / root)


def base_train_config(arch, P, bf16=None):
    """The base recipe's first stage. ``base_bf16`` asks for bfloat16 autocast; it is used only where
    the hardware has it (``bf16``: the precision decided by ``recipe_checkpoint_paths``), and the
    precision actually used is part of the config, hence of the key."""
    if bf16 is None:
        bf16 = bool(P["base_bf16"]) and bf16_in_hardware()
    epochs = P["base_lenet_epochs"] if arch == "lenet" else P["base_resnet20_epochs"]
    lr = P["base_lenet_lr"] if arch == "lenet" else P["base_lr"]
    return TrainConfig(epochs=epochs, batch_size=P["base_batch_size"], lr=lr,
                       weight_decay=P["base_weight_decay"], warmup_epochs=P["base_warmup_epochs"],
                       bf16=bf16, channels_last=P["base_channels_last"], seed=P["seed"],
                       limit_train=P["base_limit_train"], num_workers=P["base_num_workers"],
                       eval_every=P["base_eval_every"])


def base_checkpoint_path(arch, dataset, P, stage="final", width=None):
    """Where the base model of this (arch, dataset, training config, data root) lives.

    With ``base_restart_epochs`` (ResNet only; a number or a list) the final model is the last of a
    chain of warm restarts of the cosine schedule (SGDR), each starting from the previous stage's
    weights; ``stage="first"`` names stage one.
    """
    paths = stage_checkpoint_paths(arch, dataset, P, width)
    return {"first": paths[0], "final": paths[-1]}[stage]


def stage_checkpoint_paths(arch, dataset, P, width=None):
    """One checkpoint per training stage. A ``width`` other than the full width (the
    Individual baseline of Table 2) gets its own name and key; the full width keeps the key it
    always had."""
    key = {"arch": arch, "dataset": dataset, "data": data_identity(dataset, P)}
    name = f"base-{arch}-{dataset}"
    if width is not None and check_width(width) != ARCHS[arch][1]:
        # keys name the width "hidden_dim", as every committed artifact's key does
        key["hidden_dim"], name = int(width), f"base-{arch}-d{int(width)}-{dataset}"
    return recipe_checkpoint_paths(arch, P, name, key)


def data_identity(dataset, P):
    """The dataset copy an artifact was trained on (see ``neumeta.data.dataset_source``)."""
    return dataset_source(dataset, resolve_data_root(P))


def recipe_checkpoint_paths(arch, P, name, key):
    """Checkpoints of the stages of the profile's base recipe for a model called ``name`` (``key``:
    its identity without the schedule); each stage's key names the stage before it, so adding a
    stage to a profile keeps (and reuses) the earlier ones.

    Precision: bfloat16 where the profile asks for it and the hardware has it. Where it does not,
    a model already trained in bfloat16 elsewhere is still reused (evaluation is float32 anyway);
    only training falls back to float32, under its own key."""
    bf16 = bool(P["base_bf16"]) and bf16_in_hardware()
    if P["base_bf16"] and not bf16:
        reduced = _recipe_paths(arch, P, name, key, bf16=True)
        if is_built(reduced[-1]):
            return reduced
    return _recipe_paths(arch, P, name, key, bf16=bf16)


_STAGE_CONFIG = {}  # recipe checkpoint path -> the TrainConfig its key was made from


def stage_configs(paths):
    """The training config of each stage in ``paths`` (from ``recipe_checkpoint_paths``)."""
    return [_STAGE_CONFIG[p] for p in paths]


def _recipe_paths(arch, P, name, key, bf16):
    first = base_train_config(arch, P, bf16=bf16)
    paths = [checkpoint_path(P["profile"], name, dict(key, train=dataclasses.asdict(first)))]
    _STAGE_CONFIG[paths[0]] = first
    for i, cfg in enumerate(restart_configs(arch, P, bf16=bf16)):
        suffix = "-restart" if i == 0 else f"-restart{i + 1}"
        paths.append(checkpoint_path(P["profile"], f"{name}{suffix}",
                                     {"from": paths[-1].name, "train": dataclasses.asdict(cfg)}))
        _STAGE_CONFIG[paths[-1]] = cfg
    return paths


def restart_configs(arch, P, bf16=None):
    """The warm-restart stages' schedules after stage one (empty for LeNet or none configured)."""
    epochs, lrs = _as_list(P.get("base_restart_epochs")), _as_list(P.get("base_restart_lr"))
    if len(epochs) != len(lrs):
        raise ValueError(f"base_restart_epochs {epochs} and base_restart_lr {lrs} must have the same length")
    if arch == "lenet":
        return []
    return [dataclasses.replace(base_train_config(arch, P, bf16), epochs=e, lr=lr) for e, lr in zip(epochs, lrs) if e]


def _as_list(value):
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


def train_base_model(arch, dataset, P, width=None):
    """Train (or reuse) the base model (full width unless ``width``); returns ``(model, info)``."""
    seed_everything(P["seed"])  # the initial weights depend on the seed alone, not on what ran before
    model = build_model(arch, num_classes=NUM_CLASSES[dataset], width=width)
    meta = {"arch": arch, "dataset": dataset, "profile": P["profile"]}
    if width is not None:
        meta["hidden_dim"] = check_width(width)
    paths = stage_checkpoint_paths(arch, dataset, P, width)
    return train_with_recipe(model, arch, dataset, P, paths, meta, desc=f"{arch}/{dataset}")


def train_with_recipe(model, arch, dataset, P, paths, meta, desc, objective=None):
    """Train ``model`` with the profile's base recipe (stage one, then each warm restart) into
    ``paths`` (from ``recipe_checkpoint_paths``); every method of Table 2 goes through here so
    that all of them get the same budget. Returns ``(model, merged info)``."""
    if is_built(paths[-1]):  # reuse without needing the earlier stages' files
        payload = load_checkpoint(paths[-1])
        model.load_state_dict(payload["state_dict"])
        return model, _merge_stages(dict(payload["meta"], reused=True))
    root = resolve_data_root(P)
    train_set = get_dataset(dataset, "train", root=root)
    test_set = get_dataset(dataset, TEST_SPLIT.get(dataset, "test"), root=root, transform="eval")
    configs = stage_configs(paths)
    # wall-clock train time depends on the threads a run had (two runs side by side each get one core)
    meta = dict(meta, torch_threads=torch.get_num_threads())
    earlier = []
    for i, (cfg, path) in enumerate(zip(configs, paths)):
        stage_meta = dict(meta, earlier_stages=earlier) if earlier else meta
        model, info = train_classifier(model, train_set, test_set, cfg, path, meta=stage_meta,
                                       desc=desc + (f" restart {i}" if i else ""), objective=objective)
        earlier = _earlier_stages(info) + [_summary(info)]
    return model, _merge_stages(info)


class WeightsNotAvailableError(FileNotFoundError):
    """Pretrained weights that cannot be had here (offline and not in torch's hub cache)."""


def imagenet_resnet18(P):
    """The ImageNet ResNet-18 Figure 5's ImageNet panel prunes; returns ``(model, info)``.

    ``prune_imagenet_base: torchvision``: torchvision's IMAGENET1K_V1 weights, as the reference
    (downloaded once into torch's hub cache, loaded with ``weights_only``); ``trained``: trained
    here with the base recipe (the smoke profile, on the ImageNet fixture).
    """
    if P["prune_imagenet_base"] == "trained":
        return train_base_model("resnet18", "imagenet", P)
    if P["prune_imagenet_base"] != "torchvision":
        raise ValueError(f"prune_imagenet_base must be 'torchvision' or 'trained', got {P['prune_imagenet_base']!r}")
    weights = torchvision.models.ResNet18_Weights.IMAGENET1K_V1
    cached = Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name
    if not cached.exists() and not downloads_allowed():
        raise WeightsNotAvailableError(f"torchvision's ResNet-18 ImageNet weights are not in {cached.parent} "
                                       "and downloads are off (NEUMETA_OFFLINE=1); go online once")
    model = build_model("resnet18", num_classes=1000)
    model.load_state_dict(weights.get_state_dict(progress=False, check_hash=True))
    return model, {"arch": "resnet18", "dataset": "imagenet", "source": "torchvision IMAGENET1K_V1",
                   "test_acc": weights.meta["_metrics"]["ImageNet-1K"]["acc@1"]}


def _summary(info):
    # torch_threads: None for stages trained before it was recorded
    return dict({k: info[k] for k in ("epochs", "train_seconds", "test_acc", "history", "config")},
                torch_threads=info.get("torch_threads"))


def _earlier_stages(info):
    # "first_stage" is how the two-stage checkpoints committed before chains existed store stage one
    return list(info.get("earlier_stages") or ([info["first_stage"]] if "first_stage" in info else []))


def _merge_stages(last):
    """One record for all stages (the earlier ones are stored in the last one's meta): epochs and
    train time add up, the history continues."""
    stages = _earlier_stages(last) + [last]
    if len(stages) == 1:
        return last
    history, epochs, seconds = [], 0, 0.0
    for number, stage in enumerate(stages, start=1):
        history += [dict(h, epoch=h["epoch"] + epochs, stage=number, train_seconds=h["train_seconds"] + seconds)
                    for h in stage["history"]]
        epochs, seconds = epochs + stage["epochs"], seconds + stage["train_seconds"]
    return dict(last, epochs=epochs, train_seconds=seconds, history=history,
                stage_epochs=[s["epochs"] for s in stages], stage_test_acc=[s["test_acc"] for s in stages],
                stage_torch_threads=[s.get("torch_threads") for s in stages])


if __name__ == "__main__":  # python -m neumeta.experiments.pretrained.base_models cpu : train every base model of a profile
    import argparse

    from neumeta.parallel.launch import cli_profile
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.pretrained.base_models",
                                     description="Train (or reuse) every base model of a profile.")
    parser.add_argument("profile", nargs="?")
    P = cli_profile(parser, parser.parse_args().profile)
    for ds in P["base_cifar_datasets"]:
        seed_everything(P["seed"])
        print(train_base_model("resnet20", ds, P)[1]["test_acc"], flush=True)
    seed_everything(P["seed"])
    print(train_base_model("lenet", "mnist", P)[1]["test_acc"], flush=True)
