"""Global structured pruning of the base ResNet to a thin network's widths: every generated block's inner channels
(``conv1``'s outputs; its BN and ``conv2``'s inputs follow) pruned at once by torch-pruning to
floor((1 - gamma) C + 0.5), in ``iterative_steps`` steps of ``MetaPruner``, with Figure 5's criteria
(``neumeta.baselines.pruning``); optionally followed by a short fine-tune of the whole network."""
import copy

import torch
import torch_pruning as tp

from neumeta.baselines.pruning import NEEDS_GRADIENTS, gradient_step, importance
from neumeta.experiments.whole.setting import block_widths


def _inner_widths(net, blocks):
    return {b: net.get_submodule(f"{b}.conv1").out_channels for b in blocks}


def prune_all_blocks(base, gamma, s, criterion, example_input, calibration=(), iterative_steps=5, seed=0):
    """A copy of ``base`` with every generated block of setting ``s`` at ``gamma``'s inner width; ``calibration``:
    (x, y) batches for the gradient criteria."""
    pruned = copy.deepcopy(base).eval()
    widths = block_widths(gamma, s)
    ratios = {pruned.get_submodule(f"{b}.conv1"): 1.0 - (w + 1e-6) / s.stage_width(b)
              for b, w in widths.items() if w < s.stage_width(b)}
    if not ratios:
        return pruned
    if criterion in NEEDS_GRADIENTS and not calibration:
        raise ValueError(f"criterion {criterion!r} needs calibration batches")
    imp = importance(criterion)
    torch.manual_seed(seed)  # the random criterion
    pruner = tp.pruner.MetaPruner(pruned, example_input, importance=imp, iterative_steps=iterative_steps,
                                  pruning_ratio_dict=ratios, pruning_ratio=0.0, ignored_layers=[pruned.fc])
    for _ in range(iterative_steps):
        gradient_step(criterion, imp, pruned, pruned, calibration, torch.nn.functional.cross_entropy, list(ratios))
        pruner.step()
    pruned.zero_grad(set_to_none=True)
    if _inner_widths(pruned, s.blocks) != widths:  # never report a point at widths other than the ones asked for
        raise RuntimeError(f"{criterion} pruning reached {_inner_widths(pruned, s.blocks)}, not {widths}")
    return pruned.eval()
