"""Where a faster evaluation changed a number: every per-image prediction a notebook stores, the run on disk against
the one committed at ``--against``, each changed accuracy with its paired 95 % interval over the test images (for
per-image confusion matrices, ``[n, C, C]`` of a segmentation model, the mean IoU and its paired interval).

    python -m neumeta.tooling.changes --profile cpu --notebook 70_ablations --against 98e3484

A prediction array that is identical in both is counted, not listed; one that differs gets a row: the accuracy at
``--against`` and now, their difference (now minus then) with its paired bootstrap interval, and the verdict. A
changed number whose interval contains 0 reads the same ("within noise"). Writes
``results/<profile>/benchmarks/changes_<notebook>.csv`` atomically (``--suffix s``: ``changes_<notebook>_<s>.csv``,
so a check against another commit keeps the earlier file) and prints the summary. ``--moved-from OTHER``: the
notebook's arrays came out of notebook OTHER; each is compared with the array of the same key in any of OTHER's
stored files at ``--against``.
"""
import argparse
import io
import subprocess
import sys

import numpy as np
import pandas as pd

from neumeta.segmentation.metrics import mean_iou, paired_miou_difference
from neumeta.stats import paired_difference
from neumeta.store.atomic import atomic_write
from neumeta.store.results import REPO_ROOT, RESULTS_ROOT
from neumeta.tooling.compare import committed_bytes

COLUMNS = ["file", "key", "measure", "then", "now", "now_minus_then", "ci_low", "ci_high", "verdict"]


def _accuracy(pred, labels):
    return 100.0 * float(np.mean(np.asarray(pred) == np.asarray(labels)))


def _labels_key(key, arrays):
    """The labels of a prediction key: the ``"<panel>|labels"`` entry of its first field, else a ``"labels"``
    entry that all the file's predictions share."""
    label = f"{key.split('|')[0]}|labels"
    return label if label in arrays else ("labels" if "labels" in arrays else None)


def _is_confusions(array):
    return array.ndim == 3 and array.shape[1] == array.shape[2] and np.issubdtype(array.dtype, np.integer)


def _change(old, new, labels, seed):
    """``(measure, then, now, paired difference)`` of one changed array: accuracy against ``labels``, or the mean
    IoU of per-image confusions."""
    if labels is None:
        m = paired_miou_difference(new, old, seed=seed)
        return "mIoU", mean_iou(old), mean_iou(new), m
    return "accuracy", _accuracy(old, labels), _accuracy(new, labels), paired_difference(new, old, labels, seed=seed)


def changed_predictions(old, new, file="", seed=0):
    """``(rows, identical)``: one row per key of ``new`` whose predictions (or confusions) differ from ``old``'s;
    how many agree."""
    rows, identical = [], 0
    for key in sorted(set(old) & set(new)):
        labels_key = _labels_key(key, new)
        confusions = _is_confusions(new[key]) and old[key].shape == new[key].shape
        predictions = labels_key is not None and key != labels_key and new[key].ndim == 1
        if not (predictions or confusions):  # labels, images, masks
            continue
        if np.array_equal(old[key], new[key]):
            identical += 1
            continue
        measure, then, now, m = _change(old[key], new[key], None if confusions else new[labels_key], seed)
        rows.append(dict(file=file, key=key, measure=measure, then=then, now=now, now_minus_then=m["diff"],
                         ci_low=m["ci_low"], ci_high=m["ci_high"], verdict=m["verdict"]))
    return rows, identical


def _arrays(data):
    with np.load(io.BytesIO(data) if isinstance(data, bytes) else data, allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _moved_arrays(folder, ref):
    """Every array of every ``.npz`` committed at ``ref`` in ``folder`` (another notebook's), by key."""
    listing = subprocess.run(["git", "ls-tree", "--name-only", ref, f"{folder.resolve().relative_to(REPO_ROOT)}/"],
                             cwd=REPO_ROOT, capture_output=True, text=True)
    if listing.returncode:
        raise SystemExit(f"changes: cannot list {folder.name} at {ref}: {listing.stderr.strip()}")
    arrays = {}
    for name in listing.stdout.split():
        if name.endswith(".npz"):
            arrays.update(_committed_arrays(REPO_ROOT / name, ref))
    return arrays


def _committed_arrays(path, ref):
    """The arrays of the ``.npz`` at ``path`` as committed at ``ref`` (empty when it was not committed there)."""
    data = committed_bytes(path, ref)
    return _arrays(data) if data is not None else {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--notebook", required=True, help="e.g. 70_ablations")
    parser.add_argument("--against", required=True, help="the commit whose stored predictions are the old ones")
    parser.add_argument("--suffix", default="", help="written to changes_<notebook>_<suffix>.csv")
    parser.add_argument("--moved-from", default=None, help="the notebook these arrays were computed in before")
    args = parser.parse_args(argv)
    folder = RESULTS_ROOT / args.profile / args.notebook
    files = sorted(folder.glob("*.npz"))
    if not files:
        parser.error(f"{folder} holds no stored predictions (*.npz): run the notebook first")
    rows, identical = [], 0
    moved = _moved_arrays(folder.parent / args.moved_from, args.against) if args.moved_from else None
    if moved == {}:
        parser.error(f"{args.moved_from} holds no stored predictions at {args.against}")
    for path in files:
        old = _committed_arrays(path, args.against) if moved is None else moved
        if not old:
            print(f"{path.name}: not committed at {args.against}; skipped")
            continue
        new = _arrays(str(path))
        unmatched = sorted(set(new) - set(old))
        if unmatched:
            print(f"{path.name}: {len(unmatched)} array(s) with nothing to compare at {args.against}, e.g. "
                  f"{unmatched[0]!r}")
        found, same = changed_predictions(old, new, path.name)
        rows += found
        identical += same
    table = pd.DataFrame(rows, columns=COLUMNS)
    name = "_".join(filter(None, ["changes", args.notebook, args.suffix]))
    out = RESULTS_ROOT / args.profile / "benchmarks" / f"{name}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(out, "w") as f:
        table.to_csv(f, index=False)
    noisy = table[table.verdict != "within noise"]
    print(f"{args.notebook}: {identical} prediction arrays identical, {len(table)} changed, "
          f"{len(table) - len(noisy)} of them within noise of the old ones; largest move "
          f"{table.now_minus_then.abs().max() if len(table) else 0:.2f} points -> {out.name}")
    for r in noisy.itertuples():
        print(f"  OUTSIDE NOISE: {r.key}: {r.then:.2f} -> {r.now:.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}]")
    return 0 if noisy.empty else 1


if __name__ == "__main__":
    sys.exit(main())
