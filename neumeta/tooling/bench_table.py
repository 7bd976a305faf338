"""A benchmark's table stored beside the machine and the code that measured it.

``store(table, profile, name)`` adds the CPU model, torch's thread count, the commit and the date to every row and
writes ``results/<profile>/benchmarks/<name>.csv`` atomically (``benchmarks/whole_eval.py``, ``segmentation_eval.py``).
"""
import datetime as dt

import torch

from neumeta.store.atomic import atomic_write
from neumeta.store.results import RESULTS_ROOT


def store(table, profile, name):
    """``table`` (a DataFrame, changed in place) stamped and written; returns its path."""
    from neumeta.hardware.machine import describe_machine
    from neumeta.tooling.pipeline import git_state
    machine, git = describe_machine(), git_state([])
    table["cpu_model"], table["torch_threads"] = machine.get("cpu_model"), torch.get_num_threads()
    table["commit"], table["date"] = str(git.get("commit"))[:10], dt.date.today().isoformat()
    path = RESULTS_ROOT / profile / "benchmarks" / f"{name}.csv"
    with atomic_write(path, "w", newline="") as f:
        table.to_csv(f, index=False)
    return path
