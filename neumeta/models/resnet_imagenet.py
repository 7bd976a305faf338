"""torchvision ResNet-18 whose ``layer3.1`` inner width is ``hidden_dim`` (256 = standard).

Keys are torchvision's, so torchvision's ImageNet weights load unchanged at full width.
"""
import torch.nn as nn
import torchvision


def resnet18(num_classes=1000, hidden_dim=256):
    model = torchvision.models.resnet18(weights=None, num_classes=num_classes)
    if hidden_dim != 256:
        block = model.layer3[1]
        block.conv1 = nn.Conv2d(256, hidden_dim, 3, padding=1, bias=False)
        block.bn1 = nn.BatchNorm2d(hidden_dim)
        block.conv2 = nn.Conv2d(hidden_dim, 256, 3, padding=1, bias=False)
        nn.init.kaiming_normal_(block.conv1.weight, mode="fan_out", nonlinearity="relu")
        nn.init.kaiming_normal_(block.conv2.weight, mode="fan_out", nonlinearity="relu")
    model.hidden_dim = hidden_dim
    return model
