"""The paper's method: model-space spec, INR, engine, training, permutation, folding, export."""
