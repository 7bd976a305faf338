"""Run one command and store how long it took: the README's command times come from this table.

    python benchmarks/time_command.py "make test"
    python benchmarks/time_command.py "make data DATA=data-fresh" --name "make data (fresh unpack)"
    python benchmarks/time_command.py "make reproduce" --checkout ../old --name "make reproduce (before)"

Streams the command's output, then (only when it succeeded) replaces that command's row in
``results/<profile>/benchmarks/commands.csv`` atomically: wall seconds, the commit, whether the tree was
dirty, the CPU, its core count and whether it has bfloat16 in hardware. Exits with the command's code.
``--checkout`` runs the command in another checkout of the repository (a git worktree at an older commit) and
records that checkout's commit, so an old and a new time measured on one machine sit in one table.
"""
import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neumeta.store.atomic import atomic_write  # noqa: E402
from neumeta.store.results import REPO_ROOT, RESULTS_ROOT  # noqa: E402

COLUMNS = ["command", "seconds", "commit", "dirty", "cpu_model", "cpu_count", "bf16_in_hardware", "date"]


def main(argv=None):
    from neumeta.hardware.machine import describe_machine
    from neumeta.tooling.pipeline import git_state
    parser = argparse.ArgumentParser(prog="python benchmarks/time_command.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", help="a shell command line, run from the repository root")
    parser.add_argument("--name", help="the row's name (default: the command itself)")
    parser.add_argument("--profile", default="cpu", help="the results folder the table goes to")
    parser.add_argument("--checkout", type=Path, default=REPO_ROOT,
                        help="run in this checkout of the repository and record its commit (default: this one)")
    args = parser.parse_args(argv)
    if not (args.checkout / ".git").exists():
        parser.error(f"--checkout {args.checkout} is not a checkout of the repository (no .git there)")
    git = git_state(("neumeta", "notebooks", "profiles", "tests", "benchmarks", "Makefile"), root=args.checkout)
    t0 = time.perf_counter()
    rc = subprocess.run(args.command, shell=True, cwd=args.checkout).returncode
    seconds = time.perf_counter() - t0
    if rc != 0:
        print(f"[time_command] {args.command!r} failed (exit {rc}) after {seconds:.0f} s; nothing recorded",
              file=sys.stderr)
        return rc
    machine = describe_machine()
    row = dict(command=args.name or args.command, seconds=round(seconds, 1), commit=(git["commit"] or "")[:10],
               dirty=git["dirty"], cpu_model=machine["cpu_model"], cpu_count=machine["cpu_count"],
               bf16_in_hardware=machine["bf16_in_hardware"], date=dt.date.today().isoformat())
    path = RESULTS_ROOT / args.profile / "benchmarks" / "commands.csv"
    table = pd.read_csv(path, dtype={"commit": str}) if path.exists() else pd.DataFrame(columns=COLUMNS)
    table = pd.concat([table[table.command != row["command"]], pd.DataFrame([row])], ignore_index=True)
    with atomic_write(path, "w", newline="") as f:
        table[COLUMNS].to_csv(f, index=False, lineterminator="\n")
    print(f"[time_command] {row['command']}: {seconds:.0f} s, recorded in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
