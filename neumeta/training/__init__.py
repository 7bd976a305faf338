"""Supervised training of classifiers: the resumable trainer and the base-model recipe."""
