"""The public API: NeuMeta on a network of your own (``neumeta.<name>`` reaches every name of ``__all__``)."""
__all__ = []
