"""Linear centred kernel alignment (CKA, Kornblith et al. 2019) between two sets of features.

``x`` and ``y`` hold one row of features per image (any trailing shape; flattened), the same images in the
same order; K = X Xᵀ and L = Y Yᵀ are their linear Gram matrices. Two estimators of the same quantity:

- **biased** (``unbiased=False``): HSIC_0(K, L) / sqrt(HSIC_0(K, K) HSIC_0(L, L)), HSIC_0 = tr(KHLH) with the
  centring matrix H; what Kornblith et al. and the reference use. For few images and many features it is
  well above 0 even for unrelated features.
- **unbiased**: the same ratio of Song et al.'s unbiased HSIC_1 (the "debiased CKA" of Nguyen et al. 2021),
  near 0 for unrelated features.

``minibatch_cka`` is the reference's protocol: the biased estimate on each batch of consecutive images, one
value per batch (the reference averages them). Every HSIC here is written with one expensive term,
‖XᵀY‖²_F = tr(KL), computed in feature space or Gram space, whichever is cheaper for the shapes (10,000 images
of 4,096 features: feature space; batches of 128: Gram space), plus O(n·d) terms; all in float64, except the
cross term of ``CKAFeatures(x, fast=True)`` (float32 on centred features). ``CKAFeatures`` keeps a feature set's
own HSICs, so comparing one model with many computes them once.

ckatorch (PyPI, 1.0.3) implements the Gram form only: two n × n Gram matrices per pair, 1.6 GB for 10,000
images; its minibatch estimator pools unbiased HSIC_1 over batches, which is not the reference's per-batch
average. The tests check these lines against the direct float64 Gram formulas.
"""
import torch


class CKAFeatures:
    """One feature set (rows = images) and, once asked for, its HSIC with itself.

    ``fast=True``: the features are column-centred (in float64; both estimators are invariant to it) and the one
    expensive term, ‖X̄ᵀȲ‖²_F, is a float32 product summed in float64: about twice as fast on a CPU, and centred
    first it loses no accuracy to cancellation (``benchmarks/cka_precision.py`` measures both)."""

    def __init__(self, x, fast=False):
        x = torch.as_tensor(x)
        if x.ndim < 2 or len(x) < 2:
            raise ValueError(f"CKA needs features of at least two images, one row each, got shape {tuple(x.shape)}")
        self.x = x.reshape(len(x), -1).double()
        self.fast = fast
        if fast:
            self.x = self.x - self.x.mean(0)
            self.x32 = self.x.float()
        self._self = None

    def __len__(self):
        return len(self.x)

    def self_hsic(self):
        if self._self is None:
            self._self = hsic_of(self, self)
        return self._self


def hsic_of(fx, fy):
    """``_hsic`` of two ``CKAFeatures``, its cross term in float32 where both are ``fast``."""
    if fx.fast != fy.fast:
        raise ValueError("CKA compares two feature sets of one kind: both fast (centred, float32 cross) or neither")
    cross = (fx.x32.T @ fy.x32).double().square().sum() if fx.fast else None
    return _hsic(fx.x, fy.x, cross)


def _features(x, fast=False):
    return x if isinstance(x, CKAFeatures) else CKAFeatures(x, fast)


def _frobenius_cross(x, y):
    """‖XᵀY‖²_F = tr(X Xᵀ Y Yᵀ), in whichever space costs fewer multiplications."""
    n, dx, dy = len(x), x.shape[1], y.shape[1]
    if n * dx * dy <= n * n * (dx + dy):
        return (x.T @ y).square().sum()
    return ((x @ x.T) * (y @ y.T)).sum()


def _hsic(x, y, cross=None):
    """``(biased, unbiased)`` HSIC of x and y, each up to a factor that depends on n only (it cancels in CKA):
    n² HSIC_0 = ‖X̄ᵀȲ‖²_F (column-centred X̄, Ȳ) and n(n-3) HSIC_1 (Song et al. 2012, Gram diagonals zeroed);
    ``cross``: ‖XᵀY‖²_F where already computed."""
    n = len(x)
    cross = _frobenius_cross(x, y) if cross is None else cross
    sx, sy = x.sum(0), y.sum(0)
    k1, l1 = x @ sx, y @ sy                          # K 1, L 1
    biased = cross - 2.0 / n * (k1 @ l1) + (sx @ sx) * (sy @ sy) / n ** 2
    if n < 4:
        return biased, torch.tensor(float("nan"), dtype=torch.float64)
    kd, ld = x.square().sum(1), y.square().sum(1)    # diagonals of K and L
    k_row, l_row = k1 - kd, l1 - ld                  # K̃ 1, L̃ 1
    unbiased = (cross - kd @ ld + k_row.sum() * l_row.sum() / ((n - 1) * (n - 2))
                - 2.0 / (n - 2) * (k_row @ l_row))
    return biased, unbiased


def linear_cka(x, y, unbiased=False):
    """Linear CKA of two feature sets of the same images (tensors or ``CKAFeatures``); a float64 scalar."""
    return cka_estimates(x, y)["unbiased" if unbiased else "biased"]


def cka_estimates(x, y):
    """``{"biased": CKA, "unbiased": CKA}`` of two feature sets of the same images, from one pass over the pair
    (the unbiased one is NaN below 4 images)."""
    fx = _features(x, fast=isinstance(y, CKAFeatures) and y.fast)
    fy = _features(y, fast=fx.fast)
    if len(fx) != len(fy):
        raise ValueError(f"CKA compares features of the same images: got {len(fx)} and {len(fy)} rows")
    pair, sx, sy = fx.self_hsic() if fx is fy else hsic_of(fx, fy), fx.self_hsic(), fy.self_hsic()
    return {name: pair[k] / (sx[k] * sy[k]).sqrt() for k, name in enumerate(("biased", "unbiased"))}


def batch_grams(x, batch_size):
    """The centred linear Gram matrix H K H of each batch of ``batch_size`` consecutive rows, scaled to unit
    Frobenius norm (the last batch may be smaller, as a data loader's is; one of a single image is dropped).
    What ``minibatch_cka`` compares: computed once per model, shared by every pair it is in."""
    if batch_size < 2:
        raise ValueError(f"batch_size must be at least 2, got {batch_size}")
    x = _features(x).x
    grams = []
    for i in range(0, len(x) - 1, batch_size):
        b = x[i:i + batch_size]
        b = b - b.mean(0)  # H K H = (H X)(H X)ᵀ
        k = b @ b.T
        grams.append(k / torch.linalg.matrix_norm(k))
    return grams


def minibatch_cka(x, y, batch_size=None):
    """The reference's estimator: biased linear CKA of each batch of consecutive images; a float64 tensor
    with one value per batch. ``x``, ``y``: features with ``batch_size``, or ``batch_grams`` of each."""
    gx = x if isinstance(x, list) else batch_grams(x, batch_size)
    gy = y if isinstance(y, list) else batch_grams(y, batch_size)
    if [len(g) for g in gx] != [len(g) for g in gy]:
        raise ValueError("minibatch CKA compares features of the same images in the same batches")
    return torch.stack([(a * b).sum() for a, b in zip(gx, gy)])
