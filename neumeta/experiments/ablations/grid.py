"""The ablation grid: one INR per row, each a keyed artifact trained with the row's settings.

A row changes one thing against the reference (the cpu profile's INR): the channel ordering of the target
(none, random, greedy nearest neighbour instead of the shortest Hamiltonian path), the reconstruction weight
λ1 (λ1 = 0 also drops the warm start, itself a reconstruction fit), the weight-norm weight λ2, or the
coordinate noise. Every ResNet-20 row, the reference included, trains on the shared ablation schedule
(``ablation_epochs`` / ``ablation_milestones``) so rows compare; LeNet rows use the profile's full LeNet
schedule. The INR-size frontier varies the INR's hidden width, depth and Fourier bands on
the same schedule. Each row's settings go into its checkpoint key, so a row is trained once, resumes after a
kill, and two processes side by side split the grid (``--skip-busy``):

    python -m neumeta.experiments.ablations.grid cpu --status                    # rows done / partial / not started
    OMP_NUM_THREADS=1 python -m neumeta.experiments.ablations.grid cpu --skip-busy &   # twice, side by side
"""
from dataclasses import dataclass

from neumeta.experiments.inr.experiment import inr_checkpoint_path, train_neumeta
from neumeta.seed import seed_everything
from neumeta.config.profiles import with_values

ARCHS = {"resnet20": "cifar10", "lenet": "mnist"}


@dataclass(frozen=True)
class Row:
    id: str                     # what profiles name it by (ablation_rows)
    name: str
    variant: str = "shp"        # channel ordering of the target network
    values: tuple = ()          # (profile key, value) pairs this row changes
    paper_row: int = None       # the paper's ablation-table row it corresponds to (paper-results 5)


ROWS = (
    Row("reference", "reference (shortest path, λ1 = 1, λ2 = 1e-4, noise 1)", paper_row=4),
    Row("no-permutation", "no permutation", variant="none", paper_row=2),
    Row("random-order", "random channel order", variant="random"),
    # greedy on the whole channel group's features; the reference's "Layer-Greedy" looks at its first tensor only
    Row("greedy-order", "greedy nearest-neighbour channel order", variant="greedy"),
    # the warm start is a reconstruction fit too, so "no reconstruction" drops it as well
    Row("no-reconstruction", "λ1 = 0 (no reconstruction, no warm start)",
        values=(("inr_lambda_rec", 0.0), ("inr_rec_warmup_steps", 0)), paper_row=1),
    Row("reconstruction-10", "λ1 = 10", values=(("inr_lambda_rec", 10.0),), paper_row=5),
    Row("reconstruction-100", "λ1 = 100", values=(("inr_lambda_rec", 100.0),), paper_row=6),
    Row("no-weight-norm", "λ2 = 0 (no weight-norm term)", values=(("inr_lambda_reg", 0.0),), paper_row=3),
    Row("no-noise", "no coordinate noise (σ = 0)", values=(("inr_noise", 0.0),)),
)
ROW_IDS = tuple(r.id for r in ROWS)


def parse_size(text):
    """``"256x4x7"`` -> (hidden, layers, Fourier bands)."""
    try:
        hidden, layers, bands = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise ValueError(f"INR size {text!r}: expected HIDDENxLAYERSxBANDS, e.g. 256x4x7") from None
    if hidden < 1 or layers < 1 or bands < 0:
        raise ValueError(f"INR size {text!r}: hidden and layers must be >= 1, bands >= 0")
    return hidden, layers, bands


def row_profile(P, arch, row):
    """The profile a row of ``arch`` trains with: the row's values, and for ResNet-20 the shared schedule."""
    values = dict(row.values)
    if arch == "resnet20":
        values.update(inr_resnet20_epochs=P["ablation_epochs"], inr_resnet20_milestones=list(P["ablation_milestones"]))
    return with_values(P, **values)


def size_row(P, size):
    """A frontier point as a row: the reference at another INR size (ResNet-20 only)."""
    hidden, layers, bands = parse_size(size)
    return Row(f"inr-{hidden}x{layers}x{bands}", f"INR {hidden} x {layers} layers x {bands} bands", values=(("inr_resnet20_hidden", hidden), ("inr_layers", layers),
                                                            ("inr_freqs", bands)))


def jobs(P):
    """``(arch, row)`` of every INR the grid needs, in training order: LeNet's rows (short), then ResNet-20's
    rows, then the frontier's points (a point equal to the reference's size is the reference itself). The
    frontier is measured against the reference row, so it needs that row."""
    out = [("lenet", r) for r in ROWS if r.id in P["ablation_rows"] and "lenet" in P["ablation_archs"]]
    if "resnet20" in P["ablation_archs"]:
        out += [("resnet20", r) for r in ROWS if r.id in P["ablation_rows"]]
        if P["ablation_inr_sizes"] and "reference" not in P["ablation_rows"]:
            raise ValueError("ablation_inr_sizes needs the 'reference' row in ablation_rows: the frontier is "
                             "compared with it")
        reference = (P["inr_resnet20_hidden"] or P["inr_hidden"], P["inr_layers"], P["inr_freqs"])
        out += [("resnet20", size_row(P, s)) for s in P["ablation_inr_sizes"] if parse_size(s) != reference]
    return out


def checkpoint_of(P, arch, row):
    return inr_checkpoint_path(arch, ARCHS[arch], row_profile(P, arch, row), row.variant)


def train_row(P, arch, row):
    """Train (or reuse) one row's INR; returns ``(inr, target, info)``."""
    Q = row_profile(P, arch, row)
    seed_everything(Q["seed"])
    return train_neumeta(arch, ARCHS[arch], Q, row.variant)


if __name__ == "__main__":
    import argparse

    from neumeta.store.checkpoints import is_being_trained, load_checkpoint, partial_path
    from neumeta.training.queue import train_in_turn
    from neumeta.parallel.launch import cli_profile
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.ablations.grid", description="Train the ablation grid's INRs.")
    parser.add_argument("profile", nargs="?")
    parser.add_argument("--skip-busy", action="store_true", help="pass over a row another process is training")
    parser.add_argument("--status", action="store_true", help="list every row's state; train nothing")
    args = parser.parse_args()
    P = cli_profile(parser, args.profile)
    if args.status:
        for arch, row in jobs(P):
            path = checkpoint_of(P, arch, row)
            part = partial_path(path)
            state = ("done" if path.exists() else f"partial (epoch {load_checkpoint(part)['meta']['epoch']})"
                     if part.exists() else "not started") + (", training now" if is_being_trained(path) else "")
            print(f"{arch:>8} {row.id:<20} {state:<28} {path.name}")
        raise SystemExit(0)
    train_in_turn([(f"{arch} {row.name}", lambda arch=arch, row=row: train_row(P, arch, row)[2],
                    lambda info: f"{info['epochs']} epochs, {info['train_seconds'] / 60:.1f} train min")
                   for arch, row in jobs(P)], args.skip_busy)
