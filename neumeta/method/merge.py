"""Deterministic merge rules: the paper's K-sample average as a quadrature.

Sample-and-merge averages the weights generated at one clean coordinate and K - 1 coordinates
whose two channel positions are shifted by independent U(-1/2, 1/2) noise (times the noise width).
Its expectation is   w(0) / K + (K - 1) / K * E_u[w(u)],   an integral over a unit square per
kernel. A tensor-product Gauss-Legendre grid of n x n nodes estimates that integral without any
random draw; the clean coordinate keeps its 1/K share, so the rule targets the same average as
the K-sample merge (for odd n the centre node *is* the clean coordinate and the two merge).
"""
import numpy as np
import torch


def gauss_legendre_rule(points_per_axis, clean_share=0.01):
    """``(offsets [P, 2], weights [P])`` on [-1/2, 1/2]^2: an n x n Gauss-Legendre grid carrying
    ``1 - clean_share`` of the weight plus the clean point (0, 0) carrying ``clean_share``
    (the paper's K-sample merge with K = 100 gives the clean draw 1/100)."""
    n = int(points_per_axis)
    if n < 1:
        raise ValueError(f"points_per_axis must be >= 1, got {points_per_axis}")
    if not 0.0 <= clean_share <= 1.0:
        raise ValueError(f"clean_share must be in [0, 1], got {clean_share}")
    x, w = np.polynomial.legendre.leggauss(n)  # nodes on [-1, 1], weights summing to 2
    x, w = x / 2, w / 2
    offsets = np.stack(np.meshgrid(x, x, indexing="ij"), -1).reshape(-1, 2)
    weights = np.outer(w, w).reshape(-1) * (1.0 - clean_share)
    centre = np.flatnonzero((np.abs(offsets) < 1e-12).all(1))
    if len(centre):  # odd n: the centre node is the clean coordinate
        weights[centre[0]] += clean_share
    elif clean_share > 0:
        offsets, weights = np.vstack([[0.0, 0.0], offsets]), np.concatenate([[clean_share], weights])
    return torch.tensor(offsets, dtype=torch.float32), torch.tensor(weights, dtype=torch.float32)


def merged_weights(inr, width, rule, noise, samples=100, generator=None, size_floor=None):
    """The generated tensors at ``width`` under ``rule``: ``"mc"`` (the paper's K = ``samples``
    Monte-Carlo merge, drawn from ``generator``) or ``("gauss-legendre", n)`` (n x n nodes, the
    clean point weighted 1 / ``samples``)."""
    if rule == "mc":
        return inr.weights(width, noise=noise if samples > 1 else 0.0, samples=samples, generator=generator,
                           size_floor=size_floor)
    kind, n = rule
    if kind != "gauss-legendre":
        raise ValueError(f"unknown merge rule {rule!r}; use 'mc' or ('gauss-legendre', n)")
    offsets, weights = gauss_legendre_rule(n, clean_share=1.0 / samples)
    return inr.weights_at(width, offsets, weights, noise=noise, size_floor=size_floor)
