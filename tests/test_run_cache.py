"""The run's cache: what several notebooks compute alike is computed once per pipeline run, a hit is bit for bit
what computing returns (merged weights, the generator's state after the draws, trunk activations), and nothing is
shared outside a run or across runs."""
import os

import pytest
import torch
from torch.utils.data import TensorDataset

from neumeta.evaluation.shared import shared_merged_weights, shared_trunk_activations
from neumeta.method.inr import NeuMetaINR
from neumeta.method.merge import merged_weights
from neumeta.method.spec import RESNET20_LAST_BLOCK
from neumeta.store.run_cache import (OWNER_ENV, RUN_CACHE_ENV, cached, fingerprint, remove_abandoned, run_cache_dir,
                                     run_cache_folder)


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.delenv(RUN_CACHE_ENV, raising=False)
    monkeypatch.delenv(OWNER_ENV, raising=False)
    with run_cache_folder(tmp_path) as folder:
        yield folder
    assert not folder.exists() and RUN_CACHE_ENV not in os.environ  # removed at the end of the run


def _counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value
    return compute, calls


def test_outside_a_run_every_call_computes(monkeypatch):
    monkeypatch.delenv(RUN_CACHE_ENV, raising=False)
    compute, calls = _counting(torch.ones(3))
    cached("x", {"a": 1}, compute)
    cached("x", {"a": 1}, compute)
    assert run_cache_dir() is None and len(calls) == 2


def test_inside_a_run_a_key_is_computed_once_and_read_back_equal(run):
    compute, calls = _counting({"w": torch.arange(6.0).reshape(2, 3)})
    first = cached("x", {"a": 1}, compute)
    second = cached("x", {"a": 1}, compute)
    assert len(calls) == 1 and torch.equal(first["w"], second["w"])
    cached("x", {"a": 2}, compute)  # another key computes
    assert len(calls) == 2


def test_a_lane_keeps_its_runs_folder_and_a_damaged_entry_is_recomputed(run):
    with run_cache_folder(run.parent) as inner:  # a lane of the same run: the same folder, not removed at its end
        assert inner == run
    assert run.exists()
    compute, calls = _counting(torch.ones(2))
    cached("x", 1, compute)
    for entry in run.iterdir():
        entry.write_bytes(b"not a tensor file")
    assert torch.equal(cached("x", 1, compute), torch.ones(2)) and len(calls) == 2


def test_a_folder_without_a_live_run_is_never_read_and_a_killed_runs_folder_is_removed(monkeypatch, tmp_path):
    stale = tmp_path / "neumeta-run-cache-999999999-abc"  # no such process
    stale.mkdir()
    monkeypatch.setenv(RUN_CACHE_ENV, str(stale))
    monkeypatch.setenv(OWNER_ENV, "999999999")
    assert run_cache_dir() is None  # an exported folder of a finished run is not this run's
    with run_cache_folder(tmp_path) as folder:
        assert folder != stale and not stale.exists()  # a new run starts empty and sweeps what a kill left
        assert folder.name.startswith(f"neumeta-run-cache-{os.getpid()}-")
    remove_abandoned(tmp_path)


def test_a_removed_folder_is_not_recreated_by_a_late_write(run):
    compute, calls = _counting(torch.ones(2))
    os.rmdir(run)  # the run ended while a lane was computing
    assert torch.equal(cached("x", 1, compute), torch.ones(2)) and not run.exists()
    run.mkdir()  # for the fixture's own check


def test_the_fingerprint_tells_apart_values_dtypes_shapes_and_keys():
    base = {"a": torch.zeros(2, 3)}
    others = [{"a": torch.zeros(3, 2)}, {"a": torch.zeros(2, 3, dtype=torch.float64)},
              {"b": torch.zeros(2, 3)}, {"a": torch.zeros(2, 3).index_fill(1, torch.tensor([2]), 1e-30)}]
    assert fingerprint(base) == fingerprint({"a": torch.zeros(2, 3)})
    assert len({fingerprint(base)} | {fingerprint(o) for o in others}) == 5
    assert fingerprint(torch.tensor(3)) != fingerprint(torch.tensor(4))  # 0-d tensors (BN's batch counters)


class _PlainSpec:
    """A spec that is not a dataclass, as the public API's are: only what the INR reads of it."""

    def __getattr__(self, name):
        return getattr(RESNET20_LAST_BLOCK, name)


def _inr(seed=0, spec=RESNET20_LAST_BLOCK):
    torch.manual_seed(seed)
    return NeuMetaINR(spec, hidden=16, num_layers=2, num_freqs=3).eval()


@torch.no_grad()
def test_shared_merged_weights_equal_computing_them_and_leave_the_generator_where_computing_would(run):
    inr = _inr()
    direct_gen, shared_gen = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    direct = merged_weights(inr, 40, "mc", 1.0, 5, direct_gen)
    first = shared_merged_weights(inr, 40, "mc", 1.0, 5, shared_gen)
    replay = torch.Generator().manual_seed(3)
    hit = shared_merged_weights(inr, 40, "mc", 1.0, 5, replay)  # read back, not computed
    assert len(list(run.iterdir())) == 1
    for w in (first, hit):
        assert all(torch.equal(direct[k], w[k]) for k in direct)
    assert torch.equal(replay.get_state(), direct_gen.get_state())  # the next draws match too
    shared_merged_weights(inr, 40, "mc", 1.0, 5, torch.Generator().manual_seed(4))  # another draw: its own entry
    shared_merged_weights(_inr(seed=1), 40, "mc", 1.0, 5, torch.Generator().manual_seed(3))  # other weights
    shared_merged_weights(inr, 40, ("gauss-legendre", 2), 1.0, 5)  # deterministic: no generator needed
    assert len(list(run.iterdir())) == 4
    plain = shared_merged_weights(_inr(spec=_PlainSpec()), 40, "mc", 1.0, 5, torch.Generator().manual_seed(3))
    assert all(torch.equal(direct[k], plain[k]) for k in direct)


def test_draws_from_the_global_state_and_calls_with_gradients_are_never_shared(run):
    inr = _inr()
    with torch.no_grad():
        shared_merged_weights(inr, 40, "mc", 1.0, 5, None)
    w = shared_merged_weights(inr, 40, "mc", 1.0, 5, torch.Generator().manual_seed(0))
    assert not list(run.iterdir()) and next(iter(w.values())).requires_grad


def test_trunk_activations_are_shared_for_the_same_trunk_and_data_only(run):
    data = TensorDataset(torch.randn(8, 3), torch.arange(8))
    compute, calls = _counting((torch.randn(8, 4), torch.arange(8)))
    conv = [torch.nn.Conv2d(3, 4, 3)]
    first = shared_trunk_activations(conv, {"w": torch.ones(2)}, data, 4, compute)
    second = shared_trunk_activations(conv, {"w": torch.ones(2)}, data, 4, compute)
    assert len(calls) == 1 and all(torch.equal(a, b) for a, b in zip(first, second))
    shared_trunk_activations(conv, {"w": torch.zeros(2)}, data, 4, compute)  # another trunk
    shared_trunk_activations([torch.nn.Conv2d(3, 4, 3, padding=1)], {"w": torch.ones(2)}, data, 4, compute)  # structure
    shared_trunk_activations(conv, {"w": torch.ones(2)}, TensorDataset(torch.randn(8, 3), torch.arange(8)), 4, compute)
    shared_trunk_activations(conv, {"w": torch.ones(2)}, list(data), 4, compute)  # not a TensorDataset: computes
    assert len(calls) == 5


def test_trunk_features_in_a_run_equal_those_computed_alone(run, monkeypatch):
    from neumeta.evaluation.trunk import TrunkFeatures
    from neumeta.models import build_model
    torch.manual_seed(0)
    net = build_model("resnet20", 10, 64).eval()
    data = TensorDataset(torch.randn(6, 3, 32, 32), torch.arange(6))
    first, second = TrunkFeatures(net, data, batch_size=4), TrunkFeatures(net, data, batch_size=4)
    assert len(list(run.iterdir())) == 1 and torch.equal(first.features, second.features)
    monkeypatch.delenv(RUN_CACHE_ENV)
    alone = TrunkFeatures(net, data, batch_size=4)
    assert torch.equal(alone.features, second.features) and torch.equal(alone.labels, second.labels)
    assert torch.equal(alone.logits(net), second.logits(net))


def test_notebook_20s_sweep_and_figure_10_read_one_merge_at_a_width_they_share(run):
    """Notebook 20 merges through ``predict_width`` (a generator it seeds), notebook 71 through ``width_logits``
    (a seed): at one width, the same K-sample merge and the same Gauss-Legendre merge are one entry each."""
    from neumeta.evaluation.logits import width_logits
    from neumeta.evaluation.trunk import TrunkFeatures
    from neumeta.evaluation.widths import predict_width
    from neumeta.method.engine import TargetNetwork
    from neumeta.method.folding import fuse_bn
    from neumeta.models import build_model
    torch.manual_seed(0)
    target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(build_model("resnet20").eval()).state_dict())
    data = TrunkFeatures(target.net, TensorDataset(torch.randn(8, 3, 32, 32), torch.arange(8) % 10))
    inr = _inr()
    with torch.no_grad():
        sweep, _ = predict_width(inr, target, data, 40, samples=5, noise=1.0, generator=torch.Generator().manual_seed(2))
        sweep_gl, _ = predict_width(inr, target, data, 40, samples=5, noise=1.0, rule=("gauss-legendre", 2))
        assert len(list(run.glob("merged-weights-*"))) == 2
        figure = width_logits(inr, target, data, 40, samples=5, noise=1.0, seed=2)
        figure_gl = width_logits(inr, target, data, 40, rule=("gauss-legendre", 2), samples=5, noise=1.0)
    assert len(list(run.glob("merged-weights-*"))) == 2
    assert torch.equal(sweep, figure.argmax(1)) and torch.equal(sweep_gl, figure_gl.argmax(1))
