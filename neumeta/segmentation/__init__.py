"""Segmentation parts: per-image confusion matrices and the scores and intervals drawn from them, and prediction
at a U-Net's stride."""
