"""Run the notebooks side by side: ``python -m neumeta.tooling.pipeline --jobs 2``.

Each lane is a pipeline process of its own running one notebook at a time on ``cores // jobs`` torch threads
(two one-thread runs finish more work than one two-thread run on these machines). A notebook starts once every
notebook it reads has finished in this run: what it reads is what its last run recorded (``meta.json``,
``upstream``); a notebook that never ran waits for every notebook before it. Among those ready, the one heading
the longest chain of work still to come starts first (its last run's time plus the longest chain of notebooks
waiting for it): a short notebook that a long one waits for goes before a longer one that nothing waits for.
Memory decides too: notebooks run side by side only while their recorded peaks
(``kernel_peak_rss_mib``) fit in 85 % of the machine's memory; one without a record runs alone. A notebook whose
input failed is not run, and says so. A notebook that evaluates what an earlier one already merged (the same
INR, width and draws: the run's cache, ``neumeta/store/run_cache.py``) waits for it too (``SHARES_WITH``), so the
merge is computed once.
"""
import json
import os
import subprocess
import sys
import time

from neumeta.store.results import RESULTS_ROOT

MEMORY_SHARE = 0.85
# notebook -> the earlier notebooks whose K-sample merges of notebook 20's INRs it evaluates again
SHARES_WITH = {"70_ablations": {"20_neumeta"}, "71_sampling": {"20_neumeta"}}


def machine_memory_mib():
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20


def last_run(profile, stem):
    """The notebook's last ``meta.json`` (empty when it never ran)."""
    path = RESULTS_ROOT / profile / stem / "meta.json"
    return json.loads(path.read_text()) if path.exists() else {}


def inputs_of(stems, runs):
    """``{stem: the stems among ``stems`` it must wait for}``: those its last run read, or every earlier one."""
    needs = {}
    for i, stem in enumerate(stems):
        if runs[stem]:
            read = {key.split("/")[1] for key in runs[stem].get("upstream") or {} if key.count("/") >= 2}
            needs[stem] = {s for s in stems if (s in read or s in SHARES_WITH.get(stem, ())) and s != stem}
        else:
            needs[stem] = set(stems[:i])
    return needs


def chain_seconds(needs, runs):
    """``{stem: its last run's seconds + the longest chain of notebooks that wait for it}``: the critical path."""
    chains = {}

    def chain(stem, path=()):
        if stem not in chains:
            after = [chain(s, path + (stem,)) for s in needs if stem in needs[s] and s not in path]
            chains[stem] = (runs[stem].get("duration_seconds") or 0) + max(after, default=0)
        return chains[stem]
    for stem in needs:
        chain(stem)
    return chains


def next_ready(pending, needs, done, running, runs, budget_mib):
    """The pending notebook to start now (or None): inputs finished, heading the longest chain first
    (``chain_seconds``), fits beside the running ones."""
    chains = chain_seconds(needs, runs)
    ready = [s for s in pending if needs[s] <= done]
    ready.sort(key=lambda s: -chains[s])
    used = sum(runs[s].get("kernel_peak_rss_mib") or budget_mib for s in running)
    for stem in ready:
        peak = runs[stem].get("kernel_peak_rss_mib") or budget_mib
        if not running or used + peak <= budget_mib:
            return stem
    return None


def _launch(stem, profile, threads, quiet):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    command = [sys.executable, "-m", "neumeta.tooling.pipeline", "--profile", profile, "--only", stem]
    return subprocess.Popen(command + (["--quiet"] if quiet else []), env=env)


def run_lanes(notebooks, profile, jobs, quiet=False, poll_seconds=1.0):
    """Run ``notebooks`` (paths, in order) in ``jobs`` lanes; returns ``[(name, error)]`` of those that failed
    or were not run."""
    stems = [nb.stem for nb in notebooks]
    runs = {s: last_run(profile, s) for s in stems}
    needs = inputs_of(stems, runs)
    threads = max(1, (os.cpu_count() or 1) // jobs)
    budget = MEMORY_SHARE * machine_memory_mib()
    pending, running, done, failures = list(stems), {}, set(), []
    print(f"[neumeta] {len(stems)} notebook(s) in {jobs} lanes of {threads} torch thread(s)", flush=True)
    while pending or running:
        failed = {stem for stem, _ in failures}
        for stem in [s for s in pending if needs[s] & failed]:
            pending.remove(stem)
            failures.append((stem, f"not run: an input failed ({sorted(needs[stem] & failed)})"))
        stem = next_ready(pending, needs, done, running, runs, budget) if len(running) < jobs else None
        if stem is None and pending and not running:  # inputs read in a circle: run in notebook order
            stem = pending[0]
        if stem is not None:
            pending.remove(stem)
            running[stem] = (_launch(stem, profile, threads, quiet), time.perf_counter())
            print(f"[neumeta] lane start: {stem} (waits over: {sorted(needs[stem]) or 'none'})", flush=True)
            continue
        time.sleep(poll_seconds)
        for stem, (process, started) in list(running.items()):
            if process.poll() is None:
                continue
            del running[stem]
            if process.returncode == 0:
                done.add(stem)
            else:
                failures.append((stem, f"exit {process.returncode}"))
            print(f"[neumeta] lane end: {stem} {'ok' if process.returncode == 0 else 'FAILED'} in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
    return [(f"{stem}.ipynb", error) for stem, error in failures]
