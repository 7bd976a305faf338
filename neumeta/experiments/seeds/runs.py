"""The seed study's runs: each is one stage of the pipeline retrained with another seed, every other input the
committed one, so every existing artifact keeps its name (the seed is part of each new artifact's key).

- ``resnet20-inr``: ResNet-20's NeuMeta INR on the committed base model and permuted target (``inr_seed``);
- ``resnet20-d16``: the Individual ResNet-20 at d = 16 (Table 2 at gamma = 75 %), its whole recipe (``seed``);
- ``lenet-chain``: the whole LeNet / MNIST chain: base model, permuted target and INR (``seed``); the pruning rows
  are computed from its base model when scored;
- ``vae-inr``: the MNIST VAE's INR on the committed base VAE and permuted decoder (``inr_seed``).

Seed 0 of every run is the committed artifact itself (the profile unchanged: its own ``seed`` and ``inr_seed``); an
extra seed equal to the profile's own seed of that stage would be that artifact again, and is refused.

    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.seeds.train cpu resnet20-inr 1 &
"""
import pandas as pd

from neumeta.config.profiles import with_values
from neumeta.experiments.inr.experiment import inr_checkpoint_path, inr_seed, train_neumeta
from neumeta.experiments.pretrained.base_models import base_checkpoint_path, train_base_model
from neumeta.experiments.pretrained.hours import training_hours
from neumeta.experiments.pretrained.targets import permuted_target, permuted_target_path
from neumeta.experiments.table2.jobs import train_individual
from neumeta.experiments.vae import experiment as vae
from neumeta.seed import seed_everything
from neumeta.store.checkpoints import is_built, load_checkpoint, partial_path

RUNS = ("resnet20-inr", "resnet20-d16", "lenet-chain", "vae-inr")
SEEDED_STAGE = {"resnet20-inr": "inr_seed", "resnet20-d16": "seed", "lenet-chain": "seed", "vae-inr": "inr_seed"}


def seeded(P, run, seed):
    """The profile of ``run`` at ``seed``: seed 0 is the committed artifact (the profile unchanged)."""
    if run not in RUNS:
        raise ValueError(f"unknown seed-study run {run!r}; choose one of {RUNS}")
    if seed == 0:
        return P
    stage = SEEDED_STAGE[run]
    own = inr_seed(P) if stage == "inr_seed" else P["seed"]
    if seed == own:  # P with stage=seed would be P's own artifact: the committed one, counted twice
        raise ValueError(f"seed {seed} of {run!r} is the profile's own {stage} (the committed artifact, seed 0 of "
                         f"the study): choose extra seeds other than {own}")
    return with_values(P, **{stage: seed})  # a Profile, so the study reads only the values its stages use


def checkpoints(P, run, seed):
    """The checkpoint files ``run`` at ``seed`` ends with (what the study reads)."""
    Q = seeded(P, run, seed)
    if run == "resnet20-inr":
        return [inr_checkpoint_path("resnet20", "cifar10", Q)]
    if run == "resnet20-d16":
        return [base_checkpoint_path("resnet20", "cifar10", Q, width=16)]
    if run == "lenet-chain":
        return [base_checkpoint_path("lenet", "mnist", Q), permuted_target_path("lenet", "mnist", Q),
                inr_checkpoint_path("lenet", "mnist", Q)]
    return [vae.inr_checkpoint_path("mnist", Q)]


def train(P, run, seed):
    """Train (or reuse) ``run`` at ``seed``; returns the info of its last stage."""
    Q = seeded(P, run, seed)
    seed_everything(Q["seed"])  # as the notebooks do before each training
    if run == "resnet20-inr":
        return train_neumeta("resnet20", "cifar10", Q)[2]
    if run == "resnet20-d16":
        return train_individual("cifar10", 16, Q)[1]
    if run == "lenet-chain":
        train_base_model("lenet", "mnist", Q)
        permuted_target("lenet", "mnist", Q)
        seed_everything(Q["seed"])
        return train_neumeta("lenet", "mnist", Q)[2]
    return vae.train_vae_neumeta("mnist", Q)[2]


def plan(P):
    """Every run at every seed: built or not, and its hours (measured where built; else seed 0's as the
    estimate, the same recipe on the same data)."""
    def hours(files):
        return sum(training_hours(f) for f in files)
    rows = []
    for run in RUNS:
        committed = checkpoints(P, run, 0)
        estimate = hours(committed) if all(is_built(f) for f in committed) else float("nan")
        for seed in [0, *P["seed_study_seeds"]]:
            files = checkpoints(P, run, seed)
            built = all(is_built(f) for f in files)
            state = "built" if built else "partial" if any(partial_path(f).exists() for f in files) else "to train"
            rows.append(dict(run=run, seed=seed, state=state, hours=hours(files) if built else estimate,
                             hours_are="measured" if built else "estimated (seed 0's)",
                             command="" if seed == 0 else
                             f"python -m neumeta.experiments.seeds.train {P['profile']} {run} {seed}"))
    return pd.DataFrame(rows)
