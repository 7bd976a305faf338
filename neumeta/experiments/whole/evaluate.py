"""Every row of the whole-network table scored on the test set of the setting's dataset: per-image predictions,
parameters and FLOPs of each network at each gamma."""

import pandas as pd
import torch

from neumeta.baselines.pruning import calibration_batches, fine_tune
from neumeta.experiments.whole.followup import followup_network
from neumeta.experiments.whole.inr import network_at
from neumeta.experiments.whole.pruning import prune_all_blocks
from neumeta.experiments.whole.setting import block_widths, setting
from neumeta.experiments.whole.thin import thin_network
from neumeta.hardware.layout import channels_last_copy
from neumeta.method.folding import fuse_bn
from neumeta.metrics import accuracy_of, count_flops, count_parameters, predict
from neumeta.progress import progress
from neumeta.stats import spread_indices

INPUT_SHAPE = (3, 32, 32)


def spread_images(test, count):
    """``count`` images of a decoded test set spread evenly over it (0: all of them): the CIFAR test set is stored
    class by class, so its first images would all be one class."""
    if not count or count >= len(test):
        return test
    keep = torch.from_numpy(spread_indices(len(test), count))
    return torch.utils.data.TensorDataset(*(t[keep] for t in test.tensors))


def size_of(net):
    return {"params": count_parameters(net), "flops": count_flops(net, INPUT_SHAPE)}


def score(net, test):
    """``(predictions, size)`` of ``net`` on ``test``, run on a copy with its BatchNorms folded into the convolutions
    before them, in the channels-last memory format (faster on a CPU, the same predictions:
    ``benchmarks/whole_eval.py`` measures all three); ``net`` itself is left as it is (pruning and fine-tuning read
    it, and its size counts its BatchNorms)."""
    fast = channels_last_copy(fuse_bn(net))
    preds, _ = predict(fast, test)
    return preds, size_of(net)


def unfolded_size(gamma, s):
    """The size of the network at ``gamma`` with its BatchNorms, as the other rows count theirs: NeuMeta's networks
    are BN-folded (no BatchNorm parameters), the thin network of the same gamma has their structure unfolded."""
    with torch.random.fork_rng(devices=[]):  # a fresh network's initial weights must not move the global random state
        return size_of(thin_network(gamma, s))


def merge_of(P):
    """How NeuMeta's networks merge their weights: ``whole_merge_points`` n > 0, the deterministic n x n
    Gauss-Legendre rule (the clean point weighted 1 / ``inr_eval_samples``; not a paper number, this table is
    beyond the paper), 0 the K-sample merge with K = ``inr_eval_samples``."""
    n = P["whole_merge_points"]
    rule = ("gauss-legendre", n) if n else "mc"
    return {"rule": rule, "samples": P["inr_eval_samples"]}


def score_neumeta(rows, meta, followup, test, P):
    """``rows[(method, gamma)] = (predictions, size)`` of both recipes at every evaluated gamma (``merge_of``);
    ``followup``: the follow-up recipe's ``(meta, scales_and_head)``, or None."""
    s, merge = setting(P), merge_of(P)
    for gamma in progress(P["whole_eval_gammas"], desc="NeuMeta gammas"):
        size = unfolded_size(gamma, s)
        preds, _ = score(network_at(meta, gamma, s, **merge), test)
        rows["NeuMeta (paper recipe)", gamma] = preds, size
        if followup is not None:
            preds, _ = score(followup_network(*followup, gamma, s, **merge), test)
            rows["NeuMeta (follow-up recipe)", gamma] = preds, size
    return rows


def score_pruning(rows, base, train, train_plain, test, P):
    """Global pruning of the base model by each criterion: the first at every evaluated gamma (the curve), the others
    at the thin networks' gammas (where the comparisons are made; a full test pass per network is most of the
    notebook's time), and the first criterion's networks fine-tuned at those gammas too. The gradient criteria
    calibrate on ``train_plain`` (training images without augmentation, as notebook 40's), the fine-tune trains on
    ``train``."""
    s = setting(P)
    calibration = calibration_batches(train_plain, P["prune_calib_batches"], P["prune_calib_batch_size"], P["seed"])
    example = torch.zeros(1, *INPUT_SHAPE)
    first = P["whole_prune_criteria"][0]
    for criterion in P["whole_prune_criteria"]:
        gammas = P["whole_eval_gammas"] if criterion == first else [g for g in P["whole_eval_gammas"]
                                                                    if g in P["whole_thin_gammas"]]
        for gamma in progress(gammas, desc=f"{criterion} pruning"):
            pruned = prune_all_blocks(base, gamma, s, criterion, example, calibration, P["prune_iterative_steps"],
                                      P["seed"])
            rows[f"pruning: {criterion}", gamma] = score(pruned, test)
            if criterion == first and gamma in P["whole_thin_gammas"]:
                tuned = fine_tune(pruned, train, P["prune_finetune_steps"], P["prune_finetune_lr"],
                                  P["prune_finetune_batch_size"], P["seed"])
                rows[f"pruning: {criterion} + fine-tune", gamma] = score(tuned, test)
    return rows


def stage_by_stage(meta, s, test, gamma, P):
    """The paper recipe's network with one stage's generated blocks at ``gamma``'s widths and every other block at
    full width, for each stage (``merge_of``): where the all-blocks network loses its accuracy."""
    full, narrow = block_widths(0.0, s), block_widths(gamma, s)
    rows = []
    for stage in dict.fromkeys(b.split(".")[0] for b in s.blocks):
        widths = {b: narrow[b] if b.split(".")[0] == stage else full[b] for b in s.blocks}
        preds, _ = score(meta.network(widths, **merge_of(P)), test)
        rows.append(dict(stage=stage, gamma=gamma, widths=",".join(str(widths[b]) for b in s.blocks),
                         accuracy=accuracy_of(torch.as_tensor(preds), test.tensors[1])))
    return pd.DataFrame(rows)
