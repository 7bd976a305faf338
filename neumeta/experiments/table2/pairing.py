"""Which per-image predictions Table 2's paired comparisons use: each method's main variant at Table 2's widths,
and NeuMeta's K-sample merge from notebook 20 on the same test images."""

# The variant compared per method; Slimmable: its own BN where it has one, else the borrowed one
PAIRED_VARIANT = {"Individual": "trained at d", "INN": "sampled", "Slimmable": ("own BN", "borrowed BN")}


def paired_predictions(predictions, neumeta_preds, dataset, widths):
    """``(labels, {(method, width): predicted classes})`` of ``dataset`` as numpy arrays. ``predictions``: notebook
    30's ``"<dataset>|<method>|<variant>|d=<width>"`` tensors; ``neumeta_preds``: notebook 20's stored arrays (may
    be empty). Raises ``RuntimeError`` where notebook 20's test images are not in this order."""
    labels = predictions[f"{dataset}|labels"].numpy()
    per_method = {}
    for key, preds in predictions.items():
        ds, *rest = key.split("|")
        if ds != dataset or rest == ["labels"]:
            continue
        method, variant, width = rest
        wanted = PAIRED_VARIANT[method]
        main = variant == wanted or (isinstance(wanted, tuple) and variant.startswith(wanted))
        if main and int(width[2:]) in widths:
            per_method[method, int(width[2:])] = preds.numpy()
    if f"{dataset}|labels" in neumeta_preds:
        if not (neumeta_preds[f"{dataset}|labels"] == labels).all():
            raise RuntimeError("notebook 20's test images are not in the order of this notebook's: cannot pair them")
        per_method.update({("NeuMeta", d): neumeta_preds[f"{dataset}|acc_merged|d={d}"] for d in widths
                           if f"{dataset}|acc_merged|d={d}" in neumeta_preds})
    return labels, per_method
