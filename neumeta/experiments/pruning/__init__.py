"""Notebook 40: Figure 5, NeuMeta against structured pruning at the same widths."""
