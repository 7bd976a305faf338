"""Did you reproduce? Compare the tables a run just wrote with the committed ones (HEAD, or ``--against COMMIT``).

    python -m neumeta.tooling.compare --profile cpu [--only 00,20] [--against 0d6e336]

Each number is judged by a tolerance that fits its kind (``KINDS``; ``docs/operations.md`` renders them, block
``tolerances``):
- exact: counts, widths, accuracies and every word (verdicts, labels) must be identical;
- float: other measured numbers (losses, nats, total variation, CKA, intervals, p-values) may differ by float
  rounding across CPUs: |new - old| <= RTOL * max(|new|, |old|) + ATOL;
- fine-tune: numbers of the evaluation-time fine-tuned pruning baselines, whose SGD steps round differently with the
  CPU and thread count; a margin or mean must stay inside its old interval, and the row's verdict stays exact;
- timing: seconds, minutes, speeds and thread counts are free (they depend on the machine).
A table that is new, or whose rows changed shape, is named as such.
"""
import argparse
import io
import re
import subprocess
import sys

import numpy as np
import pandas as pd

from neumeta.store.results import REPO_ROOT, RESULTS_ROOT

RTOL, ATOL = 1e-4, 1e-4
KINDS = {"exact": "identical", "float": f"|Δ| <= {RTOL:g}·|value| + {ATOL:g}",
         "fine-tune": "inside its old interval (verdict identical)", "timing": "free"}
TIMING = re.compile(r"(second|minute|hour|time|duration|speed|_ms\b|step|ratio_to_plain|thread)", re.I)
EXACT = re.compile(r"(acc|accuracy|count|correct|images|params|flops|width|epoch|^n$|^k$)", re.I)
LABELS = ("metric", "check", "method", "variant")  # columns whose value names what a row measures
FINE_TUNE = re.compile(r"finetune|fine-tune|fine_tune", re.I)
INTERVALS = {"neumeta_minus_method": ("ci_low", "ci_high"), "mean": ("ci_half",), "value": ("ci_low", "ci_high")}


def committed_table(path, ref="HEAD"):
    """The table at ``path`` as committed at ``ref`` (None when it was not committed there)."""
    rel = path.resolve().relative_to(REPO_ROOT)
    out = subprocess.run(["git", "show", f"{ref}:{rel.as_posix()}"], cwd=REPO_ROOT, capture_output=True)
    return pd.read_csv(io.BytesIO(out.stdout)) if out.returncode == 0 else None


def _named_by(row, pattern):
    return any(c in row and bool(pattern.search(str(row[c]))) for c in LABELS[:2])


def is_fine_tuned(row):
    return bool(row.get("fine_tuned") in (True, np.True_) or any(FINE_TUNE.search(str(v)) for v in row.values()))


def kind_of(column, row, value):
    """The tolerance kind of ``row[column]`` (see the module's docstring)."""
    if TIMING.search(column) or _named_by(row, TIMING):
        return "timing"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return "exact"
    if is_fine_tuned(row):
        return "fine-tune"
    if isinstance(value, (int, np.integer)) or EXACT.search(column) or (column in ("value", "mean")
                                                                        and _named_by(row, EXACT)):
        return "exact"
    return "float"


def _inside_old_interval(column, old, new):
    """Whether a fine-tuned number stayed inside its old interval (columns without one are free)."""
    bounds = INTERVALS.get(column)
    if bounds is None or not all(b in old for b in bounds):
        return True  # a table without the interval (pruning.csv): its margins table judges the same comparison
    if len(bounds) == 1:
        return abs(new[column] - old[column]) <= old[bounds[0]]
    return old[bounds[0]] <= new[column] <= old[bounds[1]]


def accepted(column, old, new, kind):
    x, y = old[column], new[column]
    if kind == "timing":
        return True
    if kind == "float":
        return abs(y - x) <= RTOL * max(abs(x), abs(y)) + ATOL
    if kind == "fine-tune":
        return column in ("ci_low", "ci_high", "ci_half") or _inside_old_interval(column, old, new)
    return False


def compare_table(new, old):
    """``[(row label, column, old, new, kind, accepted)]`` of every value that differs."""
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
            diffs.append((label, column, x, y, kind, kind != "exact" and accepted(column, a, b, kind)))
    return diffs


def _print_notebook(folder, ref):
    rejected, accepted_by_kind, tables = [], {}, 0
    for path in sorted(folder.glob("*.csv")):
        tables += 1
        for d in compare_table(pd.read_csv(path), committed_table(path, ref)):
            if d[5]:
                accepted_by_kind[d[4]] = accepted_by_kind.get(d[4], 0) + 1
            else:
                rejected.append((path.name, *d))
    verdict = "REPRODUCED" if not rejected else "DIFFERS"
    within = ", ".join(f"{n} {kind} within tolerance" for kind, n in sorted(accepted_by_kind.items()))
    print(f"[compare] {folder.name}: {verdict}: {tables} tables, {len(rejected)} value(s) beyond tolerance"
          + (f"; {within}" if within else ""))
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
