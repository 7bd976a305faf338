"""The path solvers of channel permutation for intra-model smoothness (the paper's multi-objective SHP).

Each set of coupled channels (``neumeta.method.channels``, which permutes a network) is ordered by a shortest
Hamiltonian path over the channels' concatenated weights (L1 distance), solved with LKH-3 (elkai) on explicitly
integer-scaled distances plus a dummy node that turns the closed tour into an open path. Reordering whole sets
leaves the network's function unchanged. Total variation measures the smoothness it buys.

The solver's budget is a number of LKH runs, not seconds: LKH is seeded and never reads
the clock, so the order (and everything trained on it) does not depend on how fast or
busy the machine is. fast-tsp's ``find_tour`` stops on a wall-clock budget, so it is
used only for the greedy variant (``greedy_nearest_neighbor``, deterministic).
"""
import elkai
import fast_tsp
import numpy as np
import torch

VARIANTS = ("none", "random", "greedy", "per-tensor", "shp")
INT_SCALE = 65_535  # largest distance after scaling: fast-tsp 0.2 takes integers in [0, 65535] (D4)


def integer_distances(features):
    dist = torch.cdist(features, features, p=1)
    scale = INT_SCALE / max(dist.max().item(), 1e-12)
    return np.rint(dist.numpy() * scale).astype(np.int64)


def check_runs(runs):
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise ValueError(f"the path solver's budget must be a whole number of LKH runs >= 1, got {runs!r}")
    return runs


def open_path(dist, solver, runs):
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


def expanded(order, length):
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
