"""FORCE rebuilds every artifact a run needs once each, the chain of keys holds, and a killed forced
run continued ends with bitwise the same checkpoints. Runs the smoke pipeline over the notebooks that
build the chain base model -> permuted target -> INR (00, 10, 20) on fresh stores: once straight, once
killed in notebook 10 and continued. Each run is its own fixture, so no single test waits for all three
(the baselines of notebooks 30 and 40 are built by their nbval runs and by `make reproduce`)."""
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = "00,10,20"
CHAIN_KINDS = ("base model resnet20/", "base model lenet/", "permuted target", "NeuMeta INR")  # what 00-20 build


def _pipeline(root, stop_after=None):
    env = dict(os.environ, NEUMETA_CHECKPOINTS=str(root / "checkpoints"), NEUMETA_RESULTS_ROOT=str(root / "results"),
               NEUMETA_FIGURES_ROOT=str(root / "figures"), NEUMETA_PROFILE="smoke")
    env.pop("NEUMETA_FORCE_RUN", None)
    env.pop("NEUMETA_STOP_AFTER", None)
    if stop_after:
        env["NEUMETA_STOP_AFTER"] = stop_after
    return subprocess.run([sys.executable, "-m", "neumeta.tooling.pipeline", "--profile", "smoke", "--only", NOTEBOOKS,
                           "--force", "--quiet"], cwd=REPO, env=env, capture_output=True, text=True)


def _build_log(root):
    lines = (root / "checkpoints" / "smoke" / "build-log.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _weights(root):
    out = {}
    for path in sorted((root / "checkpoints" / "smoke").glob("*.pt")):
        payload = torch.load(path, map_location="cpu", weights_only=True)
        out[path.name] = {k: v for k, v in payload["state_dict"].items()}
    return out


def _listed_artifacts(root):
    env = dict(os.environ, NEUMETA_CHECKPOINTS=str(root / "checkpoints"))
    out = subprocess.run([sys.executable, "-m", "neumeta.tooling.artifacts", "smoke", "--json"], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True)
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    root = tmp_path_factory.mktemp("straight")
    run = _pipeline(root)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def killed(tmp_path_factory):
    root = tmp_path_factory.mktemp("killed")
    # killed the moment ResNet-20's permuted target is written (in notebook 10)
    stopped = _pipeline(root, stop_after="permuted-shp-resnet20")
    assert stopped.returncode != 0 and (root / "checkpoints" / "smoke" / ".force-run.json").exists()
    return root, stopped


@pytest.fixture(scope="module")
def continued(killed):
    killed, _ = killed
    again = _pipeline(killed)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "continuing the unfinished forced run" in again.stdout
    return killed


def _chain_artifacts(root):
    return [a for a in _listed_artifacts(root) if a["kind"].startswith(CHAIN_KINDS)]


def test_a_killed_forced_run_stops_with_its_run_file_and_the_artifacts_before_the_kill(killed):
    root, stopped = killed
    built = [entry["artifact"] for entry in _build_log(root)]
    assert any(name.startswith("permuted-shp-resnet20") for name in built)
    # the killed notebook failed and the run says it is unfinished; later notebooks ran on what was there
    assert "10_permutation.ipynb: FAILED" in stopped.stdout, stopped.stdout[-2000:]
    assert "is unfinished: rerun with FORCE=1" in stopped.stdout + stopped.stderr


def test_a_forced_run_builds_every_artifact_it_needs_exactly_once(straight):
    log = _build_log(straight)
    counts = Counter(entry["artifact"] for entry in log)
    assert counts and max(counts.values()) == 1, [name for name, n in counts.items() if n > 1]
    assert len({entry["force_run"] for entry in log}) == 1  # one forced run across the notebooks
    listed = {a["name"] for a in _chain_artifacts(straight)}
    assert set(counts) == listed, (set(counts) ^ listed)  # what the listing said is what was built
    assert all(a["state"] == "built" for a in _chain_artifacts(straight))
    assert not (straight / "checkpoints" / "smoke" / ".force-run.json").exists()  # the run completed


def test_the_chain_of_keys_links_each_inr_to_its_target_and_base_model(straight):
    store = straight / "checkpoints" / "smoke"
    for arch, dataset in [("resnet20", "cifar10"), ("lenet", "mnist")]:
        (inr,) = store.glob(f"neumeta-{arch}-{dataset}-*.pt")
        inr_meta = torch.load(inr, weights_only=True)["meta"]
        target = store / inr_meta["target_checkpoint"]
        assert target.exists()
        base = torch.load(target, weights_only=True)["meta"]["base_checkpoint"]
        assert (store / base).exists() and base.startswith(f"base-{arch}-{dataset}")
        listed = {a["name"]: a for a in _listed_artifacts(straight)}
        assert listed[inr.name]["inputs"] == [target.name] and listed[target.name]["inputs"] == [base]


def test_a_killed_forced_run_continued_ends_with_bitwise_the_same_checkpoints(straight, continued):
    killed = continued
    a, b = _weights(straight), _weights(killed)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].keys() == b[name].keys()
        assert all(torch.equal(a[name][k], b[name][k]) for k in a[name]), name
    counts = Counter(entry["artifact"] for entry in _build_log(killed))
    assert max(counts.values()) == 1  # what was built before the kill was not rebuilt after it
    assert len({entry["force_run"] for entry in _build_log(killed)}) == 1
    leftovers = [p.name for p in (killed / "checkpoints" / "smoke").iterdir()
                 if p.name.endswith((".tmp", ".partial.pt", ".lock"))]
    assert not leftovers
