"""Activations of named layers of a network on an evaluation set, by forward hooks on a full pass.

Figure 9 compares ResNet-20s at the output of the block whose width changes (``layer3.2``), and, beyond the
paper, at the logits (``fc``) and one block before (``layer3.1``). NeuMeta's widths share everything in front of
the generated block: ``shared_trunk_outputs`` runs it once, checks that every width's network has that trunk, and
runs each whole materialised network on a subset to check that its outputs are bitwise the shared path's.
"""
import torch
from torch.utils.data import DataLoader, TensorDataset

from neumeta.evaluation.trunk import TrunkFeatures
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


@torch.no_grad()
def shared_trunk_outputs(family, dataset, check_images=500, batch_size=500, desc="features"):
    """``{width: {name: float32 [n, features]}}``, as ``layer_outputs`` gives each, for networks that share one trunk
    (NeuMeta's widths: everything in front of the generated block is the base model's). The trunk runs once
    (``TrunkFeatures``: every network's trunk parameters and buffers must equal it); per width only the block
    and the head run, in the same batches as a whole pass. Each width's whole materialised network also runs on
    the first ``check_images`` images and must give bitwise the same outputs at every layer, or this raises."""
    if set(LAYERS.values()) != {"layer3.1", "layer3.2", "fc"}:
        raise ValueError(f"the shared trunk serves layer3.1 (its output), layer3.2 and fc, not {LAYERS}")
    widths = sorted(family, reverse=True)
    trunk = TrunkFeatures(family[widths[0]], dataset, batch_size, desc=f"{desc} trunk")
    first = TensorDataset(*(t[:check_images] for t in dataset.tensors))
    names = {path: name for name, path in LAYERS.items()}
    out = {}
    for d in progress(widths, desc=desc):
        net = family[d].eval()
        trunk.check(net)
        blocks = [net.varying_block()(trunk.features[i:i + batch_size]) for i in range(0, len(trunk), batch_size)]
        out[d] = {names["layer3.1"]: trunk.features.flatten(1).float(),
                  names["layer3.2"]: torch.cat([b.flatten(1) for b in blocks]).float(),
                  names["fc"]: torch.cat([net.head(b) for b in blocks]).float()}
        whole = layer_outputs(net, first, batch_size=batch_size, desc=f"{desc} d={d} check")
        if not all(torch.equal(whole[name], out[d][name][:len(first)]) for name in LAYERS):
            raise RuntimeError(f"{desc} d={d}: the whole network's outputs differ from the shared trunk's on the "
                               f"first {len(first)} images")
    return out
