"""Activations of named layers of a network on an evaluation set, by forward hooks on a full pass.

Figure 9 compares ResNet-20s at the output of the block whose width changes (``layer3.2``), and, beyond the
paper, at the logits (``fc``) and one block before (``layer3.1``). For NeuMeta every width's network is
materialised and run whole, so the layers in front of the generated block are *computed*, not assumed, to
be the same at every width (the shared-trunk check).
"""
import torch
from torch.utils.data import DataLoader

from neumeta.progress import progress

# Figure 9's layers of a CIFAR ResNet-20: the block before the resized one, the resized block, the logits
LAYERS = {"before block": "layer3.1", "block": "layer3.2", "logits": "fc"}


@torch.no_grad()
def layer_outputs(model, dataset, layers=LAYERS, batch_size=500, desc="features"):
    """``{name: float32 [n, features]}``: each named module's output (flattened per image) on ``dataset``,
    in dataset order. ``layers`` maps a name to a module path of ``model``."""
    modules = dict(model.named_modules())
    missing = [path for path in layers.values() if path not in modules]
    if missing:
        raise ValueError(f"{type(model).__name__} has no module(s) {missing}")
    outputs = {name: [] for name in layers}
    hooks = [modules[path].register_forward_hook(lambda m, i, out, name=name: outputs[name].append(out.flatten(1)))
             for name, path in layers.items()]
    was_training = model.training
    model.eval()
    try:
        for x, _ in progress(DataLoader(dataset, batch_size=batch_size), desc=desc, leave=False):
            model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return {name: torch.cat(chunks).float() for name, chunks in outputs.items()}
