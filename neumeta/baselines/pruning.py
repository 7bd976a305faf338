"""Structured-pruning baselines (Figure 5), all through torch-pruning.

The protocol follows the method reference (section 12.2): start from the base model, prune only
the part NeuMeta resizes to the same width d, in ``iterative_steps`` steps of torch-pruning's
``MetaPruner``, importance with ``group_reduction="first"``, the classifier ignored, evaluate
without fine-tuning. What is pruned per architecture:
- ResNet-20: the output channels of ``layer3.2.conv1`` (its BN and ``conv2``'s inputs follow):
  the inner width d of the last block, exactly the width NeuMeta generates;
- LeNet: every conv layer by the same ratio 1 - h/32 (conv_1 -> h, conv_2 -> 2h, conv_3 -> 4h),
  the same family of widths as NeuMeta's LeNet (the official script's uniform ratio).
- VAEs (image generation): the decoder's hidden layer (MNIST ``fc5``; CelebA ``decoder.6`` -> h and
  ``decoder.3`` -> 2h), the layers NeuMeta generates; gradients of the negative ELBO feed Taylor/Hessian.
The pruned network's state dict loads into ``build_model(arch, width=d)``.
"""
import copy

import torch
import torch.nn.functional as F
import torch_pruning as tp

from neumeta.evaluation.trunk import BlockAndHead
from neumeta.hardware.machine import one_torch_thread
from neumeta.models import check_width

CRITERIA = ("random", "l1", "l2", "taylor", "hessian", "lamp", "fpgm")
NEEDS_GRADIENTS = ("taylor", "hessian")


class HessianImportance(tp.importance.HessianImportance):
    """torch-pruning's Hessian (OBD) criterion with the documented estimator: the *mean* of the squared
    per-sample gradients. Its own ``accumulate_grad`` (1.6.1) looks parameter *names* up in dicts keyed by
    the parameters, so every call overwrites the sum and only the last sample counted."""

    def add_samples(self, model, per_sample):
        """Add squared per-sample gradients (``{name: [B, *shape]}``) of ``model``'s parameters."""
        for name, p in model.named_parameters():
            if name in per_sample:
                g = per_sample[name]
                self._accu_grad[p] = self._accu_grad.get(p, 0) + g.pow(2).sum(0)
                self._counter[p] = self._counter.get(p, 0) + len(g)
                if p.grad is None:  # torch-pruning writes the mean into p.grad when it scores
                    p.grad = torch.zeros_like(p)


def per_sample_gradients(forward, model, x, y, loss_fn=None, only=None):
    """``{name: [B, *shape]}``: the gradient of ``loss_fn(output, target)`` (default cross-entropy) for each
    sample of the batch on its own, for every parameter of ``model`` that ``forward`` uses, in one vectorised
    pass (``torch.func``), not B backwards. Random draws inside ``forward`` (a VAE's) differ per sample.
    ``only``: the parameters (tensors) to differentiate, default all."""
    from torch.func import functional_call, grad, vmap
    prefix = "net." if isinstance(forward, BlockAndHead) else ""
    wanted = None if only is None else {id(p) for p in only}
    params = {prefix + k: v.detach() for k, v in model.named_parameters() if wanted is None or id(v) in wanted}
    loss_fn = loss_fn or F.cross_entropy

    def loss(p, xi, yi):
        return loss_fn(functional_call(forward, p, (xi[None],)), yi[None])

    grads = vmap(grad(loss), in_dims=(None, 0, 0), randomness="different")(params, x, y)
    return {k[len(prefix):]: g for k, g in grads.items()}


def importance(criterion):
    """The torch-pruning importance for ``criterion`` (paper: random, L1, L2, Taylor, Hessian)."""
    makers = {
        "random": lambda: tp.importance.RandomImportance(),
        "l1": lambda: tp.importance.MagnitudeImportance(p=1, group_reduction="first"),
        "l2": lambda: tp.importance.MagnitudeImportance(p=2, group_reduction="first"),
        "taylor": lambda: tp.importance.TaylorImportance(group_reduction="first"),
        "hessian": lambda: HessianImportance(group_reduction="first"),
        "lamp": lambda: tp.importance.LAMPImportance(p=2, group_reduction="first"),
        "fpgm": lambda: tp.importance.FPGMImportance(p=2, group_reduction="first"),
    }
    if criterion not in makers:
        raise ValueError(f"unknown pruning criterion {criterion!r}; choose one of {list(makers)}")
    return makers[criterion]()


def _layers(model, arch):
    """(modules pruned, layers never pruned) for ``arch``."""
    if arch == "resnet20":
        return [model.layer3[2].conv1], [model.fc]
    if arch == "lenet":
        return [model.conv_1, model.conv_2, model.conv_3], [model.linear]
    if arch == "resnet18":  # ImageNet: the inner width of layer3.1, as the reference
        return [model.layer3[1].conv1], [model.fc]
    if arch == "vae-mnist":  # the decoder's hidden layer fc5 (fc6's inputs follow), as the reference
        return [model.fc5], [model.fc6]
    if arch == "vae-celeba":  # decoder.6 -> h and decoder.3 -> 2h (reference: both), the output layer kept
        return [model.decoder[6], model.decoder[3]], [model.decoder[9]]
    raise ValueError(f"no pruning protocol for {arch!r}; choose resnet20, lenet, resnet18, vae-mnist or vae-celeba")


def _graph_root(model, example_inputs):
    """(module torch-pruning traces, its example input): a VAE's decoder layers (``decoder_graph``), else the
    model. Tracing only the decoder keeps torch-pruning from index-mapping the flattens between the encoder's
    convolutions and its linear layers, which costs it ~10 s per call on the CelebA VAE; pruning the decoder
    never touches them."""
    if hasattr(model, "decoder_graph"):
        return model.decoder_graph()
    return model, example_inputs


def _width_of(layer):
    return layer.out_features if isinstance(layer, torch.nn.Linear) else layer.out_channels


def full_width(model, arch):
    return _width_of(_layers(model, arch)[0][0])


def prune_to_width(model, arch, width, criterion, example_inputs, calibration=(), iterative_steps=5, seed=0,
                   calibration_from_trunk=False, loss_fn=None):
    """A pruned copy of ``model`` whose resized part has width ``width``.

    ``calibration`` is an iterable of (x, y) batches for the gradient-based criteria (Taylor:
    summed batch gradients; Hessian: squared per-sample gradients, torch-pruning's estimator).
    With ``calibration_from_trunk`` the x are the trunk's activations (``trunk_batches``): pruning
    leaves the trunk alone and the criteria read gradients of the pruned block only, so the
    backward passes start at the block. ``loss_fn(output, y)``: what the gradients are of (default
    cross-entropy; a VAE's negative ELBO with y the images). The input model is left untouched.
    """
    loss_fn = loss_fn or F.cross_entropy
    width = check_width(width, "width")
    full = full_width(model, arch)
    if width > full:
        raise ValueError(f"cannot prune {arch} to width {width}: the base model has width {full}")
    pruned = copy.deepcopy(model).eval()  # one copy per pruned network, never per sample
    if width == full:
        return pruned
    targets, ignored = _layers(pruned, arch)
    # int(C * (1 - ratio)) must land on the requested count, so keep a hair of room above it
    ratio = 1.0 - (width + 1e-6) / full
    imp = importance(criterion)
    torch.manual_seed(seed)  # the random criterion
    graph_root, example_inputs = _graph_root(pruned, example_inputs)
    pruner = tp.pruner.MetaPruner(graph_root, example_inputs, importance=imp, iterative_steps=iterative_steps,
                                  pruning_ratio_dict={m: ratio for m in targets}, pruning_ratio=0.0,
                                  ignored_layers=ignored)
    batches = list(calibration) if criterion in NEEDS_GRADIENTS else []
    forward = BlockAndHead(pruned) if calibration_from_trunk else pruned
    if criterion in NEEDS_GRADIENTS and not batches:
        raise ValueError(f"criterion {criterion!r} needs calibration batches")
    for _ in range(iterative_steps):
        gradient_step(criterion, imp, pruned, forward, batches, loss_fn, targets)
        pruner.step()
    pruned.zero_grad(set_to_none=True)
    got = _width_of(_layers(pruned, arch)[0][0])
    if got != width:  # never report a point at a width other than the one asked for
        raise RuntimeError(f"{criterion} pruning reached width {got}, not {width}")
    return pruned.eval()


def gradient_step(criterion, imp, model, forward, batches, loss_fn, pruned_layers):
    """Before one pruning step, the gradients the criterion ``imp`` reads over ``batches`` (none for the others):
    Taylor the summed batch gradients, Hessian the squared per-sample ones. Both reduce a group's scores by its first
    member (``group_reduction="first"``), the pruned layer's own weight, so only ``pruned_layers``' weights are
    differentiated: backward passes stop at the first of them and skip every other weight's gradient (the same
    scores, at a fraction of the work on a deep network)."""
    weights = [layer.weight for layer in pruned_layers]
    if criterion == "taylor":
        # zeros, not None: torch-pruning scores every group, also those whose layers get no gradient
        for p in model.parameters():
            p.grad = torch.zeros_like(p)
        for x, y in batches:
            loss_fn(forward(x), y).backward(inputs=weights)
    elif criterion == "hessian":
        imp.zero_grad()
        for x, y in batches:
            imp.add_samples(model, per_sample_gradients(forward, model, x, y, loss_fn, only=weights))


def calibration_batches(train, batches, batch_size, seed):
    """The first ``batches`` shuffled training batches (seeded): what gradient criteria see before each step."""
    from torch.utils.data import DataLoader
    loader = DataLoader(train, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))
    out = []
    for x, y in loader:
        out.append((x, y))
        if len(out) == batches:
            break
    return out


@torch.no_grad()
def trunk_batches(model, batches):
    """``batches`` of (images, labels) as (trunk activations, labels), for ``calibration_from_trunk``."""
    model.eval()
    return [(model.trunk(x), y) for x, y in batches]


@one_torch_thread
def fine_tune(model, train, steps, lr, batch_size, seed):
    """The practitioner's labelled variant: ``steps`` SGD steps on augmented training images, BN in train
    mode. ``batch_size`` should be a training-size batch: batches of 16 wreck the BN running statistics."""
    import torch.nn.functional as F
    from torch.utils.data import DataLoader
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loader = DataLoader(train, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))
    done = 0
    while done < steps:
        for x, y in loader:
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), y).backward()
            opt.step()
            done += 1
            if done == steps:
                break
    return model.eval()
