"""Run the numbered notebooks headless through papermill into the results store.

    python -m neumeta.tooling.pipeline --profile cpu [--only 00,20] [--force]

Per notebook: the executed notebook, its CSV tables and ``meta.json`` land in ``results/<profile>/<notebook>/``,
its figures in ``figures/<profile>/<notebook>/``. Each notebook runs against staging folders that replace the
stored ones only on success: a failing notebook leaves its previous results untouched. The run names every failure
and exits non-zero.
"""
import argparse
import datetime as dt
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from importlib import metadata

from neumeta.hardware.machine import describe_machine
from neumeta.store.atomic import atomic_write, clean_orphans
from neumeta.store.checkpoints import checkpoint_dir, force_retrain
from neumeta.tooling.cell_log import CELL_LOG
from neumeta.tooling.lanes import run_lanes
from neumeta.tooling.paths import relative_notebook, staging_replacements
from neumeta.tooling.provenance import code_fingerprint, profile_values_sha
from neumeta.config.profiles import DRY_RUN_ENV, READS_ENV, UnknownProfileError, available_profiles, load_profile
from neumeta.store.results import FIGURES_ROOT, REPO_ROOT, RESULTS_ROOT
from neumeta.store.run_cache import run_cache_folder

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
PACKAGES = ["torch", "torchvision", "numpy", "pandas", "matplotlib", "seaborn", "papermill", "nbval",
            "torch-pruning", "fast-tsp", "elkai", "tqdm", "ipykernel"]


class NoSuchNotebookError(ValueError):
    pass


def list_notebooks(only=None):
    """``notebooks/NN_*.ipynb`` in numeric order, optionally filtered by number or name."""
    notebooks = sorted((p for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")), key=lambda p: (int(p.name[:2]), p.name))
    if only:
        wanted = [w.strip() for w in str(only).split(",") if w.strip()]
        picked = [p for p in notebooks if any(p.stem == w or p.name[:2] == w.zfill(2) for w in wanted)]
        missing = [w for w in wanted if not any(p.stem == w or p.name[:2] == w.zfill(2) for p in notebooks)]
        if missing:
            raise NoSuchNotebookError(f"no notebook matches {missing}; available: {[p.stem for p in notebooks]}")
        notebooks = picked
    return notebooks


CODE_PATHS = ("neumeta", "notebooks", "profiles")  # what a result depends on; docs and results do not count


def git_state(paths=CODE_PATHS, root=None):
    """The commit of the checkout at ``root`` (default: this one) and whether ``paths`` differ from it there."""
    def git(*args, check=False):
        return subprocess.run(["git", *args], cwd=root or REPO_ROOT, capture_output=True, text=True, check=check)
    try:
        sha, dirty = (git("rev-parse", "HEAD", check=True).stdout.strip(),
                      git("status", "--porcelain", "--untracked-files=all", "--", *paths).stdout.strip())
        return {"commit": sha, "dirty": bool(dirty)}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def _code_state():
    """One hash of the code as it is now: the committed trees of the code paths (a commit of docs, results or
    checkpoints leaves it unchanged) plus any uncommitted change to them."""
    import hashlib
    try:
        parts = [subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True).stdout for cmd in (
            ["git", "rev-parse", *(f"HEAD:{p}" for p in CODE_PATHS)], ["git", "diff", "HEAD", "--", *CODE_PATHS],
            ["git", "status", "--porcelain", "--untracked-files=all", "--", *CODE_PATHS])]
    except OSError:
        return None
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _code_changed(before, after, paths=CODE_PATHS):
    """Whether the code that ran (neumeta, notebooks, profiles) may differ from commit ``before``: the tree was
    dirty at either end of the run, or a commit made during it touched those paths."""
    if before["commit"] is None or after["commit"] is None:
        return None
    if before["dirty"] or after["dirty"]:
        return True
    if before["commit"] == after["commit"]:
        return False
    diff = subprocess.run(["git", "diff", "--quiet", before["commit"], after["commit"], "--", *paths],
                          cwd=REPO_ROOT)
    return diff.returncode != 0


def _versions():
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _swap_into_place(staging, target):
    """Replace ``target`` by ``staging`` with two renames (the old copy is removed last)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".old-{target.name}-{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def run_notebook(notebook, profile, force=False, log_output=True):
    """Execute one notebook; returns None on success or the error text."""
    import papermill as pm
    stem = notebook.stem
    res_staging = RESULTS_ROOT / profile / f".staging-{stem}-{os.getpid()}"
    fig_staging = FIGURES_ROOT / profile / f".staging-{stem}-{os.getpid()}"
    for d in (res_staging, fig_staging):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    env_backup = dict(os.environ)
    os.environ.update({"NEUMETA_PROFILE": profile, "NEUMETA_NOTEBOOK": stem, "MPLBACKEND": "Agg",
                       "NEUMETA_RESULTS_DIR": str(res_staging), "NEUMETA_FIGURES_DIR": str(fig_staging),
                       "NEUMETA_FORCE": "1" if force else os.environ.get("NEUMETA_FORCE", "0"),
                       "PYDEVD_DISABLE_FILE_VALIDATION": "1", READS_ENV: str(res_staging / ".profile-reads")})
    executed = res_staging / "executed.ipynb"
    _KERNELS_RUN[0] += 1
    started = dt.datetime.now(dt.timezone.utc)
    code = code_fingerprint(notebook, profile)  # what this result depends on (provenance.py)
    # dirty = a file this notebook runs (not any file of the tree) differs from the commit, at start or end
    own = [f for f in code["files"] if (REPO_ROOT / f).exists()] + [f"profiles/{profile}.yaml"]
    git_at_start = git_state(own)
    t0 = time.perf_counter()
    error = None
    try:
        pm.execute_notebook(str(notebook), str(executed), parameters={"profile": profile},
                            kernel_name="python3", cwd=str(NOTEBOOK_DIR), log_output=log_output,
                            progress_bar=False, stdout_file=None, stderr_file=None)
    except Exception as e:  # papermill raises PapermillExecutionError with the cell's traceback
        error = f"{type(e).__name__}: {e}"
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    if error:
        failed = RESULTS_ROOT / profile / "_failed"
        failed.mkdir(parents=True, exist_ok=True)
        if executed.exists():
            shutil.copy(executed, failed / f"{stem}.ipynb")
        shutil.rmtree(res_staging, ignore_errors=True)
        shutil.rmtree(fig_staging, ignore_errors=True)
        return error
    relative_notebook(executed, staging_replacements(REPO_ROOT, [(res_staging, RESULTS_ROOT / profile / stem),
                                                                 (fig_staging, FIGURES_ROOT / profile / stem)]))
    meta = _run_meta(notebook, profile, res_staging, code, own, git_at_start, started, time.perf_counter() - t0, force)
    with atomic_write(res_staging / "meta.json", "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True, default=str)
    _swap_into_place(res_staging, RESULTS_ROOT / profile / stem)
    if any(fig_staging.iterdir()):
        _swap_into_place(fig_staging, FIGURES_ROOT / profile / stem)
    else:
        shutil.rmtree(fig_staging, ignore_errors=True)
    return None


def _run_meta(notebook, profile, res_staging, code, own, git_at_start, started, seconds, force):
    """What ``meta.json`` records of one successful run: the profile values it read, the code it ran (dirty when its
    own files changed during the run), the tables it read from other notebooks, versions, machine and times."""
    nb_meta = json.loads((res_staging / "executed.ipynb").read_text())["metadata"].get("papermill", {})
    reads = res_staging / ".profile-reads"
    keys = sorted(set(reads.read_text().split())) if reads.exists() else []
    reads.unlink(missing_ok=True)
    code = dict(code, profile_keys_read=keys, profile_read_sha256=profile_values_sha(profile, keys))
    git = dict(git_at_start, dirty=_code_changed(git_at_start, git_state(own), own), dirty_scope="the notebook's own code")
    if code_fingerprint(notebook, profile)["hash"] != code["hash"]:
        git["dirty"] = True  # its own code changed while it ran
    upstream = res_staging / "upstream.json"
    return {
        "notebook": notebook.stem, "profile": profile, "profile_values": load_profile(profile),
        "parameters": nb_meta.get("parameters"), "git": git, "code": code,
        "upstream": json.loads(upstream.read_text()) if upstream.exists() else {},
        "versions": _versions(),
        "machine": describe_machine(), "start": started.isoformat(timespec="seconds"),
        "end": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "duration_seconds": round(seconds, 1), "forced_retrain": force, "kernel_peak_rss_mib": _kernel_peak(),
        "papermill": {k: nb_meta.get(k) for k in ("start_time", "end_time", "duration", "exception",
                                                  "version", "environment_variables")},
    }


def _kernel_peak():
    """The notebook kernel's peak resident memory (MiB) where this process ran one notebook (``--only NN``, and
    every lane of ``--jobs``); else None: the operating system keeps one peak over all children."""
    import resource
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024) if _KERNELS_RUN == [1] else None


_KERNELS_RUN = [0]


def start_force_run(profile, notebooks):
    """Name this forced run, or continue the unfinished one: every notebook of the run shares one
    ``NEUMETA_FORCE_RUN``, so each artifact is rebuilt once however many notebooks ask for it, and
    a forced run that was killed resumes (its rebuilt artifacts count as built, its partial
    checkpoints resume) when started again. The file goes when every notebook succeeded."""
    path = checkpoint_dir(profile) / ".force-run.json"
    code = _code_state()
    run = json.loads(path.read_text()) if path.exists() else None
    if run is not None and (run.get("code") != code or run.get("notebooks") != notebooks):
        print(f"[neumeta] the unfinished forced run {run['id']} was for other code or notebooks "
              f"({str(run.get('commit'))[:10]}, {run.get('notebooks')}): starting a new one", flush=True)
        run = None
    if run is not None:
        print(f"[neumeta] continuing the unfinished forced run {run['id']} (started {run['started']})", flush=True)
    else:
        run = {"id": f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{os.urandom(3).hex()}",
               "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "commit": git_state()["commit"], "code": code, "notebooks": notebooks}
        with atomic_write(path, "w") as f:
            json.dump(run, f)
    os.environ["NEUMETA_FORCE_RUN"] = run["id"]
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default=os.environ.get("NEUMETA_PROFILE", "cpu"))
    parser.add_argument("--only", default="", help="comma-separated notebook numbers or names, e.g. 00,20")
    parser.add_argument("--force", action="store_true", help="retrain instead of reusing stored checkpoints")
    parser.add_argument("--quiet", action="store_true", help="do not stream cell output")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks side by side (neumeta/tooling/lanes.py)")
    args = parser.parse_args(argv)
    real_store = (RESULTS_ROOT.resolve() == (REPO_ROOT / "results").resolve()
                  or checkpoint_dir(args.profile).parent.resolve() == (REPO_ROOT / "checkpoints").resolve())
    if os.environ.get(DRY_RUN_ENV) == "1" and real_store:
        parser.error("NEUMETA_DRY_RUN=1 writes tiny-run results: point NEUMETA_RESULTS_ROOT (and NEUMETA_CHECKPOINTS, "
                     "NEUMETA_FIGURES_ROOT) elsewhere, as `make dry-run` does")
    try:
        load_profile(args.profile)
        notebooks = list_notebooks(args.only)
    except (UnknownProfileError, NoSuchNotebookError) as e:
        parser.error(str(e))
    for folder in (RESULTS_ROOT / args.profile, FIGURES_ROOT / args.profile, checkpoint_dir(args.profile)):
        for name in clean_orphans(folder):
            print(f"[neumeta] removed {folder.name}/{name}, left by a process that was killed", flush=True)
    with run_cache_folder():  # what several notebooks compute alike, once per run (neumeta/store/run_cache.py)
        return _run(notebooks, args)


def _run(notebooks, args):
    force = args.force or force_retrain()  # FORCE from the environment is one forced run too
    if args.jobs > 1 and not force:  # a forced run trains: its artifacts are built once, in notebook order
        return _report(run_lanes(notebooks, args.profile, args.jobs, args.quiet), len(notebooks), args.profile, None)
    force_file = start_force_run(args.profile, [nb.stem for nb in notebooks]) if force else None
    failures = []
    papermill_log = logging.getLogger("papermill")
    if not args.quiet:  # without a handler papermill's INFO lines (cells, printed output) go nowhere
        papermill_log.addHandler(CELL_LOG)
        papermill_log.setLevel(logging.INFO)
        papermill_log.propagate = False
    for nb in notebooks:
        print(f"[neumeta] {nb.name} (profile {args.profile}) ...", flush=True)
        CELL_LOG.notebook = nb.stem
        CELL_LOG.cells = len(json.loads(nb.read_text())["cells"]) + 1  # papermill injects the parameters cell
        t0 = time.perf_counter()
        try:
            error = run_notebook(nb, args.profile, force=force, log_output=not args.quiet)
        except Exception:
            error = traceback.format_exc()
        status = "ok" if error is None else "FAILED"
        print(f"[neumeta] {nb.name}: {status} in {time.perf_counter() - t0:.0f} s", flush=True)
        if error:
            failures.append((nb.name, error))
    if force_file is not None and not failures:
        force_file.unlink(missing_ok=True)  # the forced run is complete
    return _report(failures, len(notebooks), args.profile, force_file)


def _report(failures, count, profile, force_file):
    """Name every failure (exit 1), or say all ran."""
    if not failures:
        print(f"[neumeta] all {count} notebook(s) ok; profiles available: {available_profiles()}")
        return 0
    if force_file is not None:
        print(f"[neumeta] forced run {os.environ['NEUMETA_FORCE_RUN']} is unfinished: rerun with FORCE=1 to "
              "continue it (what it rebuilt is kept, partial checkpoints resume)", file=sys.stderr)
    print(f"\n[neumeta] {len(failures)} notebook(s) failed; their previous results are untouched:", file=sys.stderr)
    for name, err in failures:
        print(f"  - {name}: {err.strip().splitlines()[-1][:500]}", file=sys.stderr)
    print(f"  executed copies for debugging: results/{profile}/_failed/", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
