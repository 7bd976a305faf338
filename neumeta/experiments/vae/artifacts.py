"""Notebook 50's artifacts in one table: the pretrained VAE, its permuted target (with the check that the
permutation kept its function), the NeuMeta INR (with its reconstruction of the full-width layers) and the
Individual VAEs."""
import torch

from neumeta.experiments.vae.evaluate import per_image_metrics
from neumeta.experiments.pretrained.specs import folded_network
from neumeta.experiments.vae.experiment import ARCHS, SPECS, likelihood
from neumeta.method.training import relative_errors

ARTIFACT_COLUMNS = ["dataset", "artifact", "checkpoint", "epochs", "train_seconds", "detail"]


def permutation_change(base, state, dataset, test, P):
    """The largest per-image change of the negative ELBO (one sample, the same random draws for both models)
    between the pretrained VAE ``base`` and a VAE holding its permuted ``state``: rounding only, where the
    permutation keeps the function. Both models are left in eval mode."""
    permuted = folded_network(ARCHS[dataset], state)
    check = {k: per_image_metrics(m.eval(), test, likelihood(dataset), 1, 1, seed=P["seed"])["neg_elbo"]
             for k, m in (("base", base), ("permuted", permuted))}
    return abs(check["base"] - check["permuted"]).max()


@torch.no_grad()
def reconstruction_errors(inr, target, width):
    """``{tensor: ||W - W_gt|| / ||W_gt||}`` of the INR's clean weights at ``width`` against the target's."""
    return relative_errors(inr.weights(width), target.ground_truth())


def artifact_rows(dataset, base_info, target_info, inr_info, individuals, change, rec):
    """One row per artifact of ``dataset`` (columns ``ARTIFACT_COLUMNS``): its checkpoint, epochs, training (or
    solver) seconds and one line of evidence. ``individuals``: ``{width: (model, info)}``, the full width being the
    pretrained VAE itself; ``change``: ``permutation_change``; ``rec``: ``reconstruction_errors``."""
    rows = [dict(dataset=dataset, artifact="pretrained VAE", checkpoint=base_info["checkpoint"],
                 epochs=base_info["epochs"], train_seconds=base_info["train_seconds"],
                 detail=f"test negative ELBO {base_info['test_neg_elbo']:.2f}"),
            dict(dataset=dataset, artifact="permuted target", checkpoint=target_info["checkpoint"], epochs=None,
                 train_seconds=target_info.get("solver_seconds"),
                 detail=f"max |per-image negative ELBO change| {change:.2e}"),
            dict(dataset=dataset, artifact="NeuMeta INR", checkpoint=inr_info["checkpoint"],
                 epochs=inr_info["epochs"], train_seconds=inr_info["train_seconds"],
                 detail="relative error at h = full: " + ", ".join(f"{k} {v:.3f}" for k, v in rec.items()))]
    for width, (_, info) in sorted(individuals.items()):
        if width != SPECS[dataset].full_width:
            rows.append(dict(dataset=dataset, artifact=f"Individual h = {width}", checkpoint=info["checkpoint"],
                             epochs=info["epochs"], train_seconds=info["train_seconds"],
                             detail=f"test negative ELBO {info['test_neg_elbo']:.2f}"))
    return rows
