"""Image generation end to end for one dataset in a profile: the pretrained VAE, its permuted target,
the NeuMeta INR over the decoder layers whose shapes follow h, and the Individual VAEs.

Every artifact is a checkpoint keyed by what made it: the base VAE by its data and recipe, the
permuted target by the base checkpoint, the INR by the target, its shape, schedule and task weights.
"""
import dataclasses

import torch
from torch.utils.data import Dataset

from neumeta.method.merge import merged_weights
from neumeta.experiments.pretrained.specs import Specs, metamorph_of, spec_key
from neumeta.experiments.pretrained.targets import permuted_target, permuted_target_path
from neumeta.method.training import INRTrainConfig
from neumeta.models import build_model, check_width
from neumeta.seed import seed_everything
from neumeta.store.checkpoints import checkpoint_path
from neumeta.experiments.inr.experiment import inr_seed
from neumeta.experiments.pretrained.base_models import data_identity, resolve_data_root
from neumeta.experiments.vae.images import as_float, vae_images
from neumeta.experiments.vae.objective import neg_elbo
from neumeta.experiments.vae.training import VAETrainConfig, train_vae

ARCHS = {"mnist": "vae-mnist", "celeba": "vae-celeba"}
SPECS = Specs(ARCHS)  # the decoder layers whose shapes follow h, derived from each VAE on first use
# The reference's pretraining recipe per dataset (method reference 13.1, 13.2); the profile sets the epochs.
RECIPES = {
    "mnist": dict(batch_size=100, lr=1e-3, tv_weight=10.0, kl_weight=1.0, likelihood="bernoulli"),
    "celeba": dict(batch_size=128, lr=2e-3, tv_weight=0.01, kl_weight=4e-4, likelihood="gaussian", clip_norm=5.0,
                   batch_mean=True),
}
# The INR's task weight on the negative ELBO (reference: 0.01 on MNIST's batch sum, 0.1 on CelebA's batch mean)
INR_TASK_WEIGHT = {"mnist": 0.01, "celeba": 0.1}
INR_RECIPE_VERSION = 1


def check_dataset(dataset):
    if dataset not in SPECS:
        raise ValueError(f"no VAE for dataset {dataset!r}; choose one of {sorted(SPECS)}")
    return dataset


def likelihood(dataset):
    return RECIPES[check_dataset(dataset)]["likelihood"]


def images(dataset, split, P):
    return vae_images(check_dataset(dataset), split, resolve_data_root(P))


def vae_train_config(dataset, P):
    return VAETrainConfig(epochs=P["vae_epochs"], seed=P["seed"], limit_train=P["vae_limit_train"],
                          **RECIPES[check_dataset(dataset)])


def vae_checkpoint_path(dataset, P, width=None):
    """The pretrained VAE (full width) or the Individual VAE of decoder width ``width``."""
    arch, spec = ARCHS[check_dataset(dataset)], SPECS[dataset]
    key = {"arch": arch, "dataset": dataset, "data": data_identity(dataset, P),
           "train": dataclasses.asdict(vae_train_config(dataset, P))}
    name = f"base-{arch}"
    if width is not None and check_width(width) != spec.full_width:
        # keys name the width "hidden_dim", as every committed artifact's key does
        key["hidden_dim"], name = int(width), f"individual-{arch}-d{int(width)}"
    return checkpoint_path(P["profile"], name, key)


def train_base_vae(dataset, P, width=None):
    """Train (or reuse) the VAE of decoder width ``width`` (default: the pretrained full width) from
    scratch with the reference recipe; returns ``(model, info)``."""
    arch, spec = ARCHS[check_dataset(dataset)], SPECS[dataset]
    width = spec.full_width if width is None else check_width(width)
    seed_everything(P["seed"])  # the initial weights depend on the seed alone
    model = build_model(arch, width=width)
    path = vae_checkpoint_path(dataset, P, width)
    meta = {"arch": arch, "dataset": dataset, "hidden_dim": width, "checkpoint": path.name, "profile": P["profile"]}
    model, info = train_vae(model, images(dataset, "train", P), images(dataset, "test", P), vae_train_config(dataset, P),
                            path, meta, desc=f"{arch} d={width}")
    return model.eval(), dict(info, checkpoint=path.name)


def _base(dataset, P):
    return vae_checkpoint_path(dataset, P), lambda: train_base_vae(dataset, P)


def permuted_vae(dataset, P):
    """``(folded permuted state dict, info)``: the pretrained VAE with its channels ordered as the classifiers'."""
    return permuted_target(ARCHS[check_dataset(dataset)], dataset, P, base=_base(dataset, P))


def inr_train_config(dataset, P):
    return INRTrainConfig(
        epochs=P["vae_inr_epochs"], batch_size=P["vae_inr_batch_size"], lr=P["vae_inr_lr"], weight_decay=0.0,
        milestones=tuple(P["vae_inr_milestones"]), clip_value=P["vae_inr_clip"], ema_decay=P["vae_inr_ema"],
        noise=P["vae_inr_noise"], lambda_rec=P["vae_inr_lambda_rec"], lambda_reg=P["vae_inr_lambda_reg"],
        seed=inr_seed(P), limit_train=P["vae_limit_train"], rec_warmup_steps=P["vae_inr_rec_warmup_steps"],
        rec_warmup_lr=P["inr_rec_warmup_lr"])


def inr_shape(P):
    return P["vae_inr_hidden"], P["vae_inr_layers"], P["vae_inr_freqs"]


def task_loss(dataset):
    """The INR's task term: the reference's weight times the training negative ELBO of the batch."""
    recipe, weight = RECIPES[check_dataset(dataset)], INR_TASK_WEIGHT[dataset]

    def loss(output, x, y):
        per_image = neg_elbo(output, x, recipe["likelihood"], recipe["kl_weight"])
        return weight * (per_image.mean() if recipe.get("batch_mean") else per_image.sum())
    return loss


def inr_checkpoint_path(dataset, P):
    arch = ARCHS[check_dataset(dataset)]
    key = {"target": permuted_target_path(arch, dataset, P, base_path=vae_checkpoint_path(dataset, P)).name,
           "spec": spec_key(arch),
           "inr": list(inr_shape(P)), "train": dataclasses.asdict(inr_train_config(dataset, P)),
           "task_weight": INR_TASK_WEIGHT[dataset], "selection": "last EMA epoch", "recipe": INR_RECIPE_VERSION}
    return checkpoint_path(P["profile"], f"neumeta-{arch}", key)


class _FloatImages(Dataset):
    """(image in [0, 1], 0) pairs from a uint8 tensor, converted per item (CelebA would not fit as floats)."""

    def __init__(self, x):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return as_float(self.x[i]), 0


def train_vae_neumeta(dataset, P):
    """Train (or reuse) the INR over the decoder; returns ``(inr, target, info)``."""
    arch = ARCHS[check_dataset(dataset)]
    state, target_info = permuted_vae(dataset, P)
    path = inr_checkpoint_path(dataset, P)
    meta = metamorph_of(arch, state, inr_seed(P), inr_shape(P))  # the INR's initial weights depend on its seed only
    info = meta.fit_keyed(_FloatImages(images(dataset, "train", P)), inr_train_config(dataset, P), path,
                          {"arch": arch, "dataset": dataset, "checkpoint": path.name,
                           "target_checkpoint": target_info["checkpoint"]},
                          desc=f"neumeta {arch}", task_loss=task_loss(dataset))
    return meta.inr, meta.target, info


@torch.no_grad()
def neumeta_vae(inr, target, width, P, generator=None):
    """A plain VAE of decoder width ``width`` holding the INR's weights: the clean coordinates when the INR
    trained without coordinate noise (the reference's VAE setting), else the K-sample merge."""
    noise, samples = P["vae_inr_noise"], P["inr_eval_samples"] if P["vae_inr_noise"] > 0 else 1
    return target.materialise(merged_weights(inr, width, "mc", noise, samples, generator), width)


DATASET_DEFAULT = "mnist"

if __name__ == "__main__":  # train (or resume) the artifacts of notebook 50 outside it, e.g. in the background
    import argparse

    from neumeta.parallel.launch import cli_profile
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.vae.experiment",
                                     description="Train (or resume) the VAE artifacts of one dataset.")
    parser.add_argument("profile")
    parser.add_argument("what", choices=["base", "neumeta", "individual"])
    parser.add_argument("--dataset", default=DATASET_DEFAULT, choices=sorted(SPECS))
    args = parser.parse_args()
    P = cli_profile(parser, args.profile)
    if args.what == "base":
        print(train_base_vae(args.dataset, P)[1]["test_neg_elbo"], flush=True)
    elif args.what == "neumeta":
        print(train_vae_neumeta(args.dataset, P)[2]["checkpoint"], flush=True)
    else:
        for width in P["vae_individual_widths"]:
            print(width, train_base_vae(args.dataset, P, width)[1]["test_neg_elbo"], flush=True)
