"""The pretrained base models NeuMeta starts from, trained here (no downloads offline)."""
from pathlib import Path

from .checkpoints import REPO_ROOT, checkpoint_path, load_checkpoint
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


def base_checkpoint_path(arch, dataset, P):
    """Where the base model of this (arch, dataset, training config, data root) lives."""
    import dataclasses
    key = {"arch": arch, "dataset": dataset, "train": dataclasses.asdict(base_train_config(arch, P)),
           "data": str(P.get("data_root"))}
    return checkpoint_path(P["profile"], f"base-{arch}-{dataset}", key)


def train_base_model(arch, dataset, P):
    """Train (or reuse) the full-width base model; returns ``(model, info)``."""
    root = resolve_data_root(P)
    train_set = get_dataset(dataset, "train", root=root)
    test_set = get_dataset(dataset, "test", root=root, transform="eval")
    model = build_model(arch, num_classes=NUM_CLASSES[dataset])
    return train_classifier(model, train_set, test_set, base_train_config(arch, P),
                            base_checkpoint_path(arch, dataset, P),
                            meta={"arch": arch, "dataset": dataset, "profile": P["profile"]},
                            desc=f"{arch}/{dataset}")


def load_base_model(arch, dataset, P):
    """The stored base model (raises if it has not been trained in this profile)."""
    payload = load_checkpoint(base_checkpoint_path(arch, dataset, P))
    model = build_model(arch, num_classes=NUM_CLASSES[dataset])
    model.load_state_dict(payload["state_dict"])
    return model.eval(), payload["meta"]


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
