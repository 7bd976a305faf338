"""Is it faster to train two models side by side, one thread each, than one after the other on all cores?

Measures the real training step (CIFAR loader with one worker, bf16 autocast, channels-last SGD) of
ResNet-20 at the profile's batch size, first as one run with every torch thread, then as two runs at
once with one thread each, and prints seconds per step and the throughput ratio:

    python -m neumeta.experiments.pretrained.parallel_bench cpu            # about a minute; prints the throughput ratio

Same process tree, same machine, back to back, so the ratio is meaningful even where absolute
times are noisy. ``--worker`` is the internal entry point of one run.
"""
import argparse
import os
import subprocess
import sys
import time

import torch

from neumeta.experiments.pretrained.base_models import base_train_config
from torch.utils.data import DataLoader

from neumeta.training.classifier import cross_entropy_objective

WARMUP_STEPS = 5


def time_steps(P, steps, root=None, warmup=WARMUP_STEPS):
    """Seconds per training step of one run in this process (after a short warm-up)."""
    from neumeta.experiments.pretrained.base_models import resolve_data_root
    from neumeta.data import get_dataset
    from neumeta.models import build_model

    torch.manual_seed(P["seed"])
    train = get_dataset("cifar10", "train", root=root or resolve_data_root(P))
    model = build_model("resnet20", num_classes=10).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=P["base_lr"], momentum=0.9, nesterov=True)

    def epochs():  # a small dataset (the test fixture) runs out: start another epoch
        while True:
            yield from DataLoader(train, batch_size=P["base_batch_size"], shuffle=True, num_workers=1)

    for i, (x, y) in zip(range(warmup + steps), epochs()):
        if i == warmup:
            t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=base_train_config("resnet20", P).bf16):
            loss, _ = cross_entropy_objective(model, x.to(memory_format=torch.channels_last), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return (time.perf_counter() - t0) / steps


def _run(profile, steps, threads, copies, root, warmup):
    """``copies`` worker processes at once with ``threads`` threads each; their seconds per step."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), TQDM_DISABLE="1")
    cmd = [sys.executable, "-m", "neumeta.experiments.pretrained.parallel_bench", profile, "--steps", str(steps), "--warmup", str(warmup),
           "--worker"]
    cmd += ["--root", str(root)] if root else []
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True) for _ in range(copies)]
    outs = [p.communicate()[0] for p in procs]
    if any(p.returncode for p in procs):
        raise RuntimeError(f"a benchmark worker failed: {outs}")
    return [float(o.split()[-1]) for o in outs]


def compare(profile, steps=60, root=None, warmup=WARMUP_STEPS):
    """``{"alone": s/step with every thread, "side_by_side": [s/step, s/step], "throughput_ratio": x}``."""
    cores = os.cpu_count() or 1
    alone = _run(profile, steps, cores, 1, root, warmup)[0]
    pair = _run(profile, steps, max(1, cores // 2), 2, root, warmup)
    return {"cores": cores, "alone": alone, "side_by_side": pair,
            "throughput_ratio": alone / (max(pair) / 2)}  # two steps per max(pair) seconds against one per alone


if __name__ == "__main__":
    from neumeta.config.profiles import resolve_profile
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.pretrained.parallel_bench")
    parser.add_argument("profile", nargs="?")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=WARMUP_STEPS, help="untimed steps first")
    parser.add_argument("--root", help="data root (default: the profile's)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    P = resolve_profile(args.profile)
    if args.worker:
        print(f"{time_steps(P, args.steps, args.root, args.warmup):.6f}")
    else:
        r = compare(P["profile"], args.steps, args.root, args.warmup)
        print(f"one run, {r['cores']} threads: {r['alone']:.3f} s/step; two runs side by side, "
              f"{max(1, r['cores'] // 2)} thread(s) each: {r['side_by_side'][0]:.3f} and {r['side_by_side'][1]:.3f} "
              f"s/step; throughput ratio {r['throughput_ratio']:.2f}x")
