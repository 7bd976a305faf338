"""The INR's training settings for an experiment of its own: the profile's shared ``inr_*`` schedule with the
experiment's own values in place of some (the U-Net's learning rate and batches, the whole network's epochs)."""
from neumeta.experiments.inr.experiment import inr_seed
from neumeta.method.training import INRTrainConfig


def inr_config(P, **own):
    """``INRTrainConfig`` from the shared keys, each field in ``own`` replaced by its value."""
    shared = dict(epochs=P["inr_epochs"], batch_size=P["inr_batch_size"], lr=P["inr_lr"],
                  weight_decay=P["inr_weight_decay"], milestones=P["inr_milestones"], clip_value=P["inr_clip"],
                  ema_decay=P["inr_ema"], noise=P["inr_noise"], lambda_rec=P["inr_lambda_rec"],
                  lambda_reg=P["inr_lambda_reg"], seed=inr_seed(P), limit_train=P["inr_limit_train"],
                  rec_warmup_steps=P["inr_rec_warmup_steps"], rec_warmup_lr=P["inr_rec_warmup_lr"])
    values = {**shared, **own}
    return INRTrainConfig(**dict(values, milestones=tuple(values["milestones"])))


def inr_size(P, prefix):
    """The INR's ``hidden``, ``num_layers`` and ``num_freqs`` from ``<prefix>_inr_hidden / _layers / _freqs``."""
    return {"hidden": P[f"{prefix}_inr_hidden"], "num_layers": P[f"{prefix}_inr_layers"],
            "num_freqs": P[f"{prefix}_inr_freqs"]}
