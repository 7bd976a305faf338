"""What a VAE is trained and judged by, each under its true name.

- ``neg_elbo``: the one-sample negative ELBO, -log p(x|z) (summed over pixels) + KL(q(z|x) || N(0, I)),
  per image.
  The paper calls this "NLL"; it is an upper bound on -log p(x), estimated from one draw of z.
- ``iwae_nll``: the importance-weighted estimate of -log p(x) with k draws (Burda et al. 2016),
  -log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x); it tightens towards -log p(x) as k grows and, in
  expectation, is never looser than the one-sample bound.
- ``reconstruction_mse``: sum over pixels of (decoded mean - x)^2 for one draw of z, per image (the
  reference's MSE).
The pixel models are the reference's (``recon_nll``). MNIST's Bernoulli likelihood is evaluated at grey
levels in [0, 1] (not binarised), as the reference trains it: numbers are comparable across our models,
not with binarised-MNIST results in the literature.
"""
import math

import torch
import torch.nn.functional as F


def kl_to_prior(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, I)) per image."""
    return 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).sum(1)


LIKELIHOODS = ("bernoulli", "gaussian")


def recon_nll(logits, x, likelihood="bernoulli"):
    """-log p(x | z) per image, summed over pixels, from the decoder's logits.

    ``bernoulli`` (MNIST): BCE, written as softplus(l) - x l (stable, and 1.5x faster than BCE-with-logits
    over the thousands of draws of the IWAE estimate). ``gaussian`` (CelebA): the reference's summed
    squared error of the sigmoid mean, i.e. a Gaussian of variance 1/2 per pixel, with its normalising
    constant D/2 log(pi) included so that the number is a negative log density."""
    logits, x = logits.flatten(1), x.flatten(1)
    if likelihood == "bernoulli":
        return F.softplus(logits).sum(1) - (logits * x).sum(1)
    if likelihood == "gaussian":
        return (torch.sigmoid(logits) - x).square().sum(1) + 0.5 * x.shape[1] * math.log(math.pi)
    raise ValueError(f"unknown likelihood {likelihood!r}; choose one of {LIKELIHOODS}")


def recon_nll_draws(logits, x, likelihood="bernoulli"):
    """``recon_nll`` of ``n`` draws per image at once: ``logits`` [n, B, D] against the images ``x`` [B, D], broadcast
    (not copied n times); [n, B]. The same sums in the same order as ``recon_nll`` on the stacked draws."""
    if likelihood == "bernoulli":
        return F.softplus(logits).sum(-1) - (logits * x).sum(-1)
    if likelihood == "gaussian":
        return (torch.sigmoid(logits) - x).square().sum(-1) + 0.5 * x.shape[-1] * math.log(math.pi)
    raise ValueError(f"unknown likelihood {likelihood!r}; choose one of {LIKELIHOODS}")


def neg_elbo(output, x, likelihood="bernoulli", kl_weight=1.0):
    """Per-image one-sample negative ELBO from a VAE's ``(logits, mu, logvar)``; ``kl_weight`` != 1 only in
    training (the CelebA recipe's beta), never in what is reported."""
    logits, mu, logvar = output
    return recon_nll(logits, x, likelihood) + kl_weight * kl_to_prior(mu, logvar)


def tv_penalty(model):
    """The reference's pretraining smoothness term: the mean over parameter tensors of their total variation
    along the output axis (and the input axis, for matrices and kernels), summed over positions."""
    terms = []
    for p in model.parameters():
        tv = (p[1:] - p[:-1]).abs().sum()
        if p.ndim >= 2:
            tv = tv + (p[:, 1:] - p[:, :-1]).abs().sum()
        terms.append(tv)
    return torch.stack(terms).mean()


@torch.no_grad()
def iwae_nll(model, x, k, generator=None, likelihood="bernoulli", chunk=250):
    """Per-image importance-weighted estimate of -log p(x) with ``k`` draws from q(z|x), drawn ``chunk``
    at a time (memory stays at images x chunk x pixels)."""
    mu, logvar = model.encode(x)
    std = torch.exp(0.5 * logvar)
    log_w = []
    for start in range(0, k, chunk):
        n = min(chunk, k - start)
        eps = torch.randn((n, *mu.shape), generator=generator, dtype=mu.dtype)
        z = mu + eps * std  # [n, B, latent]
        logits = model.decode_logits(z.reshape(-1, mu.shape[1]))
        log_px = -recon_nll_draws(logits.reshape(n, len(x), -1), x.flatten(1), likelihood)
        log_pz = -0.5 * (z.square() + math.log(2 * math.pi)).sum(-1)
        log_qz = -0.5 * (eps.square() + math.log(2 * math.pi) + logvar).sum(-1)
        log_w.append(log_px + log_pz - log_qz)
    return -(torch.logsumexp(torch.cat(log_w), 0) - math.log(k))


@torch.no_grad()
def reconstruction_mse(model, x, generator=None):
    """Per-image sum of squared errors between ``x`` and the decoded mean of one draw of z."""
    mu, logvar = model.encode(x)
    x_hat = model.decode(model.reparameterise(mu, logvar, generator))
    return (x_hat.flatten(1) - x.flatten(1)).square().sum(1)
