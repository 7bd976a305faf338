"""What one training step of the whole-network INR costs against a plain ResNet-20 step and against the one-block
INR of Table 2, on this CPU.

The same batch (the profile's INR batch size, real CIFAR-10 training images), one thread, the three steps
interleaved round by round (so load on the machine hits all three alike), medians over ``--rounds`` after a warm-up
round: (a) a plain ResNet-20 SGD step, (b) an INR step generating ``layer3.2`` only (Table 2's), (c) an INR step
generating all nine blocks (``neumeta.experiments.whole.inr``), both INRs at layer3 width 48 with coordinate noise,
their loss and AdamW update as in training. Writes ``results/<profile>/benchmarks/whole_inr_step.csv`` atomically:

    python benchmarks/whole_inr_step.py --profile cpu        # about a minute on a 2-core CPU
"""
import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neumeta.config.profiles import load_profile  # noqa: E402
from neumeta.data import get_dataset  # noqa: E402
from neumeta.experiments.inr.experiment import inr_shape, inr_train_config  # noqa: E402
from neumeta.experiments.pretrained.base_models import resolve_data_root  # noqa: E402
from neumeta.experiments.pretrained.specs import metamorph_of  # noqa: E402
from neumeta.experiments.pretrained.targets import permuted_target  # noqa: E402
from neumeta.experiments.whole import inr as whole  # noqa: E402
from neumeta.hardware.machine import describe_machine  # noqa: E402
from neumeta.method.training import inr_loss  # noqa: E402
from neumeta.models import build_model  # noqa: E402
from neumeta.store.atomic import atomic_write  # noqa: E402
from neumeta.store.results import RESULTS_ROOT  # noqa: E402
from neumeta.tooling.pipeline import git_state  # noqa: E402


def steps(P, batch):
    """``{name: (step function, trained parameters)}`` of the three steps."""
    x, y = batch
    plain = build_model("resnet20", 10).train()
    sgd = torch.optim.SGD(plain.parameters(), lr=0.01, momentum=0.9)
    state, _ = permuted_target("resnet20", "cifar10", P)
    one = metamorph_of("resnet20", state, 0, inr_shape(P, "resnet20"))
    nine = whole.metamorph(P)

    def plain_step():
        sgd.zero_grad(set_to_none=True)
        F.cross_entropy(plain(x), y).backward()
        sgd.step()

    def inr_step(meta, cfg, opt):
        def step():
            opt.zero_grad(set_to_none=True)
            loss, _ = inr_loss(meta.inr, meta.target, x, y, 48, cfg, torch.Generator().manual_seed(0))
            loss.backward()
            opt.step()
        return step
    return {"plain ResNet-20": (plain_step, plain),
            "one-block INR (layer3.2)": (inr_step(one, inr_train_config(P, "resnet20"),
                                                  torch.optim.AdamW(one.inr.parameters(), lr=1e-3)), one.inr),
            whole.BENCHMARK_STEP: (inr_step(nine, whole.inr_config(P),
                                            torch.optim.AdamW(nine.inr.parameters(), lr=1e-3)), nine.inr)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()
    torch.set_num_threads(1)
    P = load_profile(args.profile)
    train = get_dataset("cifar10", "train", root=resolve_data_root(P))
    batch = next(iter(torch.utils.data.DataLoader(train, batch_size=P["inr_batch_size"], shuffle=False)))
    timed = steps(P, batch)
    seconds = {name: [] for name in timed}
    for _ in range(args.rounds + 1):
        for name, (step, _) in timed.items():
            t0 = time.perf_counter()
            step()
            seconds[name].append(time.perf_counter() - t0)
    rows = [dict(step=name, median_ms=1e3 * statistics.median(s[1:]), trained_parameters=sum(
        p.numel() for p in timed[name][1].parameters())) for name, s in seconds.items()]
    table = pd.DataFrame(rows)
    table["ratio_to_plain"] = table.median_ms / table.median_ms.iloc[0]
    table["ratio_to_one_block_inr"] = table.median_ms / table.median_ms.iloc[1]
    machine, git = describe_machine(), git_state([])
    table["cpu_model"], table["torch_threads"], table["batch"] = machine.get("cpu_model"), 1, P["inr_batch_size"]
    table["commit"], table["date"] = str(git.get("commit"))[:10], dt.date.today().isoformat()
    path = RESULTS_ROOT / args.profile / "benchmarks" / "whole_inr_step.csv"
    with atomic_write(path, "w", newline="") as f:
        table.to_csv(f, index=False)
    print(table[["step", "median_ms", "ratio_to_plain", "ratio_to_one_block_inr", "trained_parameters"]]
          .round(3).to_string(index=False))


if __name__ == "__main__":
    main()
