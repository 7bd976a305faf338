"""The VAE baselines of Figures 6 and 7, from the same pretrained VAE NeuMeta starts from.

- Structured pruning of the decoder layer NeuMeta resizes, with the torch-pruning criteria of Figure 5
  (``baselines.pruning``: same protocol, gradients of the negative ELBO for Taylor and Hessian), no
  fine-tuning, as the paper;
- "l1+finetune": L1 pruning followed by Adam steps of the pretraining recipe, labelled as such (not in
  the paper: what a practitioner would do);
- Individual VAEs trained from scratch at each width (``experiment.train_base_vae``).
"""
import copy

import torch

from neumeta.baselines.pruning import prune_to_width
from neumeta.experiments.vae.images import as_float
from neumeta.experiments.vae.objective import neg_elbo
from neumeta.hardware.machine import one_torch_thread


def elbo_loss(likelihood):
    """The pruning criteria's loss: mean negative ELBO of a batch, the images being their own targets."""
    def loss(output, x):
        return neg_elbo(output, x, likelihood).mean()
    return loss


def calibration_images(train_x, batches, batch_size, seed):
    """``batches`` seeded random batches of training images as (x, x) pairs in [0, 1]."""
    order = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(seed))[:batches * batch_size]
    return [(x, x) for x in map(as_float, train_x[order].split(batch_size))]


def prune_vae(base, arch, width, criterion, calibration, likelihood, iterative_steps, seed):
    """``base`` with its decoder pruned to ``width`` by ``criterion`` (no fine-tuning)."""
    example = calibration[0][0][:1]
    torch.manual_seed(seed)  # the reparameterisation noise of the gradient criteria
    return prune_to_width(base, arch, width, criterion, example, calibration, iterative_steps, seed,
                          loss_fn=elbo_loss(likelihood))


@one_torch_thread
def fine_tune_vae(model, train_x, steps, recipe, seed):
    """A copy of ``model`` after ``steps`` Adam steps of the pretraining recipe (negative ELBO, no TV)."""
    model = copy.deepcopy(model).train()
    opt = torch.optim.Adam(model.parameters(), lr=recipe["lr"])
    gen = torch.Generator().manual_seed(seed)
    done = 0
    while done < steps:
        for idx in torch.randperm(len(train_x), generator=gen).split(recipe["batch_size"]):
            x = as_float(train_x[idx])
            loss = neg_elbo(model(x, gen), x, recipe["likelihood"], recipe["kl_weight"]).sum()
            opt.zero_grad(set_to_none=True)
            (loss / len(x) if recipe.get("batch_mean") else loss).backward()
            opt.step()
            done += 1
            if done == steps:
                break
    return model.eval()
