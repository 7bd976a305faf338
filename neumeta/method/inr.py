"""The INR hypernetwork: model-space coordinates -> weight values.

One row per generated kernel (out index a, in index b) of each generated tensor.
Row features, all in [0, 1]:  ((a + 1/2) / S0, (b + 1/2) / S1, S0 / NORM, S1 / NORM)
- positions are cell-centred, so the grid of width 32 interleaves with that of 64
  instead of sampling its even points (the official left-aligned a/S0);
- the tensor is chosen *by key*: each tensor has its own residual-MLP head, and the
  coordinate noise below never touches routing (official defect D1).
Fourier features use bands 2^i * pi for i < num_freqs with num_freqs <= 12, so every
band still carries information in float32 (official defect D3: bands up to 2^31).
Outputs are divided by the tensor's clean fan-in (S1; S0 for a transposed convolution) where the
official code divides by a noisy S1 (D2), so a layer's pre-activation scale does not change with its width.
"""
import math

import torch
import torch.nn as nn

from neumeta.models import check_width

MAX_FREQS = 12  # 2^12 * pi * 1.0 ~ 1.3e4: float32 keeps phases to ~1e-3 rad
CHUNK_ROWS = 4096  # feature rows (samples x kernels) per head pass when generating


class FourierFeatures(nn.Module):
    def __init__(self, in_dim, num_freqs):
        super().__init__()
        if not 0 <= num_freqs <= MAX_FREQS:
            raise ValueError(f"num_freqs must be in 0..{MAX_FREQS} to stay meaningful in float32, got {num_freqs}")
        self.register_buffer("bands", (2.0 ** torch.arange(num_freqs)) * math.pi, persistent=False)
        self.out_dim = in_dim * (1 + 2 * num_freqs)

    def forward(self, f):
        phases = (f.unsqueeze(-1) * self.bands).flatten(-2)  # [..., in_dim * F]
        return torch.cat([f, torch.sin(phases), torch.cos(phases)], dim=-1)


class ResidualMLP(nn.Module):
    """in -> ReLU -> (num_layers - 1) scaled residual blocks -> linear out (the paper's head)."""

    def __init__(self, in_dim, hidden, out_dim, num_layers, residual_scale=0.1):
        super().__init__()
        self.inp = nn.Linear(in_dim, hidden)
        self.blocks = nn.ModuleList(nn.Linear(hidden, hidden) for _ in range(num_layers - 1))
        self.scales = nn.Parameter(torch.full((max(num_layers - 1, 1),), float(residual_scale)))
        self.out = nn.Linear(hidden, out_dim)

    def forward(self, x):
        h = torch.relu(self.inp(x))
        for k, block in enumerate(self.blocks):
            h = h + self.scales[k] * torch.relu(block(h))
        return self.out(h)


class NeuMetaINR(nn.Module):
    """One head per generated tensor; ``weights(width, ...)`` returns the tensors for that width."""

    def __init__(self, spec, hidden=256, num_layers=4, num_freqs=10, norm=None, residual_scale=0.1):
        super().__init__()
        self.spec = spec
        self.norm = float(norm or max(spec.full_width, spec.train_widths[1]))
        shapes = spec.shapes(spec.full_width)
        self.encoding = FourierFeatures(4, num_freqs)
        self.heads = nn.ModuleDict({
            _key(name): ResidualMLP(self.encoding.out_dim, hidden, _kernel_size(shape), num_layers, residual_scale)
            for name, shape in shapes.items()})
        self._coords = {}

    def coordinates(self, width, size_floor=None):
        """Per tensor: (raw [N, 4] = (a, b, S0, S1), shape) for every kernel row; cached per width.

        ``size_floor`` (not in the paper; an evaluation option): below that width, the *size* inputs
        are those of the same tensor at ``size_floor``, so a width under the training range asks the
        INR for the weight function it learned at the range's edge, sampled at the narrower width's
        positions (which stay in [0, 1]); outputs are still divided by the true fan-in.
        """
        shapes = self.spec.shapes(width)  # checks the width (through build_model)
        shown = width if size_floor is None else max(width, check_width(size_floor, "size_floor"))
        if (width, shown) not in self._coords:
            out, shown_shapes = {}, self.spec.shapes(shown)
            for name, shape in shapes.items():
                s0, s1 = shape[0], (shape[1] if len(shape) > 1 else 1)
                a, b = torch.meshgrid(torch.arange(s0), torch.arange(s1), indexing="ij")
                f0, f1 = shown_shapes[name][0], (shown_shapes[name][1] if len(shape) > 1 else 1)
                raw = torch.stack([a.flatten(), b.flatten(), torch.full((s0 * s1,), f0), torch.full((s0 * s1,), f1),
                                   torch.full((s0 * s1,), s0), torch.full((s0 * s1,), s1)], 1)
                out[name] = (raw.float(), shape)
            self._coords[width, shown] = out
        return self._coords[width, shown]

    def features(self, raw, noise=0.0, samples=1, generator=None, offsets=None):
        """[samples, N, 4] features; uniform noise of width ``noise`` on the two position indices only.
        ``raw`` rows are (a, b, S0, S1) or (a, b, size input S0, size input S1, S0, S1).
        ``offsets`` (broadcastable to [samples, N, 2], in units of ``noise``) replaces the random draw:
        the nodes of a deterministic merge rule."""
        raw = raw.to(self.encoding.bands.device).expand(samples, *raw.shape).clone()
        if offsets is not None:
            raw[..., :2] += noise * offsets.to(raw.device)
        elif noise > 0:
            # drawn on the CPU and moved: the same draws from the same (CPU) generator on any device
            u = torch.rand(raw.shape[:-1] + (2,), generator=generator).to(raw.device) - 0.5
            if samples > 1:
                u[0] = 0  # sample-and-merge: one clean draw plus K - 1 noisy ones, as in the paper
            raw[..., :2] += noise * u
        shown, (s0, s1) = raw[..., 2:4], (raw[..., -2:-1], raw[..., -1:])
        return torch.cat([(raw[..., 0:1] + 0.5) / s0, (raw[..., 1:2] + 0.5) / s1, shown / self.norm], -1)

    def head_output(self, name, features):
        """Raw head output (before the 1/S1 scaling) for feature rows of tensor ``name``."""
        return self.heads[_key(name)](self.encoding(features))

    def generation_bytes(self, width, samples=1):
        """Peak memory one ``weights(width, samples=K)`` call needs (one chunk of Fourier features and head
        activations plus the merged tensors, float32), estimated before anything is allocated."""
        hidden = next(iter(self.heads.values())).inp.out_features
        peak = 0
        for shape in self.spec.shapes(width).values():
            rows, out = shape[0] * (shape[1] if len(shape) > 1 else 1), _kernel_size(shape)
            chunk = rows if samples == 1 else min(rows, max(1, CHUNK_ROWS // samples))
            # one chunk's features and activations, plus every draw's outputs (merged after the last chunk)
            peak = max(peak, samples * (chunk * (2 * self.encoding.out_dim + 4 * hidden) + rows * (2 + 2 * out)) * 4)
        return peak

    def check_memory(self, width, samples=1):
        """One clear error, before any work, when generating ``width`` would not fit in free memory."""
        need, free = self.generation_bytes(width, samples), available_memory_bytes()
        if free is not None and need > free:
            raise WidthTooLargeError(f"width {width} with K = {samples} samples needs about {need / 2**30:.1f} GiB to "
                                     f"generate, {free / 2**30:.1f} GiB are free; use a smaller width or fewer samples")
        return need

    def weights(self, width, noise=0.0, samples=1, generator=None, average=True, size_floor=None):
        """Generated tensors at ``width``. With ``samples`` = K > 1 the K noisy draws are averaged
        (``average=False`` keeps the leading K axis): the paper's Monte-Carlo sample-and-merge.
        ``size_floor``: see ``coordinates``."""
        return self._generate(width, noise, samples, size_floor, generator=generator,
                              reduce="mean" if average else None)

    def weights_at(self, width, offsets, offset_weights, noise=1.0, size_floor=None):
        """Generated tensors at ``width`` as the weighted sum over the coordinate ``offsets`` [P, 2] (in units
        of ``noise``) with ``offset_weights`` [P] (summing to 1): a deterministic merge rule (``merge.py``)."""
        offsets = torch.as_tensor(offsets, dtype=torch.float32)
        return self._generate(width, noise, len(offsets), size_floor, offsets=offsets[:, None, :],
                              reduce=torch.as_tensor(offset_weights, dtype=torch.float32))

    def _generate(self, width, noise, samples, size_floor, generator=None, offsets=None, reduce="mean"):
        out = {}
        for name, (raw, shape) in self.coordinates(width, size_floor).items():
            f = self.features(raw, noise, samples, generator, offsets)  # [K, N, 4]
            fan = self.spec.fan_in(name, shape)
            # With K > 1, row chunks keep the K x rows hidden activations in cache: about 3x faster at K = 100
            # (benchmarks/) and, at that size, bitwise the numbers of one big batch. One draw stays one batch.
            step = f.shape[1] if samples == 1 else max(1, CHUNK_ROWS // samples)
            y = torch.cat([self.head_output(name, f[:, i:i + step]) for i in range(0, f.shape[1], step)], dim=1)
            out[name] = self._merge((y / fan).reshape(samples, *shape), reduce)
        return out

    @staticmethod
    def _merge(w, reduce):
        """[K, ...] generated draws -> their mean, their weighted sum (``reduce`` a [K] tensor), or unchanged."""
        if reduce is None:
            return w
        if isinstance(reduce, str):
            return w.mean(0)
        return torch.tensordot(reduce.to(w.device), w, dims=1)


class WidthTooLargeError(MemoryError):
    pass


def available_memory_bytes():
    """MemAvailable from /proc/meminfo (Linux), else None (no check)."""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _key(name):
    return name.replace(".", "/")  # ModuleDict keys cannot contain dots


def _kernel_size(shape):
    return int(math.prod(shape[2:])) if len(shape) > 2 else 1
