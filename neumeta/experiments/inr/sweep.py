"""A width sweep split over processes: each evaluates its share of the widths, rank 0 gathers them.

The same K-sample merged weights and predictions per width as notebook 20 (same seed per width), so the
gathered table equals the one-process table exactly, whatever the number of processes:

    python -m neumeta.experiments.inr.sweep cpu resnet20                          # one process
    torchrun --nproc_per_node 4 -m neumeta.experiments.inr.sweep paper resnet20   # four processes (or GPUs)

Writes ``<out>`` (default ``results/scratch/<profile>-<arch>-sweep.csv``, atomically): width, accuracy (%) and
the number of test images.
"""
import torch

from neumeta.evaluation.trunk import TrunkFeatures, has_shared_trunk
from neumeta.evaluation.widths import predict_width
from neumeta.metrics import accuracy_of
from neumeta.hardware import world


def sharded_sweep(inr, target, data, widths, samples, noise, seed):
    """``{width: predicted classes}`` for every width, computed over processes (``world.shard``) and gathered
    on all of them; each width's merge draws from its own ``Generator(seed)``, as notebook 20's sweep does."""
    evaluation = TrunkFeatures(target.net, data) if has_shared_trunk(target.net) else data
    mine = []
    for d in world.shard(widths):
        preds, _ = predict_width(inr, target, evaluation, d, samples=samples, noise=noise,
                                 generator=torch.Generator().manual_seed(seed))
        mine.append((d, preds.tolist()))
    return {d: torch.tensor(p) for d, p in world.gather(mine)}


if __name__ == "__main__":
    import argparse

    import pandas as pd

    from neumeta.evaluation.eval_sets import eval_set
    from neumeta.experiments.inr.experiment import DEFAULT_DATASET, SPECS, inr_checkpoint_path, train_neumeta
    from neumeta.store.atomic import atomic_write
    from neumeta.store.checkpoints import REPO_ROOT
    from neumeta.parallel.launch import cli_profile
    from neumeta.experiments.pretrained.base_models import resolve_data_root
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.inr.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("profile")
    parser.add_argument("arch", choices=sorted(SPECS))
    parser.add_argument("--out", help="CSV to write (default results/scratch/<profile>-<arch>-sweep.csv)")
    args = parser.parse_args()
    P = cli_profile(parser, args.profile)
    dataset = DEFAULT_DATASET[args.arch]
    if not inr_checkpoint_path(args.arch, dataset, P).exists():
        parser.error(f"no trained INR for {args.arch} in profile {P['profile']}: run notebook 20 (or "
                     f"python -m neumeta.experiments.inr.experiment {P['profile']} {args.arch}) first")
    inr, target, _ = train_neumeta(args.arch, dataset, P)
    test = eval_set(dataset, "test", resolve_data_root(P))
    widths = P[f"inr_{args.arch}_widths"]
    preds = sharded_sweep(inr, target, test, widths, P["inr_eval_samples"], P["inr_noise"], P["seed"])
    if world.is_main():
        labels = test.tensors[1]
        table = pd.DataFrame([dict(width=d, accuracy=accuracy_of(preds[d], labels), images=len(labels))
                              for d in sorted(preds)])
        out = args.out or REPO_ROOT / "results" / "scratch" / f"{P['profile']}-{args.arch}-sweep.csv"
        with atomic_write(out, "w", newline="") as f:
            table.to_csv(f, index=False)
        print(f"{len(table)} widths over {world.world_size()} process(es) -> {out}", flush=True)
