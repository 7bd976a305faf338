"""Running generated weights: one frozen full-width network serves every width.

``torch.func.functional_call`` swaps the generated tensors into the BN-folded target
network for one forward pass; convolutions take their channel counts from the weight
tensors, so the same module runs width 16 or 64. The fixed (pretrained) parameters
never require gradients, so backward stops at the generated block.
"""
import torch.nn as nn
from torch.func import functional_call



class TargetNetwork(nn.Module):
    """The permuted, BN-folded pretrained network with its fixed weights frozen."""

    def __init__(self, spec, folded_state_dict):
        super().__init__()
        self.spec = spec
        self.net = spec.model(spec.full_width, device="cpu")
        self.net.load_state_dict(folded_state_dict)
        self.net.eval().requires_grad_(False)

    def ground_truth(self):
        """The generated tensors' pretrained values at full width (reconstruction targets)."""
        params = dict(self.net.named_parameters())
        return {n: params[n] for n in self.spec.names}

    def forward(self, x, generated):
        return functional_call(self.net, generated, (x,), strict=False)

    def materialise(self, generated, width):
        """A plain BN-folded ``nn.Module`` at ``width`` holding the generated tensors."""
        model = self.spec.model(width, device="cpu")
        state = {k: v for k, v in self.net.state_dict().items() if k not in generated}
        state.update({k: v.detach().clone() for k, v in generated.items()})
        model.load_state_dict(state)
        return model.eval()
