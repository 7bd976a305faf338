"""Similarity across widths (Figure 9): linear CKA of features and KL of output distributions."""
