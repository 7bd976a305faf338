"""Run one command and store how long it took: the README's command times come from this table.

    python benchmarks/time_command.py "make test"
    python benchmarks/time_command.py "make data DATA=data-fresh" --name "make data (fresh unpack)"
    python benchmarks/time_command.py "make reproduce" --checkout ../old --name "make reproduce (before)"
    python benchmarks/time_command.py --sum-of-runs --checkout ../old --name "make reproduce (before; runs added)"

Streams the command's output, then (only when it succeeded) replaces that command's row in
``results/<profile>/benchmarks/commands.csv`` atomically: wall seconds, the commit, whether the tree was
dirty, the CPU, its core count and whether it has bfloat16 in hardware. Exits with the command's code.
``--checkout`` runs the command in another checkout of the repository (a git worktree at an older commit) and
records that checkout's commit, so an old and a new time measured on one machine sit in one table.
``--sum-of-runs`` records, instead of running anything, the run times its pipeline stored for every notebook of
that checkout (``results/<profile>/*/meta.json``) added up: for a ``make reproduce`` that ran them one after another
and then stopped at its compare step (a table moved), the regeneration's time is still measured. Every run must
come from the checkout's commit, from a clean tree, on this machine's CPU model (one clear error otherwise).
"""
import argparse
import datetime as dt
import json
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
    parser.add_argument("command", nargs="?", help="a shell command line, run from the repository root")
    parser.add_argument("--sum-of-runs", action="store_true",
                        help="record the checkout's stored notebook run times added up (no command is run)")
    parser.add_argument("--name", help="the row's name (default: the command itself)")
    parser.add_argument("--profile", default="cpu", help="the results folder the table goes to")
    parser.add_argument("--checkout", type=Path, default=REPO_ROOT,
                        help="run in this checkout of the repository and record its commit (default: this one)")
    args = parser.parse_args(argv)
    if not (args.checkout / ".git").exists():
        parser.error(f"--checkout {args.checkout} is not a checkout of the repository (no .git there)")
    if bool(args.command) == args.sum_of_runs:
        parser.error("give a command to run, or --sum-of-runs (with --name) and no command")
    if args.sum_of_runs and not args.name:
        parser.error("--sum-of-runs needs --name: what the added runs stand for")
    git = git_state(("neumeta", "notebooks", "profiles", "tests", "benchmarks", "Makefile"), root=args.checkout)
    machine = describe_machine()
    if args.sum_of_runs:
        seconds = summed_runs(args.checkout / "results" / args.profile, git["commit"], machine["cpu_model"])
    else:
        t0 = time.perf_counter()
        rc = subprocess.run(args.command, shell=True, cwd=args.checkout).returncode
        seconds = time.perf_counter() - t0
        if rc != 0:
            print(f"[time_command] {args.command!r} failed (exit {rc}) after {seconds:.0f} s; nothing recorded",
                  file=sys.stderr)
            return rc
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


def summed_runs(results, commit, cpu_model):
    """The stored run times of every notebook under ``results`` added up (seconds), each checked to come from
    ``commit``, a clean tree and ``cpu_model``."""
    metas = {p.parent.name: json.loads(p.read_text()) for p in sorted(results.glob("[0-9][0-9]_*/meta.json"))}
    if not metas:
        raise SystemExit(f"[time_command] no notebook runs under {results}")
    for name, meta in metas.items():
        run_commit, dirty = meta.get("git", {}).get("commit") or "", meta.get("git", {}).get("dirty")
        run_cpu = meta.get("machine", {}).get("cpu_model")
        if run_commit != commit or dirty or run_cpu != cpu_model:
            raise SystemExit(f"[time_command] {name}'s stored run is not of this checkout on this machine: commit "
                             f"{run_commit[:10]} (checkout: {str(commit)[:10]}), dirty {dirty}, CPU {run_cpu!r} "
                             f"(here: {cpu_model!r})")
        print(f"  {name}: {meta['duration_seconds']:.0f} s")
    return sum(m["duration_seconds"] for m in metas.values())


if __name__ == "__main__":
    sys.exit(main())
