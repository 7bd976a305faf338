"""Each process's part of the global batches a one-process run would see.

The one-process trainers draw each epoch's order from a seeded ``DataLoader(shuffle=True, generator=g)``.
Here an index loader built the same way consumes ``g`` exactly as that loader does (same draws, same
points in the epoch), so the global batches, and every later draw from ``g`` (the INR's width and noise),
are those of the one-process run; each process then takes a contiguous part of every global batch.
"""
import torch
from torch.utils.data import DataLoader


class _Indices(torch.utils.data.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def global_batches(n, batch_size, generator):
    """Iterator over the index batches (lists) of one epoch, drawing from ``generator`` lazily and exactly as
    ``DataLoader(dataset_of_n, batch_size, shuffle=True, generator=generator)`` does."""
    loader = DataLoader(_Indices(n), batch_size=batch_size, shuffle=True, generator=generator,
                        collate_fn=list)
    return iter(loader)


def rank_part(batch, rank, world_size):
    """The contiguous part of ``batch`` for ``rank`` (sizes differ by at most one)."""
    n = len(batch)
    lo, hi = rank * n // world_size, (rank + 1) * n // world_size
    return batch[lo:hi]


def loss_scale(part_size, batch_size, world_size):
    """Factor on a process's mean loss so that DDP's average of gradients is the gradient of the global
    batch's mean loss when the parts are of unequal size (1 when they are equal)."""
    return part_size * world_size / batch_size
