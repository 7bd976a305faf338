"""CIFAR ResNet-20/56 with the state-dict keys of chenyaofo/pytorch-cifar-models.

Option-B shortcut (1x1 conv + BN) where shape changes, ``fc`` head, no conv bias, so
the published chenyaofo checkpoints load unchanged. NeuMeta varies one width: the
inner width ``width`` of the *last* BasicBlock of ``layer3`` (conv1 64->h, conv2 h->64).
"""
import torch.nn as nn


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """conv-BN-ReLU-conv-BN plus shortcut; ``mid`` is the inner width (= ``out`` normally)."""

    def __init__(self, cin, out, stride=1, mid=None):
        super().__init__()
        mid = out if mid is None else mid
        self.conv1 = conv3x3(cin, mid, stride)
        self.bn1 = nn.BatchNorm2d(mid)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(mid, out)
        self.bn2 = nn.BatchNorm2d(out)
        self.downsample = None
        if stride != 1 or cin != out:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, out, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class CifarResNet(nn.Module):
    def __init__(self, blocks_per_stage, num_classes=10, width=64):
        super().__init__()
        self.width = width
        self.conv1 = conv3x3(3, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._stage(16, 16, blocks_per_stage, stride=1)
        self.layer2 = self._stage(16, 32, blocks_per_stage, stride=2)
        self.layer3 = self._stage(32, 64, blocks_per_stage, stride=2, last_mid=width)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    @staticmethod
    def _stage(cin, out, n, stride, last_mid=None):
        blocks = [BasicBlock(cin, out, stride)]
        blocks += [BasicBlock(out, out) for _ in range(n - 2)]
        blocks.append(BasicBlock(out, out, mid=last_mid) if n > 1 else None)
        return nn.Sequential(*[b for b in blocks if b is not None])

    def forward(self, x):
        return self.head(self.layer3[-1](self.trunk(x)))

    def trunk(self, x):
        """Everything before the last block (the part all widths share)."""
        x = self.relu(self.bn1(self.conv1(x)))
        return self.layer3[:-1](self.layer2(self.layer1(x)))

    def trunk_modules(self):
        """The modules ``trunk`` runs: what must be equal for two networks to share its activations."""
        return [self.conv1, self.bn1, self.layer1, self.layer2, self.layer3[:-1]]

    def varying_block(self):
        """The block whose inner width ``width`` varies: it runs on the trunk's output, ``head`` after it."""
        return self.layer3[-1]

    def head(self, x):
        return self.fc(self.avgpool(x).flatten(1))


def cifar_resnet20(num_classes=10, width=64):
    return CifarResNet(3, num_classes, width)


def cifar_resnet56(num_classes=10, width=64):
    return CifarResNet(9, num_classes, width)
