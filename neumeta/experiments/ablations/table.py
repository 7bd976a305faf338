"""The ablation table: each row's accuracy at four widths beside the paper's number for the row that changes the
same thing, and its difference from the reference row of the same schedule, paired over the test images."""
import pandas as pd

from neumeta.paper import PAPER_ABLATION
from neumeta.stats import paired_difference, verdict_of


def ablation_table(sweep, preds, names, shown, seed):
    """``(table, margins)``. ``sweep``: the stored ablation sweep (arch, row, width, accuracy); ``preds``: its
    per-image predictions (``"<arch>|<row>|d=<width>"`` and ``"<arch>|labels"``); ``names``: ``{row: name}``;
    ``shown``: ``{arch: widths}``. ``table``: one row per (arch, row), ``acc_d<width>`` at each shown width (the
    sweep's other widths are in ``sweep``); ``margins``: every row but the reference minus the reference at each shown
    width, with its paired 95 % interval, McNemar's p and the verdict ("better" / "worse" / "within noise")."""
    table, margins = [], []
    for arch in sweep.arch.unique():
        labels = preds[f"{arch}|labels"]
        for row_id in sweep[sweep.arch == arch].row.unique():
            r = dict(arch=arch, row=row_id, name=names.get(row_id, row_id),
                     paper_accuracy=PAPER_ABLATION.get(row_id, {}).get("accuracy") if arch == "resnet20" else None)
            for d in shown[arch]:
                acc = sweep[(sweep.arch == arch) & (sweep.row == row_id) & (sweep.width == d)].accuracy
                r[f"acc_d{d}"] = acc.item() if len(acc) else float("nan")
                if row_id != "reference" and f"{arch}|{row_id}|d={d}" in preds:
                    m = paired_difference(preds[f"{arch}|{row_id}|d={d}"], preds[f"{arch}|reference|d={d}"], labels,
                                          seed=seed)
                    margins.append(dict(arch=arch, row=row_id, width=d, minus_reference=m["diff"], ci_low=m["ci_low"],
                                        ci_high=m["ci_high"], p_mcnemar=m["p_mcnemar"],
                                        verdict=verdict_of(m, above="better", below="worse")))
            table.append(r)
    return pd.DataFrame(table), pd.DataFrame(margins)


def with_interval(margins):
    """A copy of ``margins`` with the difference as one text column, "row − reference [95 % CI]":
    "+0.12 [-0.30, +0.54] within noise"."""
    m = margins.copy()
    m["row − reference [95 % CI]"] = (m.minus_reference.map("{:+.2f}".format) + " [" + m.ci_low.map("{:+.2f}".format)
                                      + ", " + m.ci_high.map("{:+.2f}".format) + "] " + m.verdict)
    return m
