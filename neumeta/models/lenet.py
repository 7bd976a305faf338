"""LeNet-5-style MNIST network whose every layer scales with the hidden width h.

conv_1 1->h 3x3 (replicate padding) - pool - conv_2 h->2h 5x5 - pool - conv_3 2h->4h 5x5
- pool - linear 4h->10; ReLU after each conv, biases everywhere, no BN (the official
``MnistNet`` shapes: 257,802 parameters at h = 32).

Deviation: the official code feeds the linear layer the 3x3 feature map at position
(0, 0) only, discarding 8/9 of it; we average over the map instead. Same parameters.
"""
import torch.nn as nn


class LeNet5(nn.Module):
    def __init__(self, num_classes=10, width=32, in_channels=1):
        super().__init__()
        h = width
        self.width = h
        self.conv_1 = nn.Conv2d(in_channels, h, 3, padding=1, padding_mode="replicate")
        self.conv_2 = nn.Conv2d(h, 2 * h, 5, padding=2)
        self.conv_3 = nn.Conv2d(2 * h, 4 * h, 5, padding=2)
        self.pool = nn.AvgPool2d(2)
        self.relu = nn.ReLU(inplace=True)
        self.linear = nn.Linear(4 * h, num_classes)
        # He init: with PyTorch's default init this ReLU/avg-pool stack sits on the 2.30 loss
        # plateau for hundreds of SGD steps.
        for conv in (self.conv_1, self.conv_2, self.conv_3):
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)

    def forward(self, x):
        x = self.pool(self.relu(self.conv_1(x)))  # 28 -> 14
        x = self.pool(self.relu(self.conv_2(x)))  # 14 -> 7
        x = self.pool(self.relu(self.conv_3(x)))  # 7 -> 3
        return self.linear(x.mean(dim=(2, 3)))
