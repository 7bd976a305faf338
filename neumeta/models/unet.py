"""The segmentation network: segmentation-models-pytorch's ``Unet`` with a ResNet-18 encoder, sized for a CPU.

The paper's U-Net keeps all five encoder stages and a (256, 128, 64, 32, 16) decoder. Here the encoder stops after
``layer3`` (``encoder_depth=4``; the generated block ``encoder.layer3.1`` stays) and the decoder is narrower, so a
finished checkpoint fits the repository's 16 MiB and an epoch takes seconds on two cores. The unused ``layer4``
that smp still builds at depth 4 is removed: its forward never reaches it, and it would otherwise be most of the
checkpoint.
"""
import torch

from neumeta.models.narrow import narrow_block
from neumeta.models.registry import check_width

BLOCK = "encoder.layer3.1"  # the residual block whose inner width NeuMeta generates (conv1 256 -> h, conv2 h -> 256)
FULL_WIDTH = 256


def unet_resnet18(classes, encoder_depth=4, decoder_channels=(128, 64, 32, 16), block_width=None, seed=0):
    """A freshly initialised U-Net (seeded), its block ``encoder.layer3.1`` of inner width ``block_width``
    (default 256: the plain ResNet-18 block). No pretrained weights: they cannot be downloaded here."""
    import segmentation_models_pytorch as smp  # imported on use: only the segmentation experiment needs it
    if encoder_depth not in (4, 5):
        raise ValueError(f"encoder_depth must be 4 or 5 (the generated block is in layer3), got {encoder_depth}")
    if len(decoder_channels) != encoder_depth:
        raise ValueError(f"decoder_channels needs one entry per encoder stage ({encoder_depth}), "
                         f"got {tuple(decoder_channels)}")
    torch.manual_seed(seed)
    net = smp.Unet("resnet18", encoder_weights=None, encoder_depth=encoder_depth,
                   decoder_channels=tuple(decoder_channels), classes=classes)
    if encoder_depth == 4:
        del net.encoder.layer4
    if block_width is not None and check_width(block_width, "block_width") != FULL_WIDTH:
        set_block_width(net, block_width)
    return net


def set_block_width(net, width):
    """Give ``encoder.layer3.1`` the inner width ``width`` in place (``neumeta.models.narrow``)."""
    narrow_block(net.encoder.layer3[1], width)
    return net


def block_width(net):
    """The inner width of ``encoder.layer3.1``."""
    return net.encoder.layer3[1].conv1.out_channels


def output_stride(net):
    """How much the encoder downsamples: inputs must be a multiple of it (``neumeta.segmentation.pad_to``)."""
    return 2 ** len(net.encoder.out_channels[1:])
