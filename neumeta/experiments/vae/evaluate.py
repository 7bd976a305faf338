"""Per-image metrics of a VAE on the test images, and the images of Figure 6.

Every model is scored with the same random draws (common random numbers: one seeded generator per
metric), so differences between models are paired image by image and carry little sampling noise.
"""
import numpy as np
import torch
from statistics import NormalDist

from neumeta.experiments.vae.images import as_float
from neumeta.experiments.vae.objective import iwae_nll, neg_elbo, reconstruction_mse

BATCH = 500


@torch.no_grad()
def per_image_metrics(model, test_x, likelihood, iwae_k, iwae_images, seed=0):
    """``{"neg_elbo": [N], "mse": [N], "iwae": [iwae_images]}`` (float64 numpy) for the uint8 images ``test_x``:
    the one-sample negative ELBO and reconstruction MSE on every image, and the importance-weighted
    estimate of -log p(x) with ``iwae_k`` draws on the first ``iwae_images`` (none, and no ``"iwae"``, at 0)."""
    model.eval()
    g_elbo, g_mse, g_iwae = (torch.Generator().manual_seed(seed + i) for i in range(3))
    elbo, mse, iwae = [], [], []
    for x in map(as_float, test_x.split(BATCH)):
        elbo.append(neg_elbo(model(x, g_elbo), x, likelihood))
        mse.append(reconstruction_mse(model, x, g_mse))
    chunk = max(1, min(BATCH, 250_000 // max(iwae_k, 1)))  # images per IWAE pass: memory ~ images x 250 x pixels
    for x in map(as_float, test_x[:iwae_images].split(chunk) if iwae_images else ()):
        iwae.append(iwae_nll(model, x, iwae_k, g_iwae, likelihood))
    return {k: torch.cat(v).double().numpy() for k, v in (("neg_elbo", elbo), ("mse", mse), ("iwae", iwae)) if v}


def mean_with_interval(values, confidence=0.95):
    """``(mean, half width)`` of the normal-approximation interval of the mean over images."""
    values = np.asarray(values, dtype=np.float64)
    half = NormalDist().inv_cdf(0.5 + confidence / 2) * values.std(ddof=1) / np.sqrt(len(values))
    return float(values.mean()), float(half)


def latent_grid(n, latent_dim, seed=0):
    """[n * n, latent_dim] latent codes for sample grids: for a 2-d latent the reference-style grid of
    N(0, 1) quantiles (rows: z1, columns: z2); otherwise n * n draws of N(0, I) with a fixed seed."""
    if latent_dim == 2:
        q = torch.tensor([NormalDist().inv_cdf((i + 0.5) / n) for i in range(n)], dtype=torch.float32)
        z1, z2 = torch.meshgrid(q, q.flip(0), indexing="ij")
        return torch.stack([z2.flatten(), z1.flatten()], 1)
    return torch.randn(n * n, latent_dim, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def decoded_images(model, z):
    """uint8 [B, C, H, W] decoded means for latent codes ``z``."""
    model.eval()
    x = model.decode(z)
    shape = (-1, 1, 28, 28) if x.ndim == 2 else x.shape
    return (x.reshape(shape) * 255).round().clamp(0, 255).to(torch.uint8).numpy()


@torch.no_grad()
def reconstructions(model, x):
    """uint8 decoded means at z = mu of the images ``x`` (uint8): what the model keeps of each image."""
    mu, _ = model.encode(as_float(x))
    return decoded_images(model, mu)
