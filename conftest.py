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
