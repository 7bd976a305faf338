"""Evaluating NeuMeta (and the shared-weight baselines) at many widths: the old path against the new one,
on the same machine in one run, as ratios, with the agreement of the predictions beside them.

Old path: the K draws of one width in one batch through the INR, then every test image through the whole
network. New path: the draws in row chunks (``neumeta.method.inr.CHUNK_ROWS``), the trunk's activations
computed once per model (``neumeta.evaluation.trunk``), then only the generated block and the head per width.

    python benchmarks/evaluation.py --profile cpu          # or: make benchmark PROFILE=cpu
    python benchmarks/evaluation.py --widths 16 40 64      # a shorter sweep

Writes ``results/<profile>/benchmarks/evaluation.csv`` (one row per case) and ``evaluation.meta.json`` (commit,
machine, threads), atomically; nothing is written when a step fails.
"""
import argparse
import contextlib
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from neumeta.baselines import inn, slimmable  # noqa: E402
from neumeta.baselines.pruning import calibration_batches, prune_to_width, trunk_batches  # noqa: E402
from neumeta.experiments.table2.jobs import inn_paths, slimmable_paths  # noqa: E402
from neumeta.data import get_dataset  # noqa: E402
from neumeta.evaluation.eval_sets import eval_set  # noqa: E402
from neumeta.evaluation.trunk import TrunkFeatures  # noqa: E402
from neumeta.method import inr as inr_module  # noqa: E402
from neumeta.experiments.inr.experiment import inr_checkpoint_path, train_neumeta  # noqa: E402
from neumeta.method.merge import gauss_legendre_rule, merged_weights  # noqa: E402
from neumeta.evaluation.widths import predict_width  # noqa: E402
from neumeta.metrics import accuracy_of, predict  # noqa: E402
from neumeta.progress import progress  # noqa: E402
from neumeta.stats import paired_difference  # noqa: E402
from neumeta.store.atomic import atomic_write  # noqa: E402
from neumeta.store.checkpoints import is_built  # noqa: E402
from neumeta.parallel.launch import cli_profile  # noqa: E402
from neumeta.store.results import RESULTS_ROOT  # noqa: E402
from neumeta.experiments.pretrained.base_models import resolve_data_root, train_base_model  # noqa: E402


@contextlib.contextmanager
def one_batch_generation():
    """The old generation: all K x rows of a tensor through the INR at once."""
    saved = inr_module.CHUNK_ROWS
    inr_module.CHUNK_ROWS = 1 << 62
    try:
        yield
    finally:
        inr_module.CHUNK_ROWS = saved


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def row(case, widths, old_s, new_s, old_preds=None, new_preds=None, labels=None, note=""):
    r = dict(case=case, widths=widths, old_seconds=old_s, new_seconds=new_s, new_over_old=new_s / old_s,
             speedup=old_s / new_s, images_differing=None, acc_old=None, acc_new=None, note=note)
    if old_preds is not None:
        r.update(images_differing=int((old_preds != new_preds).sum()), acc_old=accuracy_of(old_preds, labels),
                 acc_new=accuracy_of(new_preds, labels))
    print(f"{case}: old {old_s:.2f} s, new {new_s:.2f} s, ratio new/old {new_s / old_s:.3f}"
          + (f", {r['images_differing']} images predicted differently" if old_preds is not None else ""), flush=True)
    return r


def neumeta_rows(P, widths):
    inr, target, _ = train_neumeta("resnet20", "cifar10", P)
    root = resolve_data_root(P)
    dataset = get_dataset("cifar10", "test", root=root, transform="eval")  # what the old path iterated over
    K, noise, seed = P["inr_eval_samples"], P["inr_noise"], P["seed"]

    def generate(d):
        with torch.no_grad():
            return inr.weights(d, noise=noise, samples=K, generator=torch.Generator().manual_seed(seed))

    def generate_old(d):
        with one_batch_generation():
            return generate(d)
    def old(d):
        generated = generate_old(d)
        return predict(lambda x: target(x, generated), dataset)

    def new(d, trunk):
        return predict_width(inr, target, trunk, d, samples=K, noise=noise, generator=torch.Generator().manual_seed(seed))

    rows = []
    trunk_s, trunk = timed(lambda: TrunkFeatures(target.net, eval_set("cifar10", "test", root), desc="trunk"))
    labels = trunk.labels
    full = max(widths)
    gen_old, _ = timed(lambda: generate_old(full))
    gen_new, _ = timed(lambda: generate(full))
    rows.append(row(f"generate d={full}, K={K} (INR only)", str(full), gen_old, gen_new))
    old_s, (old_p, _) = timed(lambda: old(full))
    new_s, (new_p, _) = timed(lambda: new(full, trunk))
    rows.append(row(f"one width d={full}, K={K}: generate + evaluate, trunk counted", str(full), old_s, new_s + trunk_s,
                    old_p, new_p, labels, note=f"trunk activations once per model: {trunk_s:.2f} s"))
    rows.append(row(f"one width d={full}, K={K}: generate + evaluate, trunk already there", str(full), old_s, new_s,
                    old_p, new_p, labels))
    old_total = new_total = 0.0
    differing, worst = 0, 0.0
    for d in progress(widths, desc="sweep"):
        o_s, (o_p, _) = timed(lambda: old(d))
        n_s, (n_p, _) = timed(lambda: new(d, trunk))
        old_total, new_total = old_total + o_s, new_total + n_s
        differing += int((o_p != n_p).sum())
        worst = max(worst, abs(accuracy_of(o_p, labels) - accuracy_of(n_p, labels)))
    span = f"{min(widths)}..{max(widths)} ({len(widths)} widths)"
    r = row(f"sweep, K={K}: generate + evaluate every width, trunk counted", span, old_total, new_total + trunk_s)
    r.update(images_differing=differing, note=f"largest accuracy difference at one width: {worst:.2f} points")
    rows.append(r)
    for n in P["inr_merge_points"]:
        points = len(gauss_legendre_rule(n, 1 / K)[0])
        with torch.no_grad():
            times = [timed(lambda: merged_weights(inr, full, ("gauss-legendre", n), noise, K))[0] for _ in range(3)]
        rule_p, _ = predict_width(inr, target, trunk, full, samples=K, noise=noise, rule=("gauss-legendre", n))
        cmp = paired_difference(rule_p, new_p, labels, seed=seed)
        r = row(f"materialise d={full}: Gauss-Legendre {n} x {n} ({points} points) vs K={K} Monte-Carlo", str(full),
                gen_new, statistics.median(times), new_p, rule_p, labels)
        r["note"] = (f"accuracy minus K={K}: {cmp['diff']:+.2f} points [{cmp['ci_low']:+.2f}, {cmp['ci_high']:+.2f}], "
                     + ("within noise" if cmp["verdict"] == "within noise" else "outside the paired interval"))
        rows.append(r)
    return rows


def baseline_rows(P, width):
    """One width of each shared-weight baseline: whole network on the images vs the block on trunk activations."""
    root = resolve_data_root(P)
    test_images = eval_set("cifar10", "test", root)
    calib = get_dataset("cifar10", "train", root=root, transform="eval")
    rows = []
    if is_built(slimmable_paths("cifar10", P)[-1]):
        from neumeta.experiments.table2.jobs import train_slimmable
        slim, _ = train_slimmable("cifar10", P)
        slim.eval()
        images = P["table2_bn_calib_images"]

        def old():
            net = slimmable.recalibrate_bn(slimmable.plain_network(slim, width)[0], calib, images, seed=P["seed"])
            return predict(net, test_images)

        def new():
            trunk = TrunkFeatures(slim.net, test_images)
            calib_trunk = TrunkFeatures(slim.net, slimmable.calibration_subset(calib, images, P["seed"]))
            net = slimmable.recalibrate_bn(slimmable.plain_network(slim, width)[0], calib, images, seed=P["seed"],
                                           trunk=calib_trunk)
            return trunk.predict(net)
        o_s, (o_p, labels) = timed(old)
        n_s, (n_p, _) = timed(new)
        rows.append(row(f"Slimmable d={width}, BN recalibrated: one width, trunk counted", str(width), o_s, n_s, o_p,
                        n_p, labels))
    if is_built(inn_paths("cifar10", P)[-1]):
        from neumeta.experiments.table2.jobs import train_inn
        model, _ = train_inn("cifar10", P)
        model.eval()
        o_s, (o_p, labels) = timed(lambda: predict(inn.plain_network(model, width), test_images))
        trunk_s, trunk = timed(lambda: TrunkFeatures(model.net, test_images))
        n_s, (n_p, _) = timed(lambda: trunk.predict(inn.plain_network(model, width)))
        rows.append(row(f"INN d={width}: one width, trunk already there", str(width), o_s, n_s, o_p, n_p, labels,
                        note=f"trunk activations once per model: {trunk_s:.2f} s"))
    base, _ = train_base_model("resnet20", "cifar10", P)
    batches = calibration_batches(calib, P["prune_calib_batches"], P["prune_calib_batch_size"], P["seed"])
    example = torch.zeros(1, 3, 32, 32)
    trunk = TrunkFeatures(base, test_images)
    for criterion in ("taylor", "hessian"):
        o_s, (o_p, labels) = timed(lambda: predict(prune_to_width(base, "resnet20", width, criterion, example, batches,
                                                                  P["prune_iterative_steps"], P["seed"]), test_images))
        n_s, (n_p, _) = timed(lambda: trunk.predict(prune_to_width(
            base, "resnet20", width, criterion, example, trunk_batches(base, batches), P["prune_iterative_steps"],
            P["seed"], calibration_from_trunk=True)))
        rows.append(row(f"pruning ({criterion}) d={width}: prune + evaluate, trunk already there", str(width), o_s, n_s,
                        o_p, n_p, labels))
    return rows


def main(argv=None):
    from neumeta.hardware.machine import describe_machine
    from neumeta.tooling.pipeline import CODE_PATHS, git_state
    parser = argparse.ArgumentParser(prog="python benchmarks/evaluation.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--widths", type=int, nargs="+", help="ResNet-20 widths of the sweep (default: the profile's)")
    parser.add_argument("--baseline-width", type=int, default=40)
    args = parser.parse_args(argv)
    P = cli_profile(parser, args.profile)
    widths = args.widths or P["inr_resnet20_widths"]
    if any(not 1 <= d <= 64 for d in widths):
        parser.error(f"--widths must lie in 1..64, got {widths}")
    if not is_built(inr_checkpoint_path("resnet20", "cifar10", P)):
        parser.error(f"no trained ResNet-20 INR in profile {P['profile']}: run `make reproduce PROFILE={P['profile']} "
                     "ONLY=20` first")
    os.environ["NEUMETA_FORCE"] = "0"  # a benchmark reads models, it never trains one
    paths = (*CODE_PATHS, "benchmarks")
    git = git_state(paths)
    started, t0 = dt.datetime.now(dt.timezone.utc), time.perf_counter()
    rows = neumeta_rows(P, widths) + baseline_rows(P, args.baseline_width)
    out = RESULTS_ROOT / P["profile"] / "benchmarks"
    table = pd.DataFrame(rows)
    with atomic_write(out / "evaluation.csv", "w", newline="") as f:
        table.to_csv(f, index=False, float_format="%.6g", lineterminator="\n")
    git_end = git_state(paths)
    meta = {"command": "python benchmarks/evaluation.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "profile": P["profile"], "started": started.isoformat(timespec="seconds"),
            "seconds": time.perf_counter() - t0, "git": dict(git, dirty=bool(git["dirty"] or git_end["dirty"]
                                                                             or git_end["commit"] != git["commit"])),
            "machine": describe_machine()}
    with atomic_write(out / "evaluation.meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    print(table.to_string(index=False))
    print(f"written {out.relative_to(RESULTS_ROOT.parent)}/evaluation.csv in {meta['seconds']:.0f} s")


if __name__ == "__main__":
    main()
