"""NeuMeta end to end for one (architecture, dataset) in a profile: target, INR, training, as a use of the public
API (``Metamorph.prepared`` on the stored permuted target)."""
import dataclasses

from neumeta.experiments.pretrained.base_models import resolve_data_root
from neumeta.experiments.pretrained.specs import Specs, metamorph_of, spec_key
from neumeta.store.checkpoints import checkpoint_path
from neumeta.data import get_dataset
from neumeta.method.inr import NeuMetaINR
from neumeta.method.training import INRTrainConfig
from neumeta.experiments.pretrained.targets import permuted_target, permuted_target_path

SPECS = Specs({"resnet20": "resnet20", "lenet": "lenet"})  # each derived from the network on first use
# Bumped whenever the INR's code changes what it learns (objective, coordinates, warm start): a new key.
INR_RECIPE_VERSION = 1


def arch_value(P, arch, name):
    """``inr_<arch>_<name>`` where a profile sets it, else the shared ``inr_<name>``: one architecture's
    INR can differ without changing (and so retraining) the others'. None (null in YAML) means
    "not overridden"; [] or 0 are real values."""
    own = P.get(f"inr_{arch}_{name}")
    return P[f"inr_{name}"] if own is None else own


def inr_seed(P):
    """The INRs' seed: ``inr_seed`` where set (the seed study varies it on the committed targets), else ``seed``;
    so every INR trained before it existed keeps its key."""
    return P["seed"] if P["inr_seed"] is None else P["inr_seed"]


def inr_train_config(P, arch=None):
    """The INR schedule; ``inr_<arch>_epochs`` / ``inr_<arch>_milestones`` override the shared ones."""
    epochs, milestones = arch_value(P, arch, "epochs"), arch_value(P, arch, "milestones")
    return INRTrainConfig(
        epochs=epochs, batch_size=P["inr_batch_size"], lr=P["inr_lr"], weight_decay=P["inr_weight_decay"],
        milestones=tuple(milestones), clip_value=P["inr_clip"], ema_decay=P["inr_ema"], noise=P["inr_noise"],
        lambda_rec=P["inr_lambda_rec"], lambda_reg=P["inr_lambda_reg"], seed=inr_seed(P),
        limit_train=P["inr_limit_train"], rec_warmup_steps=P["inr_rec_warmup_steps"],
        rec_warmup_lr=P["inr_rec_warmup_lr"])


def inr_shape(P, arch=None):
    """(hidden, layers, Fourier bands) of ``arch``'s INR; ``inr_<arch>_hidden`` overrides ``inr_hidden``."""
    return arch_value(P, arch, "hidden"), P["inr_layers"], P["inr_freqs"]


def build_inr(spec, P, arch=None):
    hidden, layers, freqs = inr_shape(P, arch)
    return NeuMetaINR(spec, hidden=hidden, num_layers=layers, num_freqs=freqs)


def inr_checkpoint_path(arch, dataset, P, variant="shp"):
    """Its key: the permuted target's checkpoint (whose name carries its key, which names the base
    model's and the channel ordering ``variant``), the INR's shape, its schedule and the selection rule."""
    key = {"target": permuted_target_path(arch, dataset, P, variant).name, "arch": arch, "dataset": dataset,
           "spec": spec_key(arch),
           "inr": list(inr_shape(P, arch)), "train": dataclasses.asdict(inr_train_config(P, arch)),
           "selection": "last EMA epoch", "recipe": INR_RECIPE_VERSION}
    name = f"neumeta-{arch}-{dataset}" + ("" if variant == "shp" else f"-{variant}")
    return checkpoint_path(P["profile"], name, key)


def train_neumeta(arch, dataset, P, variant="shp"):
    """Train (or reuse) the INR for ``arch`` on the target whose channels are ordered by ``variant`` (the
    shortest Hamiltonian path; the others are ablations); returns ``(inr, target, info)``."""
    state, target_info = permuted_target(arch, dataset, P, variant)
    train = get_dataset(dataset, "train", root=resolve_data_root(P))
    cfg = inr_train_config(P, arch)
    path = inr_checkpoint_path(arch, dataset, P, variant)
    # the INR's initial weights depend on its seed only, not on what ran before
    meta = metamorph_of(arch, state, inr_seed(P), inr_shape(P, arch))
    info = meta.fit_keyed(train, cfg, path, {"arch": arch, "dataset": dataset, "checkpoint": path.name,
                                             "target_checkpoint": target_info["checkpoint"]}, desc=f"neumeta {arch}")
    return meta.inr, meta.target, info


DEFAULT_DATASET = {"resnet20": "cifar10", "lenet": "mnist"}

if __name__ == "__main__":  # train (or resume) one INR outside the notebooks, e.g. in the background
    import argparse

    import yaml

    from neumeta.parallel.launch import cli_profile
    from neumeta.seed import seed_everything
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.inr.experiment",
                                     description="Train (or resume) the NeuMeta INR of one architecture.")
    parser.add_argument("profile")
    parser.add_argument("arch", choices=sorted(SPECS))
    parser.add_argument("dataset", nargs="?")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one profile value (YAML syntax), e.g. --set inr_epochs=36")
    args = parser.parse_args()
    known = cli_profile(parser, args.profile)
    overrides = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or key not in known:
            parser.error(f"--set {item!r}: expected KEY=VALUE with KEY one of the profile's keys")
        try:
            overrides[key] = yaml.safe_load(value)
        except yaml.YAMLError as e:
            parser.error(f"--set {item!r}: {value!r} is not a YAML value ({str(e).splitlines()[0]})")
    P = cli_profile(parser, args.profile, overrides)
    seed_everything(P["seed"])  # as notebook 20 does before each INR
    inr, _, info = train_neumeta(args.arch, args.dataset or DEFAULT_DATASET[args.arch], P)
    print(f"{info['checkpoint']}: {info['epochs']} epochs (the last EMA epoch is the result), "
          f"{info['train_seconds'] / 60:.1f} train min", flush=True)
