"""Shared-trunk evaluation: run what every width shares once, then only the block that changes.

In every width sweep of a CIFAR ResNet (NeuMeta's generated block, Slimmable, INN, structured
pruning of the block) only the last block of ``layer3`` changes with the width; the layers in front
of it compute the same activations at every width. ``TrunkFeatures`` computes them once per model
and evaluation set, then serves any network whose trunk is *that* trunk: before each use it checks
that the network's trunk parameters and buffers equal the ones the activations came from, so a
fine-tuned or otherwise changed network raises instead of being scored on stale activations.
"""
import torch
from torch.func import functional_call
from torch.utils.data import DataLoader, TensorDataset

from neumeta.evaluation.shared import shared_trunk_activations
from neumeta.progress import progress


class TrunkMismatchError(ValueError):
    pass


def has_shared_trunk(network):
    """Whether ``network`` splits into trunk -> varying block -> head (the CIFAR ResNets)."""
    return all(hasattr(network, a) for a in ("trunk", "trunk_modules", "varying_block", "head"))


class BlockAndHead(torch.nn.Module):
    """What runs after the trunk: the varying block, then the head; parameter names stay those of the whole
    network under the prefix ``net.`` (for ``torch.func.functional_call``)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, h):
        return self.net.head(self.net.varying_block()(h))


class TrunkFeatures:
    """The trunk's activations on ``dataset`` (kept in memory, float32) and the labels, in dataset order."""

    def __init__(self, network, dataset, batch_size=500, desc="trunk"):
        if not has_shared_trunk(network):
            raise TypeError(f"{type(network).__name__} has no shared trunk (trunk / varying_block / head)")
        self.batch_size = batch_size
        self.dataset = dataset
        self._reference = _trunk_state(network)

        def compute():
            was_training = network.training
            network.eval()
            features, labels = [], []
            with torch.no_grad():
                for x, y in progress(DataLoader(dataset, batch_size=batch_size), desc=desc, leave=False):
                    features.append(network.trunk(x))
                    labels.append(torch.as_tensor(y))
            network.train(was_training)
            return torch.cat(features), torch.cat(labels)
        # several notebooks of one pipeline run evaluate the same trunk on the same test set: computed once per run
        self.features, self.labels = shared_trunk_activations(list(network.trunk_modules()), self._reference,
                                                              dataset, batch_size, compute)

    def __len__(self):
        return len(self.labels)

    def check(self, network):
        """Raise ``TrunkMismatchError`` unless ``network``'s trunk is the one these activations came from."""
        if not has_shared_trunk(network):
            raise TrunkMismatchError(f"{type(network).__name__} has no shared trunk")
        state = _trunk_state(network)
        if state.keys() != self._reference.keys() or not all(torch.equal(state[k], v) for k, v in self._reference.items()):
            raise TrunkMismatchError("this network's trunk differs from the one the cached activations came from "
                                     "(fine-tuned or another model): evaluate it with a full pass")

    def as_dataset(self):
        """(trunk activation, label) pairs: what a loop that feeds the block directly iterates over."""
        return TensorDataset(self.features, self.labels)

    @torch.no_grad()
    def logits(self, network, params=None):
        """Logits of ``network`` on the evaluation set; ``params`` (full parameter names) replace its own,
        as ``torch.func.functional_call`` does (NeuMeta's generated tensors)."""
        self.check(network)
        was_training = network.training
        network.eval()
        module = BlockAndHead(network)
        swap = {f"net.{k}": v for k, v in (params or {}).items()}
        out = torch.cat([functional_call(module, swap, (self.features[i:i + self.batch_size],), strict=False)
                         for i in range(0, len(self), self.batch_size)])
        network.train(was_training)
        return out

    def predict(self, network, params=None):
        """``(predicted classes, labels)``, as ``neumeta.metrics.predict`` returns them for a full pass."""
        return self.logits(network, params).argmax(1), self.labels


def _trunk_state(network):
    return {f"{i}.{k}": v for i, m in enumerate(network.trunk_modules()) for k, v in m.state_dict().items()}
