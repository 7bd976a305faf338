"""Export one width as a plain state dict of the *standard* (un-folded) model class.

The generated network is BN-folded (conv with bias). To load it into the ordinary class
(chenyaofo keys, BatchNorm after every conv) without ``neumeta``, each folded bias goes
into a BatchNorm that is the identity in eval mode: gamma 1, beta = bias, mean 0,
var 1 - eps (so sqrt(var + eps) = 1).

    python -m neumeta.experiments.inr.export --profile cpu --arch resnet20 --width 24 --out resnet20-d24.pt
"""
import torch
import torch.nn as nn

from neumeta.store.atomic import atomic_write
from neumeta.models import build_model


def identity_bn_state(prefix, bias, eps):
    """State of a BatchNorm named ``prefix`` that is the identity plus ``bias`` in eval mode."""
    n = len(bias)
    return {f"{prefix}.weight": torch.ones(n), f"{prefix}.bias": bias, f"{prefix}.running_mean": torch.zeros(n),
            f"{prefix}.running_var": torch.full((n,), 1.0 - eps)}


def unfold_state_dict(folded_state, arch, width, num_classes=10):
    """Folded (conv + bias) state dict -> state dict of ``build_model(arch, num_classes, width)``."""
    model = build_model(arch, num_classes, width)
    state = model.state_dict()
    prefixes = {m: n for n, m in model.named_modules()}
    for parent in model.modules():
        names = list(parent._modules)
        for a, b in zip(names, names[1:]):
            conv, bn = parent._modules[a], parent._modules[b]
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                c, n = prefixes[conv], prefixes[bn]
                state[f"{c}.weight"] = folded_state[f"{c}.weight"]
                state.update(identity_bn_state(n, folded_state[f"{c}.bias"], bn.eps))
    for key in state:  # everything that was not folded carries over unchanged
        if key in folded_state and not _is_folded_bn_key(key, state, folded_state):
            state[key] = folded_state[key]
    return {k: v.detach().clone().contiguous() for k, v in state.items()}


def _is_folded_bn_key(key, state, folded_state):
    return key.endswith(("running_mean", "running_var", "num_batches_tracked")) and key not in folded_state


def export_width(inr, target, width, path, arch, samples=100, noise=1.0, seed=0, num_classes=10):
    """Generate ``width`` (K-sample merged), unfold into ``arch``'s own state dict, and save it to ``path``."""
    with torch.no_grad():
        generated = inr.weights(width, noise=noise if samples > 1 else 0.0, samples=samples,
                                generator=torch.Generator().manual_seed(seed))
    folded = target.materialise(generated, width).state_dict()
    state = unfold_state_dict(folded, arch, width, num_classes)
    with atomic_write(path, "wb") as f:
        torch.save(state, f)
    return state
