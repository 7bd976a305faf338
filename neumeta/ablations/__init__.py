"""Ablations (the paper's ablation table, Figure 10, the INR-size frontier): what each part of NeuMeta buys."""
