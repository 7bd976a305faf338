"""Whole-network metamorphosis: ResNet-20 with every residual block's inner width resized at once."""
