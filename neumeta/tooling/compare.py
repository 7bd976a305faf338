"""Did you reproduce? Compare the tables a run just wrote with the committed ones (HEAD, or ``--against COMMIT``).

    python -m neumeta.tooling.compare --profile cpu [--only 00,20] [--against 0d6e336]

Each number is judged by a tolerance that fits its kind (``KINDS``; ``docs/operations.md`` renders them, block
``tolerances``):
- exact: counts, widths and every word (verdicts, labels) must be identical;
- accuracy: accuracies, and the margins and intervals computed from them, are identical on the CPU model that made
  the old tables; on another CPU model its float32 kernels round differently and a test image that lies on a tie may
  change class, so they may move by ACCURACY_ACROSS_CPUS points (2 of 10,000 test images);
- float: other measured numbers (losses, nats, total variation, CKA, intervals, p-values) may differ by float
  rounding across CPUs: |new - old| <= RTOL * max(|new|, |old|) + ATOL;
- fine-tune: numbers of the evaluation-time fine-tuned pruning baselines. Their SGD runs on one torch thread, so
  on one CPU model they are identical whatever the thread count; another CPU model rounds differently and the
  fine-tune drifts further than its test-image interval, so they are judged by their paired interval's verdict,
  which must stay identical (the verdict column is exact); the largest move is printed;
- timing: seconds, minutes, speeds and thread counts are free (they depend on the machine).
A table that is new, or whose rows changed shape, is named as such.
"""
import argparse
import io
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd

from neumeta.store.results import REPO_ROOT, RESULTS_ROOT

RTOL, ATOL = 1e-4, 1e-4
ACCURACY_ACROSS_CPUS = 0.02  # accuracy points: 2 of the 10,000 test images of MNIST and CIFAR-10
KINDS = {"exact": "identical",
         "accuracy": f"identical on the same CPU model; |Δ| <= {ACCURACY_ACROSS_CPUS:g} points on another",
         "float": f"|Δ| <= {RTOL:g}·|value| + {ATOL:g}",
         "fine-tune": "its verdict identical (the value's move is printed)", "timing": "free"}
TIMING = re.compile(r"(second|minute|hour|time|duration|speed|_ms\b|step|ratio_to_plain|thread)", re.I)
EXACT = re.compile(r"(count|correct|images|params|flops|width|epoch|^n$|^k$)", re.I)
LABELS = ("metric", "check", "method", "variant")  # columns whose value names what a row measures
FINE_TUNE = re.compile(r"finetune|fine-tune|fine_tune", re.I)
ACCURACY = re.compile(r"acc", re.I)
ACCURACY_MARGINS = "p_mcnemar"  # a table with McNemar's test compares accuracies: its margins are accuracy points


def committed_bytes(path, ref):
    rel = path.resolve().relative_to(REPO_ROOT)
    out = subprocess.run(["git", "show", f"{ref}:{rel.as_posix()}"], cwd=REPO_ROOT, capture_output=True)
    return out.stdout if out.returncode == 0 else None


def committed_table(path, ref="HEAD"):
    """The table at ``path`` as committed at ``ref`` (None when it was not committed there)."""
    data = committed_bytes(path, ref)
    return pd.read_csv(io.BytesIO(data)) if data is not None else None


def cpu_models(folder, ref="HEAD"):
    """``(old, new)`` CPU model names of a notebook's committed run at ``ref`` and of the run on disk."""
    def model(text):
        return json.loads(text).get("machine", {}).get("cpu_model") if text else None
    meta = folder / "meta.json"
    return model(committed_bytes(meta, ref)), model(meta.read_bytes() if meta.exists() else None)


def _named_by(row, pattern):
    return any(c in row and bool(pattern.search(str(row[c]))) for c in LABELS[:2])


def is_fine_tuned(row):
    return bool(row.get("fine_tuned") in (True, np.True_) or any(FINE_TUNE.search(str(v)) for v in row.values()))


def _is_accuracy(column, row):
    return bool(ACCURACY.search(column) or (column in ("value", "mean") and _named_by(row, ACCURACY))
                or (ACCURACY_MARGINS in row and column != ACCURACY_MARGINS))


def kind_of(column, row, value):
    """The tolerance kind of ``row[column]`` (see the module's docstring)."""
    if TIMING.search(column) or _named_by(row, TIMING):
        return "timing"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return "exact"
    if isinstance(value, (int, np.integer)) or EXACT.search(column):
        return "exact"  # structure (widths, counts, sizes) stays exact in a fine-tuned row too
    if is_fine_tuned(row):
        return "fine-tune"
    if _is_accuracy(column, row):
        return "accuracy"
    if column in ("value", "mean") and _named_by(row, EXACT):
        return "exact"
    return "float"


def accepted(column, old, new, kind, same_cpu=True):
    x, y = old[column], new[column]
    if kind in ("timing", "fine-tune"):  # a fine-tune's verdict is an exact column of its own row
        return True
    if kind == "accuracy":
        return not same_cpu and abs(y - x) <= ACCURACY_ACROSS_CPUS + 1e-9
    if kind == "float":
        return abs(y - x) <= RTOL * max(abs(x), abs(y)) + ATOL
    return False


def compare_table(new, old, same_cpu=True):
    """``[(row label, column, old, new, kind, accepted)]`` of every value that differs; ``same_cpu``: whether
    both tables were made on one CPU model."""
    if old is None:
        return [("(whole table)", "", "not committed", f"{len(new)} rows", "new", False)]
    if list(new.columns) != list(old.columns) or len(new) != len(old):
        return [("(whole table)", "", f"{old.shape} {list(old.columns)[:6]}", f"{new.shape} {list(new.columns)[:6]}",
                 "shape", False)]
    keys = [c for c in new.columns if not pd.api.types.is_numeric_dtype(new[c]) and c != "value"][:4]
    diffs = []
    for i in range(len(new)):
        a, b = old.iloc[i].to_dict(), new.iloc[i].to_dict()
        label = ", ".join(f"{k}={b[k]}" for k in keys) or f"row {i}"
        for column in new.columns:
            x, y = a[column], b[column]
            if (pd.isna(x) and pd.isna(y)) or x == y:
                continue
            kind = kind_of(column, b, y) if not (pd.isna(x) or pd.isna(y)) else "exact"
            diffs.append((label, column, x, y, kind, kind != "exact" and accepted(column, a, b, kind, same_cpu)))
    return diffs


def _print_notebook(folder, ref):
    old_cpu, new_cpu = cpu_models(folder, ref)
    same_cpu = old_cpu == new_cpu
    rejected, accepted_by_kind, tables, fine_tune_moves = [], {}, 0, []
    for path in sorted(folder.glob("*.csv")):
        tables += 1
        for d in compare_table(pd.read_csv(path), committed_table(path, ref), same_cpu):
            if d[5]:
                accepted_by_kind[d[4]] = accepted_by_kind.get(d[4], 0) + 1
                if d[4] == "fine-tune" and d[1] in ("neumeta_minus_method", "mean", "value"):
                    fine_tune_moves.append((abs(d[3] - d[2]), path.name, d[0], d[1]))
            else:
                rejected.append((path.name, *d))
    verdict = "REPRODUCED" if not rejected else "DIFFERS"
    within = ", ".join(f"{n} {kind} within tolerance" for kind, n in sorted(accepted_by_kind.items()))
    print(f"[compare] {folder.name}: {verdict}: {tables} tables, {len(rejected)} value(s) beyond tolerance"
          + (f"; {within}" if within else "") + ("" if same_cpu else f" (CPU: {old_cpu} -> {new_cpu})"))
    if fine_tune_moves:
        move, name, label, column = max(fine_tune_moves)
        print(f"    largest fine-tune move: {move:.4g} ({name} [{label}] {column})")
    for name, label, column, old, new, kind, _ in rejected[:25]:
        delta = f" (Δ {new - old:+.4g})" if isinstance(old, (int, float)) and isinstance(new, (int, float)) else ""
        print(f"    {name} [{label}] {column}: {old} -> {new}{delta} ({kind})")
    if len(rejected) > 25:
        print(f"    ... and {len(rejected) - 25} more")
    return len(rejected)


def compare(profile, only=None, ref="HEAD"):
    """Print the verdict per notebook; returns the number of values beyond tolerance. Raises
    ``FileNotFoundError`` when there is nothing to compare (no results for ``profile``, or none of ``only``)."""
    folders = [f for f in sorted((RESULTS_ROOT / profile).glob("[0-9][0-9]_*"))
               if not only or any(f.name.startswith(o.zfill(2)) or f.name == o for o in only)]
    if not folders:
        raise FileNotFoundError(f"no results of profile {profile!r}" + (f" for notebooks {only}" if only else "")
                                + f" under {RESULTS_ROOT.name}/: nothing to compare (run `make reproduce` first)")
    return sum(_print_notebook(folder, ref) for folder in folders)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m neumeta.tooling.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--only", default="")
    parser.add_argument("--against", default="HEAD", help="the commit whose tables to compare with (default HEAD)")
    args = parser.parse_args(argv)
    only = [o.strip() for o in args.only.split(",") if o.strip()]
    known = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{args.against}^{{commit}}"], cwd=REPO_ROOT,
                           capture_output=True)
    if known.returncode != 0:
        parser.error(f"--against {args.against!r} is not a commit of this repository")
    try:
        changed = compare(args.profile, only, args.against)
    except FileNotFoundError as e:
        parser.error(str(e))
    print(f"[compare] against {args.against}: " + ("every table reproduced it" if not changed else
                                                    f"{changed} value(s) beyond tolerance")
          + " (" + "; ".join(f"{kind}: {rule}" for kind, rule in KINDS.items()) + ")")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
