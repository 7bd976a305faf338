"""The paper profile's CUDA path, checked and timed on one GPU against the same machine's CPU.

    python benchmarks/gpu_check.py [--out DIR]        # a few minutes; prints one JSON report (and writes it)

1. The real trainers on the GPU, end to end, on the committed fixtures: one short base-model epoch
   (``train_classifier``, the paper recipe's precision and memory format) and one short INR epoch (``train_inr``
   with the paper profile's INR shape, reconstruction warm start included), each loaded back from its checkpoint.
2. Step times, GPU against CPU, on the same machine: a ResNet-20 training step (batch ``base_batch_size``) and an
   INR training step (the paper profile's INR generating ResNet-20's last block, batch ``inr_batch_size``), with
   the K-sample merge (K = ``inr_eval_samples``) at one width; peak GPU memory of each.
"""
import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neumeta.data import get_dataset  # noqa: E402
from neumeta.method.engine import TargetNetwork  # noqa: E402
from neumeta.method.inr import NeuMetaINR  # noqa: E402
from neumeta.method.folding import fuse_bn  # noqa: E402
from neumeta.method.spec import RESNET20_LAST_BLOCK  # noqa: E402
from neumeta.method.training import INRTrainConfig, inr_loss, train_inr  # noqa: E402
from neumeta.models import build_model  # noqa: E402
from neumeta.config.profiles import load_profile  # noqa: E402
from neumeta.experiments.pretrained.base_models import base_train_config  # noqa: E402
from neumeta.hardware.machine import bf16_in_hardware  # noqa: E402
from neumeta.training.classifier import train_classifier  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "data"


# neumeta.experiments.inr.experiment's two helpers, restated so that this check needs no permutation solver installed
def build_inr(spec, P, arch):
    return NeuMetaINR(spec, hidden=P[f"inr_{arch}_hidden"] or P["inr_hidden"], num_layers=P["inr_layers"],
                      num_freqs=P["inr_freqs"])


def inr_train_config(P, arch):
    return INRTrainConfig(
        epochs=P[f"inr_{arch}_epochs"] or P["inr_epochs"], batch_size=P["inr_batch_size"], lr=P["inr_lr"],
        weight_decay=P["inr_weight_decay"], milestones=tuple(P[f"inr_{arch}_milestones"] or P["inr_milestones"]),
        clip_value=P["inr_clip"], ema_decay=P["inr_ema"], noise=P["inr_noise"], lambda_rec=P["inr_lambda_rec"],
        lambda_reg=P["inr_lambda_reg"], seed=P["seed"], rec_warmup_steps=P["inr_rec_warmup_steps"],
        rec_warmup_lr=P["inr_rec_warmup_lr"])


def timed(step, device, repeats, warmup=3):
    """Seconds per call of ``step()`` after ``warmup`` calls (CUDA synchronised)."""
    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(repeats):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - t0) / repeats


def base_step(P, device, bf16):
    model = build_model("resnet20").to(device, memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    x = torch.randn(P["base_batch_size"], 3, 32, 32, device=device).to(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (P["base_batch_size"],), device=device)

    def step():
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = torch.nn.functional.cross_entropy(model(x).float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def inr_step(P, device):
    torch.manual_seed(0)
    target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(build_model("resnet20").eval()).state_dict()).to(device)
    inr = build_inr(RESNET20_LAST_BLOCK, P, "resnet20").to(device)
    cfg = inr_train_config(P, "resnet20")
    opt = torch.optim.AdamW(inr.parameters(), lr=cfg.lr)
    x = torch.randn(cfg.batch_size, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (cfg.batch_size,), device=device)
    gen = torch.Generator().manual_seed(0)

    def step():
        loss, _ = inr_loss(inr, target, x, y, 48, cfg, generator=gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def merge():
        with torch.no_grad():
            inr.weights(40, noise=cfg.noise, samples=P["inr_eval_samples"], generator=gen)
    return step, merge, sum(p.numel() for p in inr.parameters())


def end_to_end(P, out):
    """The real trainers on the GPU for one short epoch each, reloaded from their checkpoints."""
    report = {}
    train = get_dataset("cifar10", "train", root=FIXTURES)
    test = torch.utils.data.Subset(get_dataset("cifar10", "test", root=FIXTURES, transform="eval"), range(200))
    cfg = dataclasses.replace(base_train_config("resnet20", P), epochs=1, limit_train=512, eval_every=0, num_workers=2)
    t0 = time.perf_counter()
    model, info = train_classifier(build_model("resnet20"), train, test, cfg, Path(out) / "base.pt")
    report["base_epoch"] = dict(seconds=time.perf_counter() - t0, images=512, test_acc=info["test_acc"], bf16=cfg.bf16,
                                reload_equal=all(torch.equal(v, model.state_dict()[k]) for k, v in torch.load(
                                    Path(out) / "base.pt", weights_only=True)["state_dict"].items()))
    target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(model.eval()).state_dict())
    icfg = dataclasses.replace(inr_train_config(P, "resnet20"), epochs=1, limit_train=512, rec_warmup_steps=20,
                               milestones=())
    t0 = time.perf_counter()
    inr, info = train_inr(build_inr(RESNET20_LAST_BLOCK, P, "resnet20"), target, train, icfg, Path(out) / "inr.pt")
    report["inr_epoch"] = dict(seconds=time.perf_counter() - t0, images=512, train_loss=info["history"][-1]["train_loss"],
                               on_cpu_after=all(p.device.type == "cpu" for p in inr.parameters()))
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python benchmarks/gpu_check.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.environ.get("OUT") or tempfile.mkdtemp())
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    P = load_profile("paper")
    report = {"torch": torch.__version__, "cuda": torch.cuda.is_available(), "cpu_threads": torch.get_num_threads(),
              "inr_shape": [P["inr_hidden"], P["inr_layers"], P["inr_freqs"]], "K": P["inr_eval_samples"]}
    if not torch.cuda.is_available():
        print(json.dumps(dict(report, error="no CUDA device"), indent=1))
        return 1
    gpu = torch.device("cuda")
    report["gpu"] = torch.cuda.get_device_name(0)
    report["bf16_gpu"] = bf16_in_hardware(gpu)
    with tempfile.TemporaryDirectory() as tmp:
        report["end_to_end"] = end_to_end(P, tmp)
    for name, device in (("gpu", gpu), ("cpu", torch.device("cpu"))):
        repeats = args.repeats if name == "gpu" else max(2, args.repeats // 10)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        report[f"base_step_s_{name}"] = timed(base_step(P, device, bf16_in_hardware(device) and P["base_bf16"]), device,
                                              repeats)
        if device.type == "cuda":
            report["base_step_peak_gib"] = torch.cuda.max_memory_allocated() / 2 ** 30
            torch.cuda.reset_peak_memory_stats()
        step, merge, params = inr_step(P, device)
        report["inr_params"] = params
        report[f"inr_step_s_{name}"] = timed(step, device, repeats)
        if device.type == "cuda":
            report["inr_step_peak_gib"] = torch.cuda.max_memory_allocated() / 2 ** 30
        report[f"merge_K_s_{name}"] = timed(merge, device, max(1, repeats // 4), warmup=1)
    for k in ("base_step", "inr_step", "merge_K"):
        report[f"{k}_cpu_over_gpu"] = report[f"{k}_s_cpu"] / report[f"{k}_s_gpu"]
    text = json.dumps(report, indent=1, default=str)
    print(text)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    Path(args.out, "gpu_check.json").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
