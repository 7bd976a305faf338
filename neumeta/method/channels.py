"""Coupled channels of any convolutional network, grouped and depthwise convolutions included, and permuting them.

torch-pruning's dependency graph gives each set of channels that must move together (a layer's outputs, the
inputs of every layer that reads them, residual partners). Each set becomes a ``Channels``: its size and every
(parameter, axis) that indexes it. Two kinds of convolution need care:
- depthwise (groups = channels): one channel in, one out; its weight moves with its output channels only, and its
  group count follows the width;
- grouped (1 < groups < channels, as in ResNeXt): each group reads only its own slice of the input, so a
  permutation must keep channels inside their group and move whole groups together, the same way on the input
  side and the output side; the weight's input axis counts positions *within* a group.
A layer whose channels cannot be permuted or resized this way (LayerNorm, attention, a channel shuffle) is one
clear error naming it, before any work. Channels that pass through a concatenation, a split or a slice (a U-Net's
skip connections) keep their order and width: they are marked ``unsupported`` and left alone, and only a block
that would resize them is an error (``neumeta.api.structure``).
"""
import time
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch_pruning as tp

from neumeta.method.permute import VARIANTS, expanded, integer_distances, open_path, check_runs

RESIZABLE = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


class UnsupportedLayerError(ValueError):
    """A layer whose channels the method cannot permute or resize."""


@dataclass(frozen=True)
class Axis:
    name: str  # parameter or buffer
    axis: int
    per: int = 1  # entries per channel (a linear layer after a flatten reads several per channel)
    within_groups: bool = False  # a grouped convolution's input axis: positions inside one group


@dataclass(frozen=True)
class Channels:
    size: int
    axes: tuple
    layers: tuple  # ((layer name, True for its outputs / False for its inputs), ...)
    conv_groups: int = 1  # the group count of the grouped convolution these channels enter or leave
    grouped_conv: str = ""  # that convolution's name
    fixed: bool = False  # a network output (classes, a VAE's latent or pixels): its order is the interface
    root: str = ""  # the first layer, in the model's order, whose outputs these channels are
    unsupported: str = ""  # the operation (a concatenation, a split, ...) that ties them: they stay as they are


def _is_depthwise(m):
    return isinstance(m, nn.Conv2d) and m.groups > 1 and m.groups == m.in_channels == m.out_channels


def _layer_axes(module, name, is_out, size):
    """The ``Axis`` entries of one layer in a set of ``size`` channels."""
    if isinstance(module, nn.ConvTranspose2d) and module.groups > 1:
        raise UnsupportedLayerError(f"layer {name!r} is a grouped transposed convolution, which is not supported")
    if isinstance(module, nn.BatchNorm2d):
        return [Axis(f"{name}.{p}", 0) for p in ("weight", "bias", "running_mean", "running_var")] if is_out else []
    if not isinstance(module, RESIZABLE):
        raise UnsupportedLayerError(
            f"layer {name!r} ({type(module).__name__}) mixes or normalises channels in a way the method cannot "
            "permute or resize (only convolutions, linear layers and BatchNorm can); leave it out of the network "
            "given to neumeta, or out of the blocks")
    out_axis = 1 if isinstance(module, nn.ConvTranspose2d) else 0  # transposed: [in, out, k, k]
    if is_out:
        return [Axis(f"{name}.weight", out_axis)] + ([Axis(f"{name}.bias", 0)] if module.bias is not None else [])
    if _is_depthwise(module):
        return []  # its weight moves with its outputs
    if getattr(module, "groups", 1) > 1:
        return [Axis(f"{name}.weight", 1, within_groups=True)]
    return [Axis(f"{name}.weight", 1 - out_axis, per=module.weight.shape[1 - out_axis] // size)]


def _grouped_conv_of(layers):
    """``(groups, name)`` of the grouped (not depthwise) convolution a set of channels enters or leaves."""
    found = {(m.groups, n) for m, n, _ in layers if getattr(m, "groups", 1) > 1 and not _is_depthwise(m)}
    if len(found) > 1:
        raise UnsupportedLayerError(f"channels shared by the grouped convolutions {sorted(n for _, n in found)} "
                                    "would need two group orders at once; this is not supported")
    return next(iter(found), (1, ""))


UNSUPPORTED_OPS = {tp.ops.OPTYPE.CONCAT: "a concatenation", tp.ops.OPTYPE.SPLIT: "a split",
                   tp.ops.OPTYPE.UNBIND: "an unbind", tp.ops.OPTYPE.SLICE: "a slice across channels",
                   tp.ops.OPTYPE.PARAMETER: "a bare nn.Parameter (a layer scale)"}


def _unsupported_op(group):
    """The operation, if any, that joins, cuts or scales these channels outside any layer the method knows."""
    return next((UNSUPPORTED_OPS[d.target.type] for d, _ in group if d.target.type in UNSUPPORTED_OPS), "")


def _is_output(group, layers, fixed_layers):
    """An output of the network (no layer reads it, or it is returned, or the model lists it as fixed)."""
    returned = any(dep.target.type == tp.ops.OPTYPE.OUTPUT for dep, _ in group)
    read = any(not is_out for _, _, is_out in layers)
    return returned or not read or any(is_out and m in fixed_layers for m, _, is_out in layers)


def find_channels(model, example_input):
    """Every set of coupled channels of ``model`` (eval mode), in the dependency graph's order."""
    model = model.eval()
    with torch.enable_grad():  # torch-pruning traces the graph through autograd, even when called under no_grad
        graph = tp.DependencyGraph().build_dependency(model, example_inputs=example_input)
    names = {m: n for n, m in model.named_modules()}
    fixed_layers = [model.get_submodule(n) for n in getattr(model, "fixed_order_outputs", ())]
    order = {n: i for i, n in enumerate(names.values())}
    found = []
    for group in graph.get_all_groups(root_module_types=list(RESIZABLE)):
        size, layers = len(group[0][1]), []
        for dep, _ in group:
            module = dep.target.module
            is_out, is_in = graph.is_out_channel_pruning_fn(dep.handler), graph.is_in_channel_pruning_fn(dep.handler)
            if module in names and (is_out or is_in) and (module, names[module], is_out) not in layers:
                layers.append((module, names[module], is_out))
        if not any(is_out for _, _, is_out in layers):
            continue
        root = min((n for _, n, is_out in layers if is_out), key=order.__getitem__)
        what = _unsupported_op(group)
        if what:  # kept in order and width: its index mapping through the operation is not one the method moves
            found.append(Channels(size, (), tuple((n, is_out) for _, n, is_out in layers), fixed=True, root=root,
                                  unsupported=what))
            continue
        axes = tuple(dict.fromkeys(a for m, n, is_out in layers for a in _layer_axes(m, n, is_out, size)))
        groups, conv = _grouped_conv_of(layers)
        # a linear layer's outputs reshaped into fewer, larger channels (a decoder's first layer): a reader sees
        # less than one entry per output, so these outputs keep their order (and their width)
        unflattened = any(a.per == 0 for a in axes)
        found.append(Channels(size, axes, tuple((n, is_out) for _, n, is_out in layers), groups, conv,
                              _is_output(group, layers, fixed_layers) or unflattened, root))
    return found  # in torch-pruning's order, which the random variant's draws follow


def _features(state, channels, first_only=False):
    """[C, F]: every tensor's entries of each channel (BN statistics excluded)."""
    blocks = []
    for a in channels.axes:
        if "running_" in a.name:
            continue
        t = state[a.name].detach().double()
        if a.within_groups:  # [rows, C/g, ...] -> channel (group j, position i): the rows of group j at position i
            g = channels.conv_groups
            t = t.reshape(g, t.shape[0] // g, t.shape[1], -1).movedim(2, 1)
        else:
            t = t.movedim(a.axis, 0)
        blocks.append(t.reshape(channels.size, -1))
        if first_only:
            break
    return torch.cat(blocks, dim=1)


def order_of(features, variant, runs, generator):
    """An order of the rows of ``features`` (new[k] = old[order[k]]) by ``variant``."""
    n = len(features)
    if variant == "none" or n < 3:
        return torch.arange(n)
    if variant == "random":
        return torch.randperm(n, generator=generator)
    return torch.tensor(open_path(integer_distances(features), "greedy" if variant == "greedy" else "tsp", runs))


def channel_orders(state, found, variant="shp", runs=10, seed=0):
    """``{index: (order over channels, order within a conv group or None)}`` for every set that is not fixed.
    Sets joined by one grouped convolution share their order of whole groups."""
    generator = torch.Generator().manual_seed(seed)
    group_level = {}
    for conv in dict.fromkeys(c.grouped_conv for c in found if c.grouped_conv):
        members = [i for i, c in enumerate(found) if c.grouped_conv == conv]
        g = found[members[0]].conv_groups
        reads = any(a.within_groups for i in members for a in found[i].axes)
        writes = any(n == conv and is_out for i in members for n, is_out in found[i].layers)
        if not (reads and writes) or any(found[i].fixed for i in members):
            level = torch.arange(g)  # its input is the network's or its output is fixed: whole groups stay
        else:
            feats = torch.cat([_features(state, found[i], variant == "per-tensor").reshape(g, -1) for i in members], 1)
            level = order_of(feats, variant, runs, generator)
        for i in members:
            group_level[i] = level  # one order of whole groups on both sides of the convolution
    orders = {}
    for i, c in enumerate(found):
        if c.fixed:
            continue
        feats = _features(state, c, variant == "per-tensor")
        if c.conv_groups == 1:
            orders[i] = (order_of(feats, variant, runs, generator), None)
            continue
        g, n = c.conv_groups, c.size // c.conv_groups
        within = order_of(feats.reshape(g, n, -1).movedim(1, 0).reshape(n, -1), variant, runs, generator)
        orders[i] = ((group_level[i][:, None] * n + within[None, :]).flatten(), within)
    return orders


def apply_orders(state, found, orders):
    """``state`` with every set of channels moved to its order (a new dict; the function is unchanged)."""
    state = dict(state)
    for i, (order, within) in orders.items():
        for a in found[i].axes:
            t = state[a.name]
            index = within if a.within_groups else expanded(order, t.shape[a.axis])
            state[a.name] = t.index_select(a.axis, index)
    return state


def permute_network(model, example_input, variant="shp", runs=10, seed=0):
    """``(permuted state dict, report)`` for any network ``find_channels`` can read. The permuted network is
    run once on ``example_input`` in float64 against the original: a layer that mixes channels where the
    dependency graph cannot see it (a channel shuffle) changes the output, and that is an error, not a result."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown permutation variant {variant!r}; choose one of {VARIANTS}")
    check_runs(runs)
    t0 = time.perf_counter()
    found = find_channels(model, example_input)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    state = apply_orders(state, found, channel_orders(state, found, variant, runs, seed))
    change = function_change(model, state, example_input)
    if change > 1e-9:
        raise UnsupportedLayerError(f"permuting the channels changed the network's output by {change:.2g}: it "
                                    "mixes channels where the dependency graph cannot see it (a channel shuffle, a "
                                    "reshape across channels); such a network cannot be permuted")
    return state, {"sets": len(found), "permuted": sum(not c.fixed for c in found),
                   "seconds": time.perf_counter() - t0, "function_change": change}


@torch.no_grad()
def function_change(model, state, example_input, other=None):
    """max |output of ``model`` with ``state`` (or of the network ``other`` with ``state``) - ``model``'s output as
    it is|, relative to the output's scale, in float64 on random inputs shaped like ``example_input``."""
    import copy
    original = copy.deepcopy(model).double().eval()
    permuted = copy.deepcopy(other if other is not None else model).double().eval()
    permuted.load_state_dict(state)
    x = example_input.double()
    if x.is_floating_point():  # random values: an all-zero example would hide a shuffle behind the biases
        x = torch.randn(x.shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    outputs = []
    for net in (original, permuted):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # a network that draws noise in its forward pass (a VAE) draws the same twice
            outputs.append(_first_tensor(net(x)))
    a, b = outputs
    return ((a - b).abs().max() / a.abs().max().clamp_min(1e-12)).item()


def _first_tensor(output):
    return output if torch.is_tensor(output) else next(t for t in output if torch.is_tensor(t))
