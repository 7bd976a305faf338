"""BatchNorm over the global batch when one batch is split over processes.

On GPUs this is torch's ``SyncBatchNorm``. torch's runs on GPUs only, so on CPUs (gloo) ``CrossRankBatchNorm2d``
does the same in a few lines: per-channel sums and sums of squares all-reduced with autograd
(``torch.distributed.nn.functional.all_reduce``), so forward and backward are those of one BatchNorm over the
whole batch. Its parameters and buffers are BatchNorm2d's (same state-dict keys), and ``revert`` puts plain
BatchNorm2d layers back after training, so checkpoints are the same either way.
"""
import warnings

import torch
import torch.distributed as dist
import torch.nn as nn


# torch.distributed.nn.functional.all_reduce is deprecated in favour of _functional_collectives.all_reduce, which has no
# backward; the differentiable one is what a synchronised BatchNorm needs
warnings.filterwarnings("ignore", message=".*torch.distributed.nn.functional.all_reduce is deprecated.*")


class CrossRankBatchNorm2d(nn.BatchNorm2d):
    def forward(self, x):
        if not (self.training and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        from torch.distributed.nn.functional import all_reduce
        dtype, c = x.dtype, x.shape[1]
        x = x.double()  # float64: the sum-of-squares form cancels badly in float32 (forward and backward)
        count = torch.tensor([x.numel() / c], dtype=torch.float64)
        stats = all_reduce(torch.cat([x.sum((0, 2, 3)), x.square().sum((0, 2, 3)), count]))
        count = stats[2 * c]
        mean = stats[:c] / count
        var = (stats[c:2 * c] / count - mean.square()).clamp_min(0)
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked += 1
                m = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.mul_(1 - m).add_(m * mean.to(self.running_mean.dtype))
                self.running_var.mul_(1 - m).add_(m * (var * count / (count - 1)).to(self.running_var.dtype))
        shape = (1, c, 1, 1)
        y = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y.to(dtype)


def _replace(bn, cls):
    """A ``cls`` BatchNorm with ``bn``'s settings, weights, statistics, mode, device and dtype."""
    new = cls(bn.num_features, bn.eps, bn.momentum, bn.affine, bn.track_running_stats)
    like = next(bn.parameters(), bn.running_mean)
    new.to(device=like.device, dtype=like.dtype)
    new.load_state_dict(bn.state_dict())
    return new.train(bn.training)


def _swap(model, cls):
    for name, child in list(model.named_children()):
        if isinstance(child, nn.BatchNorm2d) and type(child) is not cls:
            setattr(model, name, _replace(child, cls))
        else:
            _swap(child, cls)
    return model


def convert(model, device):
    """BatchNorm layers of ``model`` synchronised over processes (in place; returns ``model``)."""
    if device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return _swap(model, CrossRankBatchNorm2d)


def revert(model):
    """Plain ``BatchNorm2d`` layers again (same weights and statistics)."""
    for name, child in list(model.named_children()):
        if isinstance(child, (nn.SyncBatchNorm, CrossRankBatchNorm2d)):
            setattr(model, name, _replace(child, nn.BatchNorm2d))
        else:
            revert(child)
    return model
