"""The paper profile cannot rot unseen: every notebook runs its code path (the paper's datasets, panels, criteria,
orderings, ablation rows, precision switches) at smoke sizes on the fixtures, on a CPU, through the pipeline."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neumeta.config.profiles import dry_run_values, load_profile

REPO = Path(__file__).resolve().parents[1]


def test_the_dry_run_keeps_the_profiles_choices_and_takes_smoke_sizes(monkeypatch):
    monkeypatch.setenv("NEUMETA_DRY_RUN", "1")
    dry = load_profile("paper")
    monkeypatch.delenv("NEUMETA_DRY_RUN")
    paper, smoke = load_profile("paper"), load_profile("smoke")
    assert dry["table2_datasets"] == paper["table2_datasets"] and dry["prune_panels"] == paper["prune_panels"]
    assert dry["base_bf16"] == paper["base_bf16"]
    assert dry["inr_epochs"] == smoke["inr_epochs"] and dry["data_root"] == smoke["data_root"]
    assert dry["profile"] == "paper"
    assert dry_run_values({"inr_epochs": 200, "prune_panels": ["imagenet"]},
                          {"inr_epochs": 1, "prune_panels": ["mnist"]}) == {"inr_epochs": 1, "prune_panels": ["imagenet"]}


NOTEBOOKS = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def dry_store(tmp_path_factory):
    """One throw-away store for the whole dry run: the notebooks run in order, each reading what the ones before
    it wrote, one test each (so that no single test waits for all of them)."""
    root = tmp_path_factory.mktemp("dry-run")
    env = dict(os.environ, NEUMETA_DRY_RUN="1", NEUMETA_OFFLINE="1", TQDM_DISABLE="1",
               NEUMETA_CHECKPOINTS=str(root / "checkpoints"), NEUMETA_RESULTS_ROOT=str(root / "results"),
               NEUMETA_FIGURES_ROOT=str(root / "figures"))
    for k in ("NEUMETA_PROFILE", "NEUMETA_FORCE", "NEUMETA_FORCE_RUN", "NEUMETA_STOP_AFTER"):
        env.pop(k, None)
    return root, env


@pytest.mark.dry_run
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_notebook_runs_in_the_paper_profile_dry_run(notebook, dry_store):
    root, env = dry_store
    run = subprocess.run([sys.executable, "-m", "neumeta.tooling.pipeline", "--profile", "paper", "--quiet",
                          "--only", notebook], cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    meta = json.loads((root / "results" / "paper" / notebook / "meta.json").read_text())
    assert meta["profile"] == "paper" and meta["notebook"] == notebook


def test_the_dry_run_refuses_the_real_results_store():
    env = dict(os.environ, NEUMETA_DRY_RUN="1")
    for k in ("NEUMETA_RESULTS_ROOT", "NEUMETA_CHECKPOINTS", "NEUMETA_FIGURES_ROOT"):
        env.pop(k, None)
    run = subprocess.run([sys.executable, "-m", "neumeta.tooling.pipeline", "--profile", "paper", "--only", "00"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "writes tiny-run results" in run.stderr
