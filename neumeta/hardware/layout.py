"""The memory layout a network runs fastest in for inference on a CPU."""
import copy

import torch


def channels_last_copy(net):
    """An eval-mode copy of ``net`` in the channels-last memory format: oneDNN's convolutions run faster on a CPU
    in it (``benchmarks/whole_eval.py``: the same predictions on CIFAR-10; ``benchmarks/segmentation_eval.py``: a
    handful of CamVid's 9.7 million test pixels change class). ``net`` itself is left as it is (pruning and
    fine-tuning read it after it is scored)."""
    return copy.deepcopy(net).eval().to(memory_format=torch.channels_last)
