"""Supervised training of a segmentation network through the one resumable trainer: the classifier's optimiser,
schedule, seeding, bfloat16 and checkpoints (``ClassifierTrainee``), a dense loss, pixel accuracy over the scored
pixels, and the held-out split's mean IoU in the history.

The loss is 0.5 cross-entropy + 0.5 Dice, as the paper's ComboLoss, with the Dice term on softmax probabilities
(smp's multiclass ``DiceLoss``): the official code applies a sigmoid, which treats the classes as independent.
"""
import dataclasses

import torch
import torch.nn.functional as F

from neumeta.hardware import world
from neumeta.hardware.machine import bf16_in_hardware
from neumeta.parallel import data_parallel
from neumeta.progress import progress
from neumeta.segmentation.metrics import mean_iou
from neumeta.segmentation.predict import predict_confusions
from neumeta.training.classifier import ClassifierTrainee, check_finite, cpu_state
from neumeta.training.loop import train_resumable


def combo_loss(ignore):
    """``loss(logits, y)``: 0.5 CE + 0.5 softmax Dice, ``ignore`` pixels left out."""
    from segmentation_models_pytorch.losses import DiceLoss
    dice = DiceLoss("multiclass", from_logits=True, ignore_index=ignore)

    def loss(logits, y):
        logits = logits.float()
        return 0.5 * F.cross_entropy(logits, y, ignore_index=ignore) + 0.5 * dice(logits, y)
    return loss


def combo_objective(ignore):
    """``objective(model, x, y) -> (loss, logits)`` with ``combo_loss``."""
    loss = combo_loss(ignore)

    def objective(model, x, y):
        logits = model(x).float()
        return loss(logits, y), logits
    return objective


def train_segmenter(model, train_set, held_out, cfg, path, classes, ignore, stride, meta=None, desc="train",
                    objective=None, on_epoch_end=None):
    """Train ``model`` (in place) into checkpoint ``path`` and return ``(model, info)``; ``held_out`` (the
    validation split) gives the mean IoU in the history every ``cfg.eval_every`` epochs and at the end."""
    trainee = SegmentationTrainee(model, train_set, held_out, cfg, meta, desc, objective or combo_objective(ignore),
                                  (classes, ignore, stride))
    return train_resumable(path, trainee, on_epoch_end)


class SegmentationTrainee(ClassifierTrainee):
    def __init__(self, model, train_set, held_out, cfg, meta, desc, objective, labels):
        super().__init__(model, train_set, held_out, cfg, meta, desc, None, objective)
        self.classes, self.ignore, self.stride = labels

    def train_epoch(self, epoch):
        cfg, model, device = self.cfg, self.model, self.device
        self.bf16 = cfg.bf16 and bf16_in_hardware(device)  # float32 where bfloat16 would be emulated (slow)
        loader, scales = self._loader(epoch)
        model.to(memory_format=self.memory_format)
        model.train()
        loss_sum = right = scored = images = 0
        bar = progress(loader, desc=f"{self.desc} epoch {epoch + 1}/{cfg.epochs}", leave=False)
        for step, (x, y) in enumerate(bar, start=1):
            x, y = x.to(device, memory_format=self.memory_format), y.to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.bf16):
                loss, logits = self.step_objective(model, x, y)
            check_finite(loss, epoch + 1, step)
            self.opt.zero_grad(set_to_none=True)
            (loss if scales is None else loss * scales[step - 1]).backward()
            self.opt.step()
            self.sched.step()
            keep = y != self.ignore
            loss_sum, images = loss_sum + loss.item() * len(y), images + len(y)
            right += (logits.argmax(1) == y)[keep].sum().item()
            scored += keep.sum().item()
            bar.set_postfix(loss=f"{loss_sum / images:.3f}", pixel_acc=f"{100 * right / scored:.1f}", refresh=False)
        loss_sum, right, scored, images = world.all_sum([loss_sum, right, scored, images])
        return {"train_loss": loss_sum / images, "train_pixel_acc": 100.0 * right / scored,
                "lr": self.opt.param_groups[0]["lr"], "precision": "bfloat16" if self.bf16 else "float32"}

    def _held_out_miou(self, model, device):
        model.to(memory_format=torch.contiguous_format)
        conf = predict_confusions(model, self.test_set, self.classes, self.ignore, self.stride, desc="held-out",
                                  device=device)
        return mean_iou(conf)

    def after_epoch(self, epoch):
        cfg = self.cfg
        if not (world.is_main() and cfg.eval_every and (epoch + 1) % cfg.eval_every == 0 and epoch + 1 < cfg.epochs):
            return {}
        miou = self._held_out_miou(self.model, self.device)
        self.model.to(memory_format=self.memory_format)
        return {"held_out_miou": miou}

    def finish(self, history, train_seconds):
        model = data_parallel.unwrap(self.model).to("cpu", memory_format=torch.contiguous_format)
        info = dict(self.meta or {}, config=dataclasses.asdict(self.cfg), history=history, train_seconds=train_seconds,
                    epochs=self.cfg.epochs, held_out_miou=self._held_out_miou(model, "cpu"))
        return {"state_dict": cpu_state(model.state_dict()), "meta": info}, (model, dict(info, reused=False))
