"""Export one width as a plain state dict of the *standard* (un-folded) model class.

The generated network is BN-folded (conv with bias). To load it into the ordinary class
(chenyaofo keys, BatchNorm after every conv) without ``neumeta``, each folded bias goes
into a BatchNorm that is the identity in eval mode: gamma 1, beta = bias, mean 0,
var 1 - eps (so sqrt(var + eps) = 1).

    python -m neumeta.method.export --profile cpu --arch resnet20 --width 24 --out resnet20-d24.pt
"""
import argparse
import os

import torch
import torch.nn as nn

from neumeta.store.atomic import atomic_write
from neumeta.models import build_model, check_width


def identity_bn_state(prefix, bias, eps):
    """State of a BatchNorm named ``prefix`` that is the identity plus ``bias`` in eval mode."""
    n = len(bias)
    return {f"{prefix}.weight": torch.ones(n), f"{prefix}.bias": bias, f"{prefix}.running_mean": torch.zeros(n),
            f"{prefix}.running_var": torch.full((n,), 1.0 - eps)}


def unfold_state_dict(folded_state, arch, width, num_classes=10):
    """Folded (conv + bias) state dict -> state dict of ``build_model(arch, num_classes, width)``."""
    model = build_model(arch, num_classes, check_width(width, "width"))
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


def export_width(inr, target, width, path, samples=100, noise=1.0, seed=0):
    """Generate ``width`` (K-sample merged), unfold, and save a plain state dict to ``path``."""
    with torch.no_grad():
        generated = inr.weights(width, noise=noise if samples > 1 else 0.0, samples=samples,
                                generator=torch.Generator().manual_seed(seed))
    folded = target.materialise(generated, width).state_dict()
    spec = target.spec
    state = unfold_state_dict(folded, spec.arch, width, spec.num_classes)
    with atomic_write(path, "wb") as f:
        torch.save(state, f)
    return state


def main(argv=None):
    from neumeta.method.experiment import SPECS, build_inr, inr_checkpoint_path, train_neumeta
    from neumeta.store.profiles import resolve_profile
    parser = argparse.ArgumentParser(description="Save NeuMeta's network at one width as a plain state dict.")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--arch", choices=["resnet20", "lenet"], default="resnet20")
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--samples", type=int, default=100, help="K noisy draws averaged (1 = clean)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:  # every check before any work: the profile, the width, K, the INR being there, the memory
        P = resolve_profile(args.profile)
        check_width(args.width, "--width")
        if args.samples < 1:
            raise ValueError(f"--samples must be >= 1, got {args.samples}")
    except ValueError as e:
        parser.error(str(e))
    dataset = {"resnet20": "cifar10", "lenet": "mnist"}[args.arch]
    inr_path = inr_checkpoint_path(args.arch, dataset, P)
    if not inr_path.exists():  # exporting reads an INR, it never trains one (FORCE or not)
        parser.error(f"no trained INR for {args.arch} in profile {P['profile']} ({inr_path.name}); train it first with "
                     f"`python -m neumeta.method.experiment {P['profile']} {args.arch}`")
    try:
        build_inr(SPECS[args.arch], P, args.arch).check_memory(args.width, args.samples)
    except MemoryError as e:
        parser.error(str(e))
    os.environ["NEUMETA_FORCE"] = "0"  # never retrain here
    inr, target, _ = train_neumeta(args.arch, dataset, P)  # reuses the stored INR
    export_width(inr, target, args.width, args.out, args.samples, P["inr_noise"], P["seed"])
    print(f"saved {args.arch} at width {args.width} to {args.out}: "
          f"load with build_model('{args.arch}', hidden_dim={args.width}).load_state_dict(torch.load(path, weights_only=True))")


if __name__ == "__main__":
    main()
