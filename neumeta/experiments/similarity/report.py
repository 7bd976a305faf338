"""The result block of notebook 60: Figure 9 in numbers."""
from neumeta import pages

NOTEBOOK = "60_similarity"


def _margins(m):
    rows = [[r.quantity, r.comparison, pages.number(r.neumeta, ".4f"), pages.number(r.other, ".4f"),
             pages.interval(r.diff, r.diff_low, r.diff_high, 4),
             "{} [{}, {}]".format(*(pages.number(x, ".3f") for x in (r.ratio, r.ratio_low, r.ratio_high))),
             r.verdict] for r in m.itertuples()]
    return pages.markdown(rows, ["quantity", "comparison", "NeuMeta", "other", "NeuMeta − other [95 % CI]",
                                 "NeuMeta / other [95 % CI]", "verdict"])


def _cka_at_block(cka, models):
    """Each width's CKA with its family's full model at the paper's layer, under every estimator."""
    block = cka[(cka.layer == "block") & (cka.width_a == cka.groupby("method").width_a.transform("max"))]
    estimators = list(dict.fromkeys(block.estimator))
    acc = models.set_index(["method", "width"]).test_acc
    table = block.pivot_table(index=["method", "width_b"], columns="estimator", values="cka")
    rows = [[method, width, pages.number(acc.get((method, width), float("nan")))]
            + [pages.number(row[e], ".4f") for e in estimators]
            for (method, width), row in table.sort_index(ascending=[True, False]).iterrows()]
    return pages.markdown(rows, ["method", "d", "test acc. (%)"] + estimators)


def similarity(profile="cpu"):
    """Figure 9 in numbers: NeuMeta's family against Individual's and KD's (paired margins), then each width's
    CKA with its family's full model at the paper's layer under the three estimators."""
    m = pages.stored(profile, NOTEBOOK, "similarity_margins.csv")
    cka = pages.stored(profile, NOTEBOOK, "cka.csv")
    models = pages.stored(profile, NOTEBOOK, "models.csv")
    return "\n".join([
        f"Over the widths every method has (d = {m.widths.iloc[0]}); NeuMeta − other with 95 % paired bootstrap "
        "intervals (KL: over test images; CKA: over the batches it is computed on):", "", _margins(m), "",
        "CKA with the family's full model at the output of `layer3.2` (the paper's layer), and each model's "
        "test accuracy:", "", _cka_at_block(cka, models), "",
        pages.source(profile, NOTEBOOK, "similarity_margins.csv", "cka.csv", "models.csv")])
