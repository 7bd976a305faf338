"""The segmentation experiment (the paper's Table 3): a U-Net with a ResNet-18 encoder whose block
``encoder.layer3.1`` NeuMeta resizes, against Individual, Slimmable and pruned U-Nets."""
