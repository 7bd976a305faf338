"""NeuMeta end to end for one (architecture, dataset) in a profile: target, INR, training."""
import dataclasses

from .base_models import resolve_data_root
from .checkpoints import checkpoint_path
from .data import get_dataset
from .engine import TargetNetwork
from .inr import NeuMetaINR
from .inr_train import INRTrainConfig, split_train_val, train_inr
from .spec import LENET_ALL, RESNET20_LAST_BLOCK
from .targets import permuted_target

SPECS = {"resnet20": RESNET20_LAST_BLOCK, "lenet": LENET_ALL}


def inr_train_config(P):
    return INRTrainConfig(
        epochs=P["inr_epochs"], batch_size=P["inr_batch_size"], lr=P["inr_lr"], weight_decay=P["inr_weight_decay"],
        milestones=tuple(P["inr_milestones"]), clip_value=P["inr_clip"], ema_decay=P["inr_ema"], noise=P["inr_noise"],
        lambda_rec=P["inr_lambda_rec"], lambda_reg=P["inr_lambda_reg"], eval_samples=1, seed=P["seed"],
        limit_train=P["inr_limit_train"], rec_warmup_steps=P["inr_rec_warmup_steps"],
        rec_warmup_lr=P["inr_rec_warmup_lr"])


def build_inr(spec, P):
    return NeuMetaINR(spec, hidden=P["inr_hidden"], num_layers=P["inr_layers"], num_freqs=P["inr_freqs"])


def train_neumeta(arch, dataset, P):
    """Train (or reuse) the INR for ``arch``; returns ``(inr, target, info)``."""
    spec = SPECS[arch]
    state, target_info = permuted_target(arch, dataset, P)
    target = TargetNetwork(spec, state)
    root = resolve_data_root(P)
    train, val = split_train_val(get_dataset(dataset, "train", root=root),
                                 get_dataset(dataset, "train", root=root, transform="eval"), P["inr_val_size"], P["seed"])
    cfg = inr_train_config(P)
    key = {"target": target_info.get("base_checkpoint"), "arch": arch, "dataset": dataset,
           "inr": [P["inr_hidden"], P["inr_layers"], P["inr_freqs"]], "train": dataclasses.asdict(cfg),
           "val_size": P["inr_val_size"]}
    path = checkpoint_path(P["profile"], f"neumeta-{arch}-{dataset}", key)
    inr, info = train_inr(build_inr(spec, P), target, train, val, cfg, path,
                          meta={"arch": arch, "dataset": dataset, "checkpoint": path.name}, desc=f"neumeta {arch}")
    return inr.eval(), target, info
