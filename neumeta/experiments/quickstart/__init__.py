"""Notebook 01: the public API on a small MNIST network the paper never used."""
