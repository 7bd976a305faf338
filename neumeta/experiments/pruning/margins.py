"""Where NeuMeta is above or below each pruning criterion: NeuMeta's accuracy minus the method's at the same
width, paired over the same test images, with its 95 % interval and the verdict in this comparison's words."""
import pandas as pd

from neumeta.stats import paired_difference, verdict_of

MARGIN_COLUMNS = ["dataset", "method", "width", "ratio", "neumeta_minus_method", "ci_low", "ci_high", "p_mcnemar",
                  "verdict"]


def neumeta_margins(acc, datasets, neumeta_preds, pruning_preds, seed):
    """One row per accuracy row of ``acc`` (dataset, method, width, ratio) whose width NeuMeta has, for the
    ``datasets`` with NeuMeta points. ``neumeta_preds``: notebook 20's stored predictions (may be empty);
    ``pruning_preds``: notebook 40's. Raises ``RuntimeError`` where the test images are not in the same order."""
    margins = []
    for dataset in acc.dataset.unique():
        if f"{dataset}|labels" not in neumeta_preds or dataset not in datasets:
            continue
        labels = pruning_preds[f"{dataset}|labels"]
        if not (neumeta_preds[f"{dataset}|labels"] == labels).all():
            raise RuntimeError(f"notebook 20's {dataset} test images are not in this notebook's order: "
                               "cannot pair them")
        for _, r in acc[acc.dataset == dataset].iterrows():
            key = f"{dataset}|acc_merged|d={int(r.width)}"
            if key in neumeta_preds:
                m = paired_difference(neumeta_preds[key], pruning_preds[f"{dataset}|{r.method}|d={int(r.width)}"],
                                      labels, seed=seed)
                margins.append(dict(dataset=dataset, method=r.method, width=r.width, ratio=r.ratio,
                                    neumeta_minus_method=m["diff"], ci_low=m["ci_low"], ci_high=m["ci_high"],
                                    p_mcnemar=m["p_mcnemar"],
                                    verdict=verdict_of(m, above="NeuMeta higher", below="NeuMeta lower")))
    return pd.DataFrame(margins, columns=MARGIN_COLUMNS)
