"""Build a target network by name and width, with one clear error for bad input."""
import numbers

from .lenet import LeNet5
from .resnet_cifar import cifar_resnet20, cifar_resnet56
from .resnet_imagenet import resnet18
from .vae import CelebAVAE, MnistVAE

# name -> (builder, default hidden width, prefix of the parameters that depend on the width)
ARCHS = {
    "resnet20": (cifar_resnet20, 64, "layer3.2."),
    "resnet56": (cifar_resnet56, 64, "layer3.8."),
    "lenet": (LeNet5, 32, ""),  # every LeNet layer depends on h
    "resnet18": (resnet18, 256, "layer3.1."),
    "vae-mnist": (MnistVAE, 64, ("fc5.", "fc6.")),  # the decoder's hidden layer and the output layer it feeds
    "vae-celeba": (CelebAVAE, 64, ("decoder.3.", "decoder.4.", "decoder.6.", "decoder.7.", "decoder.9.")),
}


def check_width(width, name="width"):
    """Return ``width`` as an int, or raise one ValueError that says what is wrong."""
    if isinstance(width, bool) or not isinstance(width, numbers.Integral):
        if isinstance(width, float) and width.is_integer():
            width = int(width)
        else:
            raise ValueError(f"{name} must be a positive integer, got {width!r}")
    if width < 1:
        raise ValueError(f"{name} must be a positive integer, got {width!r}")
    return int(width)


def build_model(arch, num_classes=10, width=None):
    """A freshly initialised ``arch`` whose variable width is ``width`` (default: the full width)."""
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {sorted(ARCHS)}")
    builder, default_width, _ = ARCHS[arch]
    width = default_width if width is None else check_width(width)
    return builder(num_classes=num_classes, width=width)


def target_block_prefix(arch):
    """Name prefix (or tuple of prefixes, for ``str.startswith``) of the parameters whose shape follows the
    hidden width."""
    return ARCHS[arch][2]
