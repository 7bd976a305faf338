"""Where the time goes: every notebook's time by cell, read from the durations papermill records in each stored
run (``results/<profile>/<notebook>/executed.ipynb``), each cell named by the heading it sits under and its first
line of code, beside the machine and torch threads of that run (``meta.json``).

    python -m neumeta.tooling.cell_times cpu     # writes results/cpu/benchmarks/cell_times.csv

The durations are those of the committed runs, so the table says where the time of ``make reproduce`` went on the
machine that made them; a notebook rerun elsewhere replaces its rows.
"""
import argparse
import json

import pandas as pd

from neumeta.store.atomic import atomic_write
from neumeta.store.results import RESULTS_ROOT

COLUMNS = ["notebook", "cell", "section", "first_line", "seconds", "share", "cpu_model", "torch_threads", "commit"]


def cell_rows(notebook_dir):
    """One row per code cell of one stored run."""
    cells = json.loads((notebook_dir / "executed.ipynb").read_text())["cells"]
    meta = json.loads((notebook_dir / "meta.json").read_text())
    machine, rows, section = meta.get("machine", {}), [], ""
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            heading = next((line.lstrip("#").strip() for line in source.splitlines() if line.startswith("#")), "")
            section = heading or section
            continue
        lines = [line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        seconds = (cell.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0
        rows.append({"notebook": notebook_dir.name, "cell": len(rows), "section": section,
                     "first_line": lines[0][:80] if lines else "", "seconds": round(float(seconds), 2),
                     "cpu_model": machine.get("cpu_model", ""), "torch_threads": machine.get("torch_threads", ""),
                     "commit": str(meta.get("git", {}).get("commit", ""))[:10]})
    total = sum(r["seconds"] for r in rows) or 1.0
    for r in rows:
        r["share"] = round(r["seconds"] / total, 4)
    return rows


def cell_times(profile):
    """Every stored notebook run of ``profile``, cell by cell, slowest notebooks first."""
    folders = sorted(p.parent for p in (RESULTS_ROOT / profile).glob("[0-9][0-9]_*/executed.ipynb"))
    table = pd.DataFrame([r for folder in folders if (folder / "meta.json").exists() for r in cell_rows(folder)],
                         columns=COLUMNS)
    order = table.groupby("notebook").seconds.sum().sort_values(ascending=False).index
    return table.set_index("notebook").loc[list(order)].reset_index()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m neumeta.tooling.cell_times", description=__doc__.split("\n\n")[0])
    parser.add_argument("profile")
    args = parser.parse_args(argv)
    table = cell_times(args.profile)
    path = RESULTS_ROOT / args.profile / "benchmarks" / "cell_times.csv"
    with atomic_write(path, "w", newline="") as f:
        table.to_csv(f, index=False, lineterminator="\n")
    by_notebook = table.groupby("notebook", sort=False).seconds.sum() / 60
    print(by_notebook.round(1).to_string(), f"\n{by_notebook.sum():.1f} min in all; written {path.name}")


if __name__ == "__main__":
    main()
