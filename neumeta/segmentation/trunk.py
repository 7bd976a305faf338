"""The U-Net's computation up to its generated block, done once for a whole split.

Every network NeuMeta generates differs from its target U-Net only in ``encoder.layer3.1``, and every pruned
network from the base U-Net only there too; the stem, ``layer1``, ``layer2`` and ``layer3.0`` are shared. A
``UNetTrunk`` runs them once over the split (inputs padded to the stride) and keeps their outputs, the decoder's
skip connections among them; each network then runs only its block, the decoder and the head. The predictions are
those of the whole network (a test checks it), at a fraction of the time when many widths are scored. A split
whose features would not fit ``cache_bytes`` (VOC at full resolution: tens of GB) is not kept: its trunk then runs
again for every network, so memory stays one batch's.

Every network runs on a channels-last copy (``channels_last_copy``): about 1.3x faster on a CPU, and of CamVid's
9.7 million test pixels a handful change class against the default memory format (``benchmarks/segmentation_eval.py``
measures both). ``shared_trunk`` keeps the last two trunks built, so the networks of one base met in several places
(the base U-Net, its pruned networks, its block off) share one.
"""

import torch

from neumeta.hardware.layout import channels_last_copy
from neumeta.progress import progress
from neumeta.segmentation.metrics import confusions
from neumeta.segmentation.predict import batches, pad_to
from neumeta.store.run_cache import fingerprint


class UNetTrunk:
    def __init__(self, net, dataset, stride, ignore, batch_size=8, desc="U-Net trunk", device="cpu",
                 cache_bytes=4 * 2**30):
        """``net``: the U-Net whose stem, ``layer1``, ``layer2`` and ``layer3.0`` every scored network shares;
        ``ignore``: the label of unscored pixels (padding of images of different sizes gets it too)."""
        self.net, self.dataset, self.stride, self.ignore = channels_last_copy(net), dataset, stride, ignore
        self.batch_size, self.device = batch_size, device
        self.cached = None
        computed = self._computed()
        first = next(computed)  # its size decides whether the split's features are kept
        per_image = sum(f.numel() * f.element_size() for f in first[0]) / len(first[0][0])
        if per_image * len(dataset) <= cache_bytes:
            rest = progress(computed, total=len(self._loader()) - 1, desc=desc, leave=False)
            self.cached = [first, *rest]

    def _loader(self):
        return batches(self.dataset, self.batch_size, self.ignore)

    @torch.no_grad()
    def _computed(self):
        for x, y in self._loader():
            h, w = x.shape[-2:]
            yield _features_before_block(self.net.encoder, pad_to(x.to(self.device), self.stride)), y, (h, w)

    @torch.no_grad()
    def logits(self, net):
        """Per batch, the logits of ``net`` (which shares the trunk) cropped back to the images."""
        net = channels_last_copy(net)
        for features, y, (h, w) in self.cached if self.cached is not None else self._computed():
            *skips, before_block = features
            after = [net.encoder.layer3[1](before_block)]
            if hasattr(net.encoder, "layer4"):  # encoder depth 5 (the paper's): layer4 follows the block
                after.append(net.encoder.layer4(after[0]))
            yield net.segmentation_head(net.decoder([*skips, *after]))[..., :h, :w].cpu(), y

    def confusions(self, net, classes, ignore):
        """``[n, C, C]`` int64 per-image confusions of ``net`` over the split, as ``predict_confusions`` gives."""
        return torch.cat([confusions(out.argmax(1), y, classes, ignore)
                          for out, y in self.logits(net)]).numpy()


def _features_before_block(encoder, x):
    """smp ResNet encoder features ``[x, stem, layer1, layer2]`` and ``layer3.0``'s output."""
    features = [x]
    x = encoder.relu(encoder.bn1(encoder.conv1(x)))
    features.append(x)
    x = encoder.layer1(encoder.maxpool(x))
    features.append(x)
    x = encoder.layer2(x)
    features.append(x)
    features.append(encoder.layer3[0](x))
    return features


def trunk_modules(net):
    """The modules of ``net`` that a ``UNetTrunk`` runs."""
    encoder = net.encoder
    return [encoder.conv1, encoder.bn1, encoder.layer1, encoder.layer2, encoder.layer3[0]]


_SHARED = {}


def shared_trunk(net, dataset, stride, ignore, desc="U-Net trunk", keep=2):
    """A ``UNetTrunk`` of ``net`` on ``dataset``, built once for the same trunk weights and split (the last ``keep``
    are kept: each is about a gigabyte on CamVid's test split)."""
    key = fingerprint([*trunk_modules(net), len(dataset), dataset[0][0], stride, ignore])
    if key not in _SHARED:
        while len(_SHARED) >= keep:
            _SHARED.pop(next(iter(_SHARED)))
        _SHARED[key] = UNetTrunk(net, dataset, stride, ignore, desc=desc)
    return _SHARED[key]
