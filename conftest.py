"""Test environment: smoke profile, offline, quiet, and a throw-away checkpoint store.

Set at import time so that nbval's notebook kernels (started later) inherit it too.
"""
import os
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
FIXTURES = REPO / "tests" / "fixtures" / "data"

# One torch thread per process: the tests' models are tiny, and two threads per process on a 2-core machine spend
# their time waiting on each other (a LeNet test epoch ran 13x slower with two threads beside a busy core).
# Set before torch is imported, so that nbval's kernels and the torchrun workers inherit it.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NEUMETA_PROFILE", "smoke")
os.environ["NEUMETA_OFFLINE"] = "1"
os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NEUMETA_CHECKPOINTS", tempfile.mkdtemp(prefix="neumeta-test-ckpt-"))
os.environ.pop("NEUMETA_RESULTS_DIR", None)  # a test run never writes into the results store


@pytest.fixture
def fixtures_root():
    return FIXTURES


@pytest.fixture
def tmp_checkpoints(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path / "ckpt"))
    return tmp_path / "ckpt"


@pytest.fixture(scope="module")
def lenet():
    """An untrained LeNet target, a tiny INR over all its layers and 64 real MNIST test digits with their labels."""
    import torch
    from torch.utils.data import Subset

    from neumeta.evaluation.eval_sets import eval_set
    from neumeta.method.engine import TargetNetwork
    from neumeta.method.folding import fuse_bn
    from neumeta.method.inr import NeuMetaINR
    from neumeta.method.spec import LENET_ALL
    from neumeta.models import build_model
    torch.manual_seed(0)
    test = Subset(eval_set("mnist", "test", FIXTURES), range(64))
    target = TargetNetwork(LENET_ALL, fuse_bn(build_model("lenet")).state_dict())
    inr = NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=4).eval()
    labels = torch.stack([test[i][1] for i in range(len(test))])
    return inr, target, test, labels


def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (``make test`` runs two processes) each test file runs whole in one process, in order, so
    its module fixtures are built once; the notebooks run together in one process, in order, since later notebooks
    read what earlier ones stored."""
    from xdist.scheduler import LoadScopeScheduling

    class FileOrNotebooks(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::", 1)[0]
            return "notebooks" if path.endswith(".ipynb") else path

    return FileOrNotebooks(config, log)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The notebooks' smoke runs read what earlier notebooks stored; a fresh checkout (CI) has no smoke store, so a
    local one from an earlier ``make reproduce PROFILE=smoke`` can let a notebook pass here that fails there."""
    ran_notebooks = any((getattr(r, "nodeid", None) or "").split("::", 1)[0].endswith(".ipynb")
                        for reports in terminalreporter.stats.values() for r in reports)
    local = [p.name for p in (REPO / "results" / "smoke").glob("*") if p.is_dir()]
    if ran_notebooks and local:
        terminalreporter.write_line(f"note: results/smoke holds earlier smoke runs of {', '.join(sorted(local))}; the "
                                    "notebooks may have read them, which a fresh checkout (CI) does not have")
