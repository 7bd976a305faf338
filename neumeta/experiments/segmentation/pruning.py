"""Structured pruning of the base U-Net's block ``encoder.layer3.1`` with torch-pruning: the output channels of
its ``conv1`` (``bn1`` and ``conv2``'s inputs follow) down to the width NeuMeta generates, in
``iterative_steps`` steps of ``MetaPruner``, by the criteria Figure 5 compares (``neumeta.baselines.pruning``);
the gradient criteria read the segmentation cross-entropy on training crops. Optionally a short fine-tune of the
whole pruned network with the training loss.
"""
import copy

import torch
import torch.nn.functional as F
import torch_pruning as tp
from torch.utils.data import DataLoader

from neumeta.baselines.pruning import NEEDS_GRADIENTS, gradient_step, importance
from neumeta.models.unet import block_width
from neumeta.progress import progress


def prune_block(base, width, criterion, example_input, calibration, ignore, iterative_steps=5, seed=0):
    """A pruned copy of ``base`` whose block has inner width ``width``; ``calibration``: (x, y) training batches
    for the gradient criteria (Taylor: summed batch gradients; Hessian: squared per-sample gradients)."""
    full = block_width(base)
    if not 1 <= width <= full:
        raise ValueError(f"cannot prune the U-Net's block to width {width}: it has width {full}")
    pruned = copy.deepcopy(base).eval()
    if width == full:
        return pruned
    if criterion in NEEDS_GRADIENTS and not calibration:
        raise ValueError(f"criterion {criterion!r} needs calibration batches")
    block = pruned.encoder.layer3[1]
    ratio = 1.0 - (width + 1e-6) / full  # int(C * (1 - ratio)) must land on the width asked for
    imp = importance(criterion)
    torch.manual_seed(seed)  # the random criterion
    pruner = tp.pruner.MetaPruner(pruned, example_input, importance=imp, iterative_steps=iterative_steps,
                                  pruning_ratio_dict={block.conv1: ratio}, pruning_ratio=0.0,
                                  ignored_layers=[pruned.segmentation_head])

    def loss(out, y):
        return F.cross_entropy(out, y, ignore_index=ignore)
    for _ in range(iterative_steps):
        gradient_step(criterion, imp, pruned, pruned, calibration, loss, [block.conv1])
        pruner.step()
    pruned.zero_grad(set_to_none=True)
    if block_width(pruned) != width:  # never report a point at a width other than the one asked for
        raise RuntimeError(f"{criterion} pruning reached width {block_width(pruned)}, not {width}")
    return pruned.eval()


def fine_tune(net, train, steps, lr, batch_size, seed, loss_fn, desc="fine-tune"):
    """The classifier baselines' fine-tune (``neumeta.baselines.pruning.fine_tune``) with a loss of the task's own:
    ``steps`` SGD steps (Nesterov, weight decay 5e-4) of the whole network on augmented training crops with
    ``loss_fn(logits, y)``, BatchNorm in training mode; returns ``net`` in eval mode."""
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # the crops and flips
    done = 0
    bar = progress(total=steps, desc=desc, leave=False)
    while done < steps:
        for x, y in DataLoader(train, batch_size=batch_size, shuffle=True, generator=generator):
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()
            done += 1
            bar.update(1)
            if done == steps:
                break
    bar.close()
    return net.eval()
