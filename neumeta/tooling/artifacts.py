"""The build graph of a profile: every artifact, its key, its inputs, and whether it is built.

    python -m neumeta.tooling.artifacts cpu          # what `make reproduce PROFILE=cpu` reuses or trains
    python -m neumeta.tooling.artifacts cpu --json   # the same, machine-readable

An artifact is a checkpoint ``<name>-<key>.pt``; its key is a hash of its own config *and of
the names (so the keys) of its inputs*: a base model's first stage names its data copy and
precision, each warm-restart stage the stage before it, a permuted target its base model, an
INR its permuted target. Change anything upstream and every artifact downstream gets a new key.
Nothing here trains or loads a model; a partial checkpoint is only opened to read its epoch.
"""
import argparse
import json
import sys
from dataclasses import asdict, dataclass, field

from neumeta.store.checkpoints import is_being_trained, load_checkpoint, partial_path


@dataclass
class Artifact:
    name: str          # the checkpoint file name (name-key.pt)
    kind: str          # base model stage, permuted target, INR, baseline stage
    inputs: list = field(default_factory=list)  # names of the artifacts (or data) it is built from
    state: str = ""    # built / partial (epoch n) / training now / not built

    @property
    def key(self):
        return self.name.rsplit("-", 1)[-1].removesuffix(".pt")


def _state(path):
    if is_being_trained(path):
        return "training now"
    if path.exists():
        return "built"
    part = partial_path(path)
    if part.exists():
        return f"partial (epoch {load_checkpoint(part)['meta'].get('epoch', '?')})"
    return "not built"


def _chain(paths, kind, first_inputs):
    rows, inputs = [], list(first_inputs)
    for path in paths:
        rows.append(Artifact(path.name, kind, inputs, _state(path)))
        inputs = [path.name]
    return rows


def profile_artifacts(P):
    """Every artifact the notebooks of profile ``P`` ask for, upstream first, each listed once."""
    from neumeta.experiments.table2.jobs import table2_jobs
    from neumeta.experiments.inr.experiment import SPECS, inr_checkpoint_path
    from neumeta.experiments.pretrained.targets import permuted_target_path
    from neumeta.experiments.pretrained.base_models import data_identity, stage_checkpoint_paths, stage_configs

    def precision(paths):
        return "bfloat16 autocast" if stage_configs(paths)[0].bf16 else "float32"

    rows = []
    bases = [("resnet20", d) for d in P["base_cifar_datasets"]] + [("lenet", "mnist")]
    for arch, dataset in bases:
        paths = stage_checkpoint_paths(arch, dataset, P)
        rows += _chain(paths, f"base model {arch}/{dataset}",
                       [f"data: {data_identity(dataset, P)}", f"precision: {precision(paths)}"])
    for arch, dataset in [("resnet20", "cifar10"), ("lenet", "mnist")]:
        if arch not in SPECS:
            continue
        base = stage_checkpoint_paths(arch, dataset, P)[-1].name
        target = permuted_target_path(arch, dataset, P)
        rows.append(Artifact(target.name, f"permuted target {arch}/{dataset}", [base], _state(target)))
        inr = inr_checkpoint_path(arch, dataset, P)
        rows.append(Artifact(inr.name, f"NeuMeta INR {arch}/{dataset}", [target.name], _state(inr)))
    if P["prune_imagenet_base"] == "trained" and "imagenet" in P["prune_panels"]:  # Figure 5's ImageNet panel
        paths = stage_checkpoint_paths("resnet18", "imagenet", P)
        rows += _chain(paths, "base model resnet18/imagenet",
                       [f"data: {data_identity('imagenet', P)}", f"precision: {precision(paths)}"])
    for dataset in P["table2_datasets"]:
        for method, width, paths, _ in table2_jobs(dataset, P):
            kind = f"Table 2 {method}" + ("" if width is None else f" d={width}") + f" {dataset}"
            rows += _chain(paths, kind, [f"data: {data_identity(dataset, P)}", f"precision: {precision(paths)}"])
    rows += _vae_artifacts(P)
    unique = {}
    for row in rows:
        unique.setdefault(row.name, row)
    return list(unique.values())


def _vae_artifacts(P):
    """Notebook 50: per dataset the pretrained VAE, its permuted target, the INR and the Individual VAEs."""
    from neumeta.experiments.pretrained.targets import permuted_target_path
    from neumeta.experiments.pretrained.base_models import data_identity
    from neumeta.experiments.vae.experiment import ARCHS, inr_checkpoint_path, vae_checkpoint_path
    rows = []
    for dataset in P["vae_datasets"]:
        data = f"data: {data_identity(dataset, P)}"
        base = vae_checkpoint_path(dataset, P)
        rows.append(Artifact(base.name, f"VAE pretrained {dataset}", [data], _state(base)))
        target = permuted_target_path(ARCHS[dataset], dataset, P, base_path=base)
        rows.append(Artifact(target.name, f"VAE permuted target {dataset}", [base.name], _state(target)))
        inr = inr_checkpoint_path(dataset, P)
        rows.append(Artifact(inr.name, f"VAE NeuMeta INR {dataset}", [target.name], _state(inr)))
        for width in P["vae_individual_widths"]:
            path = vae_checkpoint_path(dataset, P, width)
            rows.append(Artifact(path.name, f"VAE Individual d={width} {dataset}", [data], _state(path)))
    return rows


def main(argv=None):
    from neumeta.config.profiles import UnknownProfileError, resolve_profile
    parser = argparse.ArgumentParser(prog="python -m neumeta.tooling.artifacts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile")
    parser.add_argument("--json", action="store_true", help="one JSON object per artifact")
    args = parser.parse_args(argv)
    try:
        P = resolve_profile(args.profile)
    except UnknownProfileError as e:
        parser.error(str(e))
    rows = profile_artifacts(P)
    if args.json:
        for row in rows:
            print(json.dumps(dict(asdict(row), key=row.key)))
        return 0
    for row in rows:
        print(f"{row.state:<18} {row.name}\n{'':<18}   {row.kind}; from {', '.join(row.inputs)}")
    built = sum(r.state == "built" for r in rows)
    print(f"\n{built} of {len(rows)} artifacts built in checkpoints/{P['profile']}/; "
          f"`make reproduce PROFILE={P['profile']}` trains the other {len(rows) - built}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
