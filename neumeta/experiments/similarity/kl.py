"""KL divergence between the output distributions of models of different widths, image by image."""
import torch


def pairwise_kl(logits):
    """``logits``: ``[m, n, classes]``, the logits of m models on the same n images. Returns float64
    ``[m, m, n]`` with entry ``[a, b, i]`` = KL(p_a(x_i) ‖ p_b(x_i)), p = softmax of the logits: how much
    model b's predictive distribution loses, in nats, as a stand-in for model a's. Zero on the diagonal."""
    logits = torch.as_tensor(logits)
    if logits.ndim != 3:
        raise ValueError(f"pairwise_kl needs logits of shape [models, images, classes], got {tuple(logits.shape)}")
    logp = torch.log_softmax(logits.double(), dim=-1)
    p = logp.exp()
    # KL(p_a || p_b) = sum_c p_a (log p_a - log p_b) = -H(p_a) - sum_c p_a log p_b
    cross = torch.einsum("anc,bnc->abn", p, logp)
    self_term = torch.einsum("anc,anc->an", p, logp)
    return (self_term[:, None, :] - cross).clamp_min(0.0)
