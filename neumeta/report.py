"""Render the README's result tables from the stored CSVs (never typed by hand).

    python -m neumeta.report          # rewrite the blocks between <!-- results:NAME --> markers
    python -m neumeta.report --check  # exit 1 if the README is out of date (a test runs this)
"""
import re
import sys

import pandas as pd

from .atomic import atomic_write
from .results import REPO_ROOT, RESULTS_ROOT

README = REPO_ROOT / "README.md"
PAPER_BASE_ACC = {("resnet20", "cifar10"): "92.60 (chenyaofo release)", ("resnet20", "cifar100"): "68.83 (chenyaofo release)"}


def base_models_table(profile="cpu"):
    path = RESULTS_ROOT / profile / "00_base_models" / "base_models.csv"
    if not path.exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=00`._"
    t = pd.read_csv(path)
    wide = t.pivot_table(index=["arch", "dataset"], columns="metric", values="value", sort=False).reset_index()
    dev = t.drop_duplicates(["arch", "dataset"]).set_index(["arch", "dataset"])["deviation"]
    lines = ["| model | data | test acc. (%) | paper / reference | params | MFLOPs | epochs | train min | deviation |",
             "|---|---|---|---|---|---|---|---|---|"]
    for _, r in wide.iterrows():
        key = (r.arch, r.dataset)
        lines.append(f"| {r.arch} | {r.dataset} | {r.test_acc:.2f} | {PAPER_BASE_ACC.get(key, '—')} | "
                     f"{int(r.params):,} | {r.flops / 1e6:.1f} | {int(r.epochs)} | {r.train_minutes:.0f} | {dev[key]} |")
    return "\n".join(lines) + f"\n\n_Source: `results/{profile}/00_base_models/base_models.csv`._"


def permutation_table(profile="cpu"):
    path = RESULTS_ROOT / profile / "10_permutation" / "permutation_summary.csv"
    if not path.exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=10`._"
    t = pd.read_csv(path).pivot_table(index=["arch", "variant"], columns="metric", values="value", sort=False).reset_index()
    none = t[t.variant == "none"].set_index("arch")["total_tv"]
    lines = ["| model | ordering | total TV | vs. original | max \\|Δ logit\\| | test acc. (%) | solver s |",
             "|---|---|---|---|---|---|---|"]
    for _, r in t.iterrows():
        lines.append(f"| {r.arch} | {r.variant} | {r.total_tv:,.0f} | {100 * (r.total_tv / none[r.arch] - 1):+.1f} % | "
                     f"{r.max_abs_logit_diff:.1e} | {r.accuracy:.2f} | {r.solver_seconds:.1f} |")
    return "\n".join(lines) + f"\n\n_Source: `results/{profile}/10_permutation/permutation_summary.csv`._"


BLOCKS = {"base_models": base_models_table, "permutation": permutation_table}


def render(text):
    for name, fn in BLOCKS.items():
        pattern = re.compile(rf"(<!-- results:{name} -->).*?(<!-- /results:{name} -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + "\n" + fn() + "\n" + m.group(2), text)
    return text


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    current = README.read_text()
    updated = render(current)
    if "--check" in argv:
        if updated != current:
            print("README.md result tables are out of date: run `python -m neumeta.report`", file=sys.stderr)
            return 1
        return 0
    if updated != current:
        with atomic_write(README, "w") as f:
            f.write(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main())
