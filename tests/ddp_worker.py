"""One training run for the data-parallel tests: started once as a plain process and once under torchrun with
two processes (gloo). ``python tests/ddp_worker.py {classifier|inr} OUT_DIR EPOCHS``; the final checkpoint lands
in OUT_DIR. Deterministic inputs (fixture images, evaluation transform), float32, small models."""
import sys
from pathlib import Path

import torch

from neumeta.data import get_dataset
from neumeta.hardware import world

ROOT = Path(__file__).resolve().parent / "fixtures" / "data"


class AsFloat64(torch.utils.data.Dataset):
    def __init__(self, data):
        self.data = data

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        x, y = self.data[i]
        return x.double(), y


def main(kind, out, epochs):
    world.setup()
    torch.manual_seed(0)
    train = get_dataset("cifar10", "train", root=ROOT, transform="eval")
    test = torch.utils.data.Subset(get_dataset("cifar10", "test", root=ROOT, transform="eval"), range(40))
    if kind == "classifier":
        from neumeta.models import build_model
        from neumeta.training.classifier import TrainConfig, train_classifier
        # float64: torch's float32 BatchNorm backward is itself off by up to ~1 % on this tiny net (against float64),
        # which would hide what the test checks; in float64 (the loss itself is float32) they agree to ~1e-8
        train, test = AsFloat64(train), AsFloat64(test)
        model = build_model("resnet20", width=16).double()
        # 99 images in batches of 33: every global batch splits 16 / 17, so the loss scaling is exercised
        cfg = TrainConfig(epochs=epochs, batch_size=33, lr=0.05, limit_train=99, warmup_epochs=0.5, seed=3)
        train_classifier(model, train, test, cfg, Path(out) / "classifier.pt", device="cpu")
    elif kind == "inr":
        from neumeta.method.engine import TargetNetwork
        from neumeta.method.folding import fuse_bn
        from neumeta.method.inr import NeuMetaINR
        from neumeta.method.spec import RESNET20_LAST_BLOCK
        from neumeta.method.training import INRTrainConfig, train_inr
        from neumeta.models import build_model
        target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(build_model("resnet20").eval()).state_dict())
        inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=16, num_layers=2, num_freqs=3)
        cfg = INRTrainConfig(epochs=epochs, batch_size=33, limit_train=99, noise=1.0, ema_decay=0.9, seed=3,
                             rec_warmup_steps=5)
        train_inr(inr, target, train, cfg, Path(out) / "inr.pt")
    elif kind == "sweep":
        from neumeta.evaluation.eval_sets import eval_set
        from neumeta.method.engine import TargetNetwork
        from neumeta.method.folding import fuse_bn
        from neumeta.method.inr import NeuMetaINR
        from neumeta.method.spec import RESNET20_LAST_BLOCK
        from neumeta.models import build_model
        from neumeta.experiments.inr.sweep import sharded_sweep
        target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(build_model("resnet20").eval()).state_dict())
        inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=16, num_layers=2, num_freqs=3).eval()
        test = eval_set("cifar10", "test", ROOT)
        preds = sharded_sweep(inr, target, test, list(range(16, 65, 7)), samples=3, noise=1.0, seed=5)
        if world.is_main():
            torch.save({str(d): p for d, p in preds.items()}, Path(out) / "sweep.pt")
    else:
        raise SystemExit(f"unknown kind {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
