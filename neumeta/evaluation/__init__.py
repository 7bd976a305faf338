"""Evaluating many networks on one evaluation set: decoded once, and the shared trunk run once."""
