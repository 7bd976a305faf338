"""Data-parallel training (gloo, CPU): two processes under torchrun give the one-process result for the same
global batch; a two-process run killed after an epoch and relaunched ends where an uninterrupted one does;
the pieces (batch split, loss scale, cross-process BatchNorm, sharding) do what they say."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from neumeta.hardware import world
from neumeta.parallel.batches import global_batches, loss_scale, rank_part
from neumeta.parallel.batchnorm import CrossRankBatchNorm2d, convert, revert

WORKER = Path(__file__).resolve().parent / "ddp_worker.py"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(kind, out, epochs, processes, stop_after=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", TQDM_DISABLE="1")
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "NEUMETA_STOP_AFTER"):
        env.pop(k, None)
    if stop_after:
        env["NEUMETA_STOP_AFTER"] = stop_after
    cmd = [sys.executable, str(WORKER), kind, str(out), str(epochs)]
    if processes > 1:
        cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}",
               f"--master_port={_free_port()}", "--master_addr=127.0.0.1"] + cmd[1:]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def _state(path):
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def _close(a, b, atol):
    assert a.keys() == b.keys()
    worst = max((x.double() - b[k].double()).abs().max().item() for k, x in a.items() if x.is_floating_point())
    assert worst < atol, worst
    return worst


@pytest.mark.parametrize("kind, atol", [("classifier", 1e-6), ("inr", 1e-6)])
def test_two_processes_equal_one_with_the_same_global_batch(tmp_path, kind, atol):
    one, two = tmp_path / "one", tmp_path / "two"
    for out, n in ((one, 1), (two, 2)):
        out.mkdir()
        run = _run(kind, out, 1, n)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    name = f"{kind}.pt"
    _close(_state(one / name), _state(two / name), atol)
    assert torch.load(two / name, weights_only=True)["meta"]["processes"] == 2
    assert not list(two.glob("*.partial.pt"))


def test_a_sharded_sweep_gives_exactly_the_one_process_predictions(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for out, n in ((one, 1), (two, 2)):
        out.mkdir()
        run = _run("sweep", out, 0, n)
        assert run.returncode == 0, run.stderr[-3000:]
    a, b = (torch.load(d / "sweep.pt", weights_only=True) for d in (one, two))
    assert sorted(a, key=int) == [str(d) for d in range(16, 65, 7)] and a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_killed_two_process_run_resumes_to_the_same_weights(tmp_path):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    for out in (straight, killed):
        out.mkdir()
    assert _run("classifier", straight, 2, 2).returncode == 0
    stopped = _run("classifier", killed, 2, 2, stop_after="classifier:1")
    assert stopped.returncode != 0 and (killed / "classifier.partial.pt").exists()
    resumed = _run("classifier", killed, 2, 2)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    _close(_state(straight / "classifier.pt"), _state(killed / "classifier.pt"), 1e-12)


def test_global_batches_draw_exactly_as_the_one_process_loader():
    data = torch.utils.data.TensorDataset(torch.arange(10))
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    loader = [b[0].tolist() for b in torch.utils.data.DataLoader(data, batch_size=4, shuffle=True, generator=g1)]
    assert list(global_batches(10, 4, g2)) == loader
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))  # later draws line up too


def test_rank_parts_cover_each_batch_once_and_the_loss_scale_restores_the_global_mean():
    batch = list(range(33))
    parts = [rank_part(batch, r, 2) for r in range(2)]
    assert parts[0] + parts[1] == batch and [len(p) for p in parts] == [16, 17]
    x = torch.randn(33)
    means = [x[p].mean() * loss_scale(len(p), 33, 2) for p in parts]
    assert torch.isclose(sum(means) / 2, x.mean())


def test_one_process_is_the_identity():
    assert not world.active() and world.rank() == 0 and world.world_size() == 1 and world.is_main()
    assert world.shard([1, 2, 3]) == [1, 2, 3] and world.gather([4]) == [4] and world.all_sum([1.5]) == [1.5]


def test_cross_rank_batchnorm_is_batchnorm_alone_and_reverts_to_it():
    from neumeta.models import build_model
    model = build_model("resnet20", width=16)
    reference = {k: v.clone() for k, v in model.state_dict().items()}
    convert(model, torch.device("cpu"))
    assert any(isinstance(m, CrossRankBatchNorm2d) for m in model.modules())
    assert model.state_dict().keys() == reference.keys()
    x = torch.randn(4, 3, 32, 32)
    plain = build_model("resnet20", width=16)
    plain.load_state_dict(reference)
    assert torch.allclose(model.train()(x), plain.train()(x), atol=1e-6)  # no process group: plain BatchNorm
    revert(model)
    assert not any(isinstance(m, CrossRankBatchNorm2d) for m in model.modules())
    assert all(torch.equal(model.state_dict()[k], v) for k, v in plain.state_dict().items())
