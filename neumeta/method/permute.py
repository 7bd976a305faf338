"""Channel permutation for intra-model smoothness (the paper's multi-objective SHP).

Coupled channels come from torch-pruning's dependency graph: one group = every
parameter slice that must move together along one channel axis (a conv's output rows,
the next conv's input columns, residual partners, BN entries). In each group the
channels are ordered by a shortest Hamiltonian path over their concatenated weights
(L1 distance), solved with LKH-3 (elkai) on explicitly integer-scaled distances plus a
dummy node that turns the closed tour into an open path. Reordering whole groups
leaves the network's function unchanged.

The solver's budget is a number of LKH runs, not seconds: LKH is seeded and never reads
the clock, so the order (and everything trained on it) does not depend on how fast or
busy the machine is. fast-tsp's ``find_tour`` stops on a wall-clock budget, so it is
used only for the greedy variant (``greedy_nearest_neighbor``, deterministic).
"""
import time
from dataclasses import dataclass, field

import elkai
import fast_tsp
import numpy as np
import torch
import torch.nn as nn
import torch_pruning as tp

VARIANTS = ("none", "random", "greedy", "per-tensor", "shp")
INT_SCALE = 65_535  # largest distance after scaling: fast-tsp 0.2 takes integers in [0, 65535] (D4)


@dataclass
class Slice:
    """One parameter (or BN buffer) and the axis along which a group permutes it."""
    name: str
    axis: int


@dataclass
class Group:
    size: int
    slices: list = field(default_factory=list)


def channel_groups(model, example_input):
    """Groups of coupled channels, excluding the classifier's outputs and any layer the model lists in
    ``fixed_order_outputs`` (a VAE's latent and pixels: their order is the interface to the prior and the image)."""
    model = model.eval()
    graph = tp.DependencyGraph().build_dependency(model, example_inputs=example_input)
    names = {m: n for n, m in model.named_modules()}
    last_linear = [m for m in model.modules() if isinstance(m, nn.Linear)][-1:]
    last_linear += [model.get_submodule(n) for n in getattr(model, "fixed_order_outputs", ())]
    groups = []
    for group in graph.get_all_groups(root_module_types=[nn.Conv2d, nn.ConvTranspose2d, nn.Linear]):
        slices, size, skip = [], len(group[0][1]), False
        for dep, _ in group:
            module = dep.target.module
            prefix = names.get(module)
            is_out = graph.is_out_channel_pruning_fn(dep.handler)
            is_in = graph.is_in_channel_pruning_fn(dep.handler)
            if prefix is None or not (is_out or is_in):
                continue
            if module in last_linear and is_out:
                skip = True
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                out_axis = 1 if isinstance(module, nn.ConvTranspose2d) else 0  # transposed: [in, out, k, k]
                if is_out:
                    slices.append(Slice(f"{prefix}.weight", out_axis))
                    if module.bias is not None:
                        slices.append(Slice(f"{prefix}.bias", 0))
                else:
                    slices.append(Slice(f"{prefix}.weight", 1 - out_axis))
            elif isinstance(module, nn.BatchNorm2d) and is_out:
                slices += [Slice(f"{prefix}.{p}", 0) for p in ("weight", "bias", "running_mean", "running_var")]
        # de-duplicate (a module can appear through several dependencies)
        unique = list({(s.name, s.axis): s for s in slices}.values())
        if not skip and unique:
            groups.append(Group(size, unique))
    return groups


def _features(state, group, first_only=False):
    """[C, F] matrix: each slice moved to axis 0 and flattened, concatenated (BN buffers excluded)."""
    blocks = []
    for s in group.slices:
        if "running_" in s.name:
            continue
        t = state[s.name].detach().double().movedim(s.axis, 0).reshape(group.size, -1)
        blocks.append(t)
        if first_only:
            break
    return torch.cat(blocks, dim=1)


def _integer_distances(features):
    dist = torch.cdist(features, features, p=1)
    scale = INT_SCALE / max(dist.max().item(), 1e-12)
    return np.rint(dist.numpy() * scale).astype(np.int64)


def check_runs(runs):
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"the path solver's budget must be a whole number of LKH runs >= 1, got {runs!r}")
    return runs


def _open_path(dist, solver, runs):
    """Shortest Hamiltonian path: TSP with a dummy city at distance 0 from all others.

    The path is read in the direction that starts at the lower channel index, so that two
    solvers that find the same path agree on its orientation too."""
    n = len(dist)
    padded = np.zeros((n + 1, n + 1), dtype=np.int64)
    padded[1:, 1:] = dist
    if solver == "tsp":
        tour = elkai.DistanceMatrix(padded.tolist()).solve_tsp(runs=check_runs(runs))[:-1]  # closed: last = first
    else:
        tour = fast_tsp.greedy_nearest_neighbor(padded)
    start = tour.index(0)
    path = [c - 1 for c in tour[start + 1:] + tour[:start]]
    return path if path[0] <= path[-1] else path[::-1]


def group_order(state, group, variant="shp", runs=10, generator=None):
    """New channel order (new[k] = old[order[k]]) for one group; ``runs``: LKH runs (iteration budget)."""
    if variant == "none" or group.size < 3:
        return list(range(group.size))
    if variant == "random":
        return torch.randperm(group.size, generator=generator).tolist()
    features = _features(state, group, first_only=(variant == "per-tensor"))
    solver = "greedy" if variant == "greedy" else "tsp"
    return _open_path(_integer_distances(features), solver, runs)


def permute_model(model, example_input, variant="shp", runs=10, seed=0):
    """Return ``(permuted_model_state_dict, report)``; ``report`` lists per-group sizes and solver time."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown permutation variant {variant!r}; choose one of {VARIANTS}")
    check_runs(runs)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    generator = torch.Generator().manual_seed(seed)
    report = []
    for group in channel_groups(model, example_input):
        t0 = time.perf_counter()
        order = torch.tensor(group_order(state, group, variant, runs, generator))
        report.append({"size": group.size, "tensors": len(group.slices), "seconds": time.perf_counter() - t0})
        for s in group.slices:
            state[s.name] = state[s.name].index_select(s.axis, _expanded(order, state[s.name].shape[s.axis]))
    return state, report


def _expanded(order, length):
    """``order`` over channels as an index over ``length`` entries: a linear layer after a flatten sees each
    channel as ``length / channels`` consecutive inputs, which move together."""
    per = length // len(order)
    return (order[:, None] * per + torch.arange(per)).flatten() if per > 1 else order


def total_variation(tensor):
    """Sum of |differences| between neighbouring channels along the out (and in) axis."""
    t = tensor.detach().double()
    tv = (t[1:] - t[:-1]).abs().sum()
    if t.ndim >= 2:
        tv = tv + (t[:, 1:] - t[:, :-1]).abs().sum()
    return tv.item()


def network_tv(state, names=None):
    """Per-tensor TV for the weights/biases in ``state`` (BN buffers excluded)."""
    names = names or [k for k, v in state.items() if v.is_floating_point() and "running_" not in k]
    return {k: total_variation(state[k]) for k in names}
