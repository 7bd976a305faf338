"""The pretrained base models NeuMeta starts from, trained here (no downloads offline)."""
import dataclasses
from pathlib import Path

from .checkpoints import REPO_ROOT, checkpoint_path, force_retrain, load_checkpoint
from .data import NUM_CLASSES, data_root, get_dataset
from .models import build_model
from .train import TrainConfig, train_classifier

# (architecture, dataset) pairs, and the input shape used for FLOP counts
INPUT_SHAPES = {"cifar10": (3, 32, 32), "cifar100": (3, 32, 32), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28)}


def resolve_data_root(P):
    """The profile's data root (relative to the repository) or ``$NEUMETA_DATA`` / ``data/``."""
    root = P.get("data_root")
    return data_root() if root is None else (Path(root) if Path(root).is_absolute() else REPO_ROOT / root)


def base_train_config(arch, P):
    epochs = P["base_lenet_epochs"] if arch == "lenet" else P["base_resnet20_epochs"]
    lr = P["base_lenet_lr"] if arch == "lenet" else P["base_lr"]
    return TrainConfig(epochs=epochs, batch_size=P["base_batch_size"], lr=lr,
                       weight_decay=P["base_weight_decay"], warmup_epochs=P["base_warmup_epochs"],
                       bf16=P["base_bf16"], channels_last=P["base_channels_last"], seed=P["seed"],
                       limit_train=P["base_limit_train"], num_workers=P["base_num_workers"],
                       eval_every=P["base_eval_every"])


def base_checkpoint_path(arch, dataset, P, stage="final"):
    """Where the base model of this (arch, dataset, training config, data root) lives.

    With ``base_restart_epochs`` > 0 (ResNet only) the final model is a second stage: a warm restart
    of the cosine schedule (SGDR) from the first stage's weights; ``stage="first"`` names stage one.
    """
    key = {"arch": arch, "dataset": dataset, "train": dataclasses.asdict(base_train_config(arch, P)),
           "data": str(P.get("data_root"))}
    first = checkpoint_path(P["profile"], f"base-{arch}-{dataset}", key)
    restart = restart_config(arch, P)
    if stage == "first" or restart is None:
        return first
    return checkpoint_path(P["profile"], f"base-{arch}-{dataset}-restart",
                           {"from": first.name, "train": dataclasses.asdict(restart)})


def restart_config(arch, P):
    """Second-stage schedule (a warm restart), or None."""
    if arch == "lenet" or not P.get("base_restart_epochs"):
        return None
    return dataclasses.replace(base_train_config(arch, P), epochs=P["base_restart_epochs"], lr=P["base_restart_lr"])


def train_base_model(arch, dataset, P):
    """Train (or reuse) the full-width base model; returns ``(model, info)``."""
    root = resolve_data_root(P)
    train_set = get_dataset(dataset, "train", root=root)
    test_set = get_dataset(dataset, "test", root=root, transform="eval")
    model = build_model(arch, num_classes=NUM_CLASSES[dataset])
    meta = {"arch": arch, "dataset": dataset, "profile": P["profile"]}
    final = base_checkpoint_path(arch, dataset, P)
    if final.exists() and not force_retrain():  # reuse without needing the first stage's file
        payload = load_checkpoint(final)
        model.load_state_dict(payload["state_dict"])
        info = dict(payload["meta"], reused=True)
        return model, (_merge_stages(info) if "first_stage" in info else info)
    model, info = train_classifier(model, train_set, test_set, base_train_config(arch, P),
                                   base_checkpoint_path(arch, dataset, P, stage="first"), meta=meta,
                                   desc=f"{arch}/{dataset}")
    restart = restart_config(arch, P)
    if restart is None:
        return model, info
    model, second = train_classifier(model, train_set, test_set, restart, base_checkpoint_path(arch, dataset, P),
                                     meta=dict(meta, first_stage=_summary(info)), desc=f"{arch}/{dataset} restart")
    return model, _merge_stages(second)


def _summary(info):
    return {k: info[k] for k in ("epochs", "train_seconds", "test_acc", "history", "config")}


def _merge_stages(second):
    """One record for both stages (stage one is stored in the second's meta): epochs and train
    time add up, the history continues."""
    stage1 = second["first_stage"]
    offset = stage1["epochs"]
    history = [dict(h, stage=1) for h in stage1["history"]] + \
        [dict(h, epoch=h["epoch"] + offset, stage=2, train_seconds=h["train_seconds"] + stage1["train_seconds"])
         for h in second["history"]]
    return dict(second, epochs=offset + second["epochs"], train_seconds=stage1["train_seconds"] + second["train_seconds"],
                history=history, stage_epochs=[offset, second["epochs"]], first_stage_test_acc=stage1["test_acc"])


if __name__ == "__main__":  # python -m neumeta.base_models cpu : train every base model of a profile
    import sys

    from .profiles import resolve_profile
    from .seed import seed_everything
    P = resolve_profile(sys.argv[1] if len(sys.argv) > 1 else None)
    for ds in P["base_cifar_datasets"]:
        seed_everything(P["seed"])
        print(train_base_model("resnet20", ds, P)[1]["test_acc"], flush=True)
    seed_everything(P["seed"])
    print(train_base_model("lenet", "mnist", P)[1]["test_acc"], flush=True)
