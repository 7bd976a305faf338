"""Figure 10's measurements of sample-and-merge for one INR: at a width, the clean sample against the K-sample merge
(loss, accuracy and their paired difference), and accuracy against the number of merged samples K beside the
deterministic Gauss-Legendre rule."""
from neumeta.evaluation.logits import loss_and_predictions, width_logits
from neumeta.experiments.inr.experiment import SPECS
from neumeta.metrics import accuracy_of
from neumeta.stats import paired_difference, verdict_of


def merge_against_clean(inr, target, data, d, labels, arch, P):
    """``(rows, margin)`` at width ``d``: one row per rule (the clean sample, K = 1, and the K-sample merge,
    K = ``inr_eval_samples``) with its test loss and accuracy; the merge minus the clean sample, paired over the
    test images, with whether the merge lowers the loss."""
    rows, by_rule, loss_of = [], {}, {}
    for rule, k in (("clean sample", 1), ("K-sample merge", P["inr_eval_samples"])):
        loss_of[rule], by_rule[rule] = loss_and_predictions(width_logits(inr, target, data, d, samples=k,
                                                                         noise=P["inr_noise"], seed=P["seed"]), labels)
        rows.append(dict(arch=arch, width=d, rule=rule, K=k, test_loss=loss_of[rule],
                         accuracy=accuracy_of(by_rule[rule], labels)))
    m = paired_difference(by_rule["K-sample merge"], by_rule["clean sample"], labels, seed=P["seed"])
    margin = dict(arch=arch, width=d, trained_width=SPECS[arch].train_widths[0] <= d,
                  merge_minus_clean=m["diff"], ci_low=m["ci_low"], ci_high=m["ci_high"],
                  p_mcnemar=m["p_mcnemar"], verdict=verdict_of(m, above="better", below="worse"),
                  merge_lowers_loss=loss_of["K-sample merge"] < loss_of["clean sample"])
    return rows, margin


def accuracy_against_k(inr, target, data, d, labels, arch, P):
    """Rows of test loss and accuracy at width ``d``: the Monte-Carlo merge for every K of ``ablation_k_values``
    (three seeds each where K > 1: their spread is the merge's own noise), then the Gauss-Legendre rule with n x n
    nodes and the clean point (n² + 1 INR passes) for every n of ``inr_merge_points``."""
    rows = []
    for k in P["ablation_k_values"]:
        for seed in (range(3) if k > 1 else [0]):
            loss, p = loss_and_predictions(width_logits(inr, target, data, d, samples=k, noise=P["inr_noise"],
                                                        seed=P["seed"] + seed), labels)
            rows.append(dict(arch=arch, width=d, rule="Monte-Carlo", K=k, seed=seed, passes=k,
                             test_loss=loss, accuracy=accuracy_of(p, labels)))
    for n in P["inr_merge_points"]:
        loss, p = loss_and_predictions(width_logits(inr, target, data, d, rule=("gauss-legendre", n),
                                                    samples=P["inr_eval_samples"], noise=P["inr_noise"]), labels)
        rows.append(dict(arch=arch, width=d, rule="Gauss-Legendre", K=n * n + 1, seed=None, passes=n * n + 1,
                         test_loss=loss, accuracy=accuracy_of(p, labels)))
    return rows
