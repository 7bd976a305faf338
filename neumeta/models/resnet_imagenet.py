"""torchvision ResNet-18 whose ``layer3.1`` inner width is ``width`` (256 = standard).

Keys are torchvision's, so torchvision's ImageNet weights load unchanged at full width.
"""
import torch.nn as nn
import torchvision


def resnet18(num_classes=1000, width=256):
    model = torchvision.models.resnet18(weights=None, num_classes=num_classes)
    if width != 256:
        block = model.layer3[1]
        block.conv1 = nn.Conv2d(256, width, 3, padding=1, bias=False)
        block.bn1 = nn.BatchNorm2d(width)
        block.conv2 = nn.Conv2d(width, 256, 3, padding=1, bias=False)
        nn.init.kaiming_normal_(block.conv1.weight, mode="fan_out", nonlinearity="relu")
        nn.init.kaiming_normal_(block.conv2.weight, mode="fan_out", nonlinearity="relu")
    model.width = width
    return model
