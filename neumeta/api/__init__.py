"""The public API: NeuMeta on a network of your own (``neumeta.<name>`` reaches every name of ``__all__``).

``Metamorph`` folds and permutes a model, trains one INR for the inner widths of the blocks you name, and gives
the network at any width as a plain ``nn.Module``; ``NetworkSpec`` is what it generates, derived from the model."""
from neumeta.api.metamorph import CheckpointMismatchError, Metamorph
from neumeta.api.spec import NetworkSpec
from neumeta.method.channels import UnsupportedLayerError

__all__ = ["Metamorph", "NetworkSpec", "CheckpointMismatchError", "UnsupportedLayerError"]
