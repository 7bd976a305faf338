"""Notebook 70's sweep: every row of the ablation grid scored at its widths.

The K-sample merge (K = ``inr_eval_samples``) is the paper's protocol and most of the sweep's cost. It is kept at
``ablation_<arch>_kmerge_widths``, which must hold the widths the ablation table and the INR-size frontier read
(the profile schema checks it); the sweep's other widths, drawn only as lines, may use the deterministic n x n
Gauss-Legendre merge plus the clean point (``ablation_sweep_merge_points`` = n; 0 keeps the K-sample merge
everywhere): n² + 1 INR passes instead of K, no random draw. A row without
coordinate noise takes one clean draw at every width, which is what K identical draws merge to.
"""
from neumeta.evaluation.logits import loss_and_predictions, width_logits
from neumeta.experiments.inr.experiment import SPECS
from neumeta.experiments.inr.merge_plan import merge_label
from neumeta.metrics import accuracy_of


def ablation_merge(P, arch, width, noise):
    """``(rule, passes)`` for one width of a row whose coordinate noise is ``noise``."""
    n = P["ablation_sweep_merge_points"]
    if noise == 0:
        return "mc", 1
    if n == 0 or width in P[f"ablation_{arch}_kmerge_widths"]:
        return "mc", P["inr_eval_samples"]
    return ("gauss-legendre", n), n * n + 1


def score_row(inr, target, data, labels, arch, row_id, widths, noise, P):
    """``(predictions, rows)`` of one row's INR at ``widths`` on ``data`` (the test set or its trunk features):
    ``{"<arch>|<row>|d=<width>": predicted classes}`` and one sweep row per width with its accuracy, test loss,
    whether the INR trained on that width, and the merge that made it."""
    predictions, rows = {}, []
    lo, hi = SPECS[arch].train_widths
    for d in widths:
        rule, passes = ablation_merge(P, arch, d, noise)
        logits = width_logits(inr, target, data, d, rule=rule, samples=passes if rule == "mc" else P["inr_eval_samples"],
                              noise=noise, seed=P["seed"])
        loss, preds = loss_and_predictions(logits, labels)
        predictions[f"{arch}|{row_id}|d={d}"] = preds
        rows.append(dict(arch=arch, row=row_id, width=d, accuracy=accuracy_of(preds, labels), test_loss=loss,
                         trained_width=lo <= d <= hi, merge=merge_label(rule, passes)))
    return predictions, rows
