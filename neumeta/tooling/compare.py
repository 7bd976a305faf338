"""Did you reproduce? Compare the tables a run just wrote with the committed ones (git HEAD).

    python -m neumeta.tooling.compare --profile cpu [--only 00,20]     (the last step of `make reproduce`)

Tolerances by kind of number: timings (seconds, minutes, hours, ratios of step times) are free, they
depend on the machine; everything else (accuracies, parameter counts, total variation, intervals)
must match exactly on a CPU, where every run here is deterministic. A table that is new, or whose
rows changed shape, is named as such.
"""
import argparse
import io
import re
import subprocess
import sys

import pandas as pd

from neumeta.store.results import REPO_ROOT, RESULTS_ROOT

TIMING = re.compile(r"(second|minute|hour|time|duration|speed|_ms\b|step|ratio_to_plain|thread)", re.I)
LABELS = ("metric", "check", "method", "variant")  # columns whose value names what a row measures


def _committed(path):
    rel = path.resolve().relative_to(REPO_ROOT)
    out = subprocess.run(["git", "show", f"HEAD:{rel.as_posix()}"], cwd=REPO_ROOT, capture_output=True)
    return pd.read_csv(io.BytesIO(out.stdout)) if out.returncode == 0 else None


def _is_timing(column, row):
    return bool(TIMING.search(column)) or any(c in row and bool(TIMING.search(str(row[c]))) for c in LABELS[:2])


def compare_table(new, old):
    """``[(row label, column, old, new, kind)]`` of every value that differs (``kind``: exact / timing)."""
    if old is None:
        return [("(whole table)", "", "not committed", f"{len(new)} rows", "new")]
    if list(new.columns) != list(old.columns) or len(new) != len(old):
        return [("(whole table)", "", f"{old.shape} {list(old.columns)[:6]}", f"{new.shape} {list(new.columns)[:6]}",
                 "shape")]
    keys = [c for c in new.columns if not pd.api.types.is_numeric_dtype(new[c]) and c != "value"][:4]
    diffs = []
    for i in range(len(new)):
        a, b = old.iloc[i], new.iloc[i]
        label = ", ".join(f"{k}={b[k]}" for k in keys) or f"row {i}"
        for column in new.columns:
            x, y = a[column], b[column]
            if (pd.isna(x) and pd.isna(y)) or x == y:
                continue
            diffs.append((label, column, x, y, "timing" if _is_timing(column, b) else "exact"))
    return diffs


def compare(profile, only=None):
    """Print the verdict per notebook; returns the number of non-timing differences. Raises
    ``FileNotFoundError`` when there is nothing to compare (no results for ``profile``, or none of ``only``)."""
    total = 0
    folders = [f for f in sorted((RESULTS_ROOT / profile).glob("[0-9][0-9]_*"))
               if not only or any(f.name.startswith(o.zfill(2)) or f.name == o for o in only)]
    if not folders:
        raise FileNotFoundError(f"no results of profile {profile!r}" + (f" for notebooks {only}" if only else "")
                                + f" under {RESULTS_ROOT.name}/: nothing to compare (run `make reproduce` first)")
    for folder in folders:
        changed, timings, tables = [], 0, 0
        for path in sorted(folder.glob("*.csv")):
            tables += 1
            for d in compare_table(pd.read_csv(path), _committed(path)):
                if d[4] == "timing":
                    timings += 1
                else:
                    changed.append((path.name, *d))
        total += len(changed)
        verdict = "REPRODUCED" if not changed else "DIFFERS"
        print(f"[compare] {folder.name}: {verdict}: {tables} tables, {len(changed)} value(s) changed beyond tolerance, "
              f"{timings} timing(s) differ (free)")
        for name, label, column, old, new, kind in changed[:25]:
            delta = ""
            if isinstance(old, (int, float)) and isinstance(new, (int, float)):
                delta = f" (Δ {new - old:+.4g})"
            print(f"    {name} [{label}] {column}: {old} -> {new}{delta}{'' if kind == 'exact' else ' ' + kind}")
        if len(changed) > 25:
            print(f"    ... and {len(changed) - 25} more")
    return total


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m neumeta.tooling.compare", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--only", default="")
    args = parser.parse_args(argv)
    only = [o.strip() for o in args.only.split(",") if o.strip()]
    try:
        changed = compare(args.profile, only)
    except FileNotFoundError as e:
        parser.error(str(e))
    print(f"[compare] {'every table reproduced the committed one' if not changed else f'{changed} value(s) differ from the committed tables'}"
          " (accuracies and counts exact on CPU, timings free)")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
