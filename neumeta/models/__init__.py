"""Target networks whose hidden width can change.

Every builder takes ``width``: the one structural width that NeuMeta varies
(see ``docs`` in each module for which layer that is).
"""
from .lenet import LeNet5
from .resnet_cifar import CifarResNet, cifar_resnet20, cifar_resnet56
from .resnet_imagenet import resnet18
from .vae import CelebAVAE, MnistVAE
from .registry import build_model, check_width, target_block_prefix

__all__ = [
    "LeNet5", "CifarResNet", "cifar_resnet20", "cifar_resnet56", "resnet18", "MnistVAE", "CelebAVAE",
    "build_model", "check_width", "target_block_prefix",
]
