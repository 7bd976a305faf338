"""Accuracy, parameter and FLOP counts."""
import torch
from torch.utils.data import DataLoader
from torch.utils.flop_counter import FlopCounterMode

from neumeta.progress import progress


@torch.no_grad()
def evaluate_accuracy(model, dataset, batch_size=500, desc="eval", device="cpu"):
    """Top-1 accuracy in percent (float32, eval mode); ``model`` may be any callable on a batch."""
    if isinstance(model, torch.nn.Module):
        model.eval()
    correct = total = 0
    for x, y in progress(DataLoader(dataset, batch_size=batch_size), desc=desc, leave=False):
        correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        total += len(y)
    return 100.0 * correct / total


@torch.no_grad()
def predict(model, dataset, batch_size=500, desc="predict", device="cpu"):
    """``(predicted classes, labels)`` as int tensors over ``dataset``: what paired comparisons need."""
    if isinstance(model, torch.nn.Module):
        model.eval()
    preds, labels = [], []
    for x, y in progress(DataLoader(dataset, batch_size=batch_size), desc=desc, leave=False):
        preds.append(model(x.to(device)).argmax(1).cpu())
        labels.append(y)
    return torch.cat(preds), torch.cat(labels)


def accuracy_of(preds, labels):
    return 100.0 * (preds == labels).float().mean().item()


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def count_flops(model, input_shape):
    """Forward FLOPs for one input (FLOPs = 2 x multiply-accumulates), via torch's own counter."""
    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, *input_shape))
    return counter.get_total_flops()
