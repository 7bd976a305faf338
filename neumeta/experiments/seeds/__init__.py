"""The seed study: which findings survive another training run (more training seeds of the headline comparisons)."""
