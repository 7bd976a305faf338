"""One process against two (torchrun, DDP over gloo) training the same base-model epoch on this CPU.

Both train ResNet-20 with the profile's base recipe (batch 128, bf16 where the CPU has it) on the first
``--images`` CIFAR-10 training images for one epoch, from the same initial weights and global batches:
(a) one process with every core's thread, (b) ``torchrun --nproc_per_node 2`` with one thread each. Writes
``results/<profile>/benchmarks/data_parallel.csv`` (seconds per epoch, images per second, and the ratio
b / a) atomically; same machine, back to back, so the ratio is meaningful where absolute times are noisy:

    python benchmarks/data_parallel.py --profile cpu            # about two minutes on a 2-core CPU
"""
import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neumeta.store.atomic import atomic_write  # noqa: E402
from neumeta.store.results import REPO_ROOT, RESULTS_ROOT  # noqa: E402


def worker(profile, images, out):
    """One timed epoch (the body of both runs)."""
    import dataclasses

    import torch

    from neumeta.data import get_dataset
    from neumeta.models import build_model
    from neumeta.hardware import world
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.pretrained.base_models import base_train_config, resolve_data_root
    from neumeta.training.classifier import train_classifier
    world.setup()
    P = resolve_profile(profile)
    torch.manual_seed(0)
    root = resolve_data_root(P)
    train = get_dataset("cifar10", "train", root=root)
    test = torch.utils.data.Subset(get_dataset("cifar10", "test", root=root, transform="eval"), range(100))
    cfg = dataclasses.replace(base_train_config("resnet20", P), epochs=1, limit_train=images, eval_every=0)
    _, info = train_classifier(build_model("resnet20"), train, test, cfg, Path(out) / "bench.pt")
    if world.is_main():
        Path(out, "seconds").write_text(str(info["train_seconds"]))


def _run(cmd, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), TQDM_DISABLE="1")
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        env.pop(k, None)
    subprocess.run(cmd, env=env, check=True, cwd=REPO_ROOT)


def main(argv=None):
    from neumeta.hardware.machine import describe_machine
    from neumeta.tooling.pipeline import git_state
    parser = argparse.ArgumentParser(prog="python benchmarks/data_parallel.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--images", type=int, default=2560, help="training images in the timed epoch (20 batches)")
    parser.add_argument("--worker", nargs=2, metavar=("IMAGES", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.profile, int(args.worker[0]), args.worker[1])
    cores = os.cpu_count() or 1
    rows = []
    for label, processes in (("one process", 1), ("two processes (torchrun, DDP, gloo)", 2)):
        with tempfile.TemporaryDirectory() as out:
            body = [__file__, "--profile", args.profile, "--worker", str(args.images), out]
            if processes == 1:
                _run([sys.executable] + body, cores)
            else:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", 0))
                    port = s.getsockname()[1]
                _run([sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}",
                      f"--master_port={port}", "--master_addr=127.0.0.1"] + body, max(1, cores // processes))
            seconds = float(Path(out, "seconds").read_text())
        rows.append(dict(run=label, processes=processes, threads_each=cores if processes == 1 else max(1, cores // 2),
                         images=args.images, seconds=seconds, images_per_second=args.images / seconds))
    table = pd.DataFrame(rows)
    table["time_ratio_to_one_process"] = table.seconds / table.seconds.iloc[0]
    machine, git = describe_machine(), git_state([])
    table["cpu_model"], table["cpu_count"], table["commit"] = machine.get("cpu_model"), cores, str(git.get("commit"))[:10]
    table["date"] = dt.date.today().isoformat()
    path = RESULTS_ROOT / args.profile / "benchmarks" / "data_parallel.csv"
    with atomic_write(path, "w", newline="") as f:
        table.to_csv(f, index=False)
    print(table[["run", "seconds", "images_per_second", "time_ratio_to_one_process"]].to_string(index=False))


if __name__ == "__main__":
    main()
