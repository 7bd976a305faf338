"""Notebook 20's measurements at one width d: the K-sample merged predictions (and, at some widths, the merge
rules and another Monte-Carlo seed to compare them with), the size-floored variant, the clean sample, and what
the network of that width costs."""
import torch

from neumeta.evaluation.trunk import TrunkFeatures
from neumeta.evaluation.widths import evaluate_width, predict_width
from neumeta.experiments.inr.experiment import SPECS
from neumeta.experiments.inr.merge_plan import merge_label, sweep_merge
from neumeta.experiments.pretrained.base_models import INPUT_SHAPES
from neumeta.metrics import accuracy_of, count_flops, count_parameters


def sweep_width(inr, target, evaluation, labels, common, first_width, full_params, P):
    """``(predictions, rows)`` of the INR at width ``common["width"]`` on ``evaluation`` (the test set, or its
    ``TrunkFeatures`` where only the generated block runs per width).

    ``predictions``: ``{name: predicted classes}``, "acc_merged" at every width, with the merge ``merge_plan``
    gives it (the K = ``inr_eval_samples`` merge, draws from ``Generator(seed)``, or the deterministic rule); the
    comparisons of merge rules, "gauss_legendre_<n>" per ``inr_merge_points``, "mc_other_seed" (the K-sample merge
    from seed + 1, the yardstick) and, where "acc_merged" is not the K-sample merge, "acc_merged_mc" (the K-sample
    merge they are compared with), at every 4th width where only the block runs and at the clean-sample widths
    (every 8th and ``first_width``). ``rows``: ``common`` plus the merge's name, metric and value: acc_merged,
    acc_merged_size_floor (below the training range, with the width's merge; every 4th width there where only
    the block runs), acc_clean (clean-sample widths), the block's compression and the whole network's parameters,
    their reduction against ``full_params``, and FLOPs."""
    arch, d = common["arch"], common["width"]
    spec, K, noise, seed = SPECS[arch], P["inr_eval_samples"], P["inr_noise"], P["seed"]
    shared = isinstance(evaluation, TrunkFeatures)
    rule, passes = sweep_merge(P, arch, d)
    merge = (dict(samples=K, noise=noise, generator=torch.Generator().manual_seed(seed)) if rule == "mc" else
             dict(samples=K, noise=noise, rule=rule))
    common = dict(common, merge=merge_label(rule, passes))
    predictions = {}
    predictions["acc_merged"], _ = predict_width(inr, target, evaluation, d, **merge)
    rows = [dict(common, metric="acc_merged", value=accuracy_of(predictions["acc_merged"], labels))]
    model = target.materialise(inr.weights(d), d)
    spot = d % 8 == 0 or d == first_width
    # each comparison is one more forward of the block per rule, the sweep's main cost: every 4th width suffices
    if (shared and d % 4 == 0) or spot:
        if rule != "mc":  # what the rules are compared with: the K-sample merge
            predictions["acc_merged_mc"], _ = predict_width(inr, target, evaluation, d, samples=K, noise=noise,
                                                            generator=torch.Generator().manual_seed(seed))
        for n in P["inr_merge_points"]:  # the deterministic rule: n x n Gauss-Legendre nodes and the clean point
            predictions[f"gauss_legendre_{n}"], _ = predict_width(inr, target, evaluation, d, samples=K, noise=noise,
                                                                  rule=("gauss-legendre", n))
        # the yardstick: the same K-sample merge with another seed
        predictions["mc_other_seed"], _ = predict_width(inr, target, evaluation, d, samples=K, noise=noise,
                                                        generator=torch.Generator().manual_seed(seed + 1))
    # our variant, drawn as a line: on ResNet-20 (16 widths below its range) every 4th is enough to draw it
    if d < spec.train_widths[0] and (d % 4 == 0 or not shared):
        floor_merge = dict(merge, generator=torch.Generator().manual_seed(seed)) if rule == "mc" else merge
        rows.append(dict(common, metric="acc_merged_size_floor", value=evaluate_width(
            inr, target, evaluation, d, **floor_merge, size_floor=spec.train_widths[0])))
    if spot:
        rows.append(dict(common, metric="acc_clean", value=evaluate_width(inr, target, evaluation, d, samples=1)))
    params = count_parameters(model)
    rows += [dict(common, metric="block_compression", value=1 - d / spec.full_width),
             dict(common, metric="network_params", value=params),
             dict(common, metric="network_param_reduction", value=1 - params / full_params),
             dict(common, metric="network_flops", value=count_flops(model, INPUT_SHAPES[common["dataset"]]))]
    return predictions, rows
