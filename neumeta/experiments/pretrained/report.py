"""The result blocks of notebooks 00 (the base models) and 10 (the channel permutation)."""
from neumeta import pages
from neumeta.paper import PAPER_BASE_ACC, PAPER_BASE_SOURCE


def base_models(profile="cpu"):
    """Each base model's test accuracy beside the reference, its size, training and deviation from the paper."""
    t = pages.stored(profile, "00_base_models", "base_models.csv")
    wide = t.pivot_table(index=["arch", "dataset"], columns="metric", values="value", sort=False).reset_index()
    deviation = t.drop_duplicates(["arch", "dataset"]).set_index(["arch", "dataset"])["deviation"]
    rows = []
    for r in wide.itertuples():
        key = (r.arch, r.dataset)
        reference = f"{PAPER_BASE_ACC[key]:.2f} ({PAPER_BASE_SOURCE})" if key in PAPER_BASE_ACC else pages.MISSING
        rows.append([r.arch, r.dataset, pages.number(r.test_acc), reference, pages.count(r.params),
                     pages.number(r.flops / 1e6, ".1f"), pages.count(r.epochs), pages.number(r.train_minutes, ".0f"),
                     deviation[key]])
    columns = ["model", "data", "test acc. (%)", "paper / reference", "params", "MFLOPs", "epochs", "train min",
               "deviation"]
    return pages.markdown(rows, columns) + "\n\n" + pages.source(profile, "00_base_models", "base_models.csv")


def permutation(profile="cpu"):
    """Total variation under each channel ordering, the function preserved (float32 and float64), solver time."""
    t = pages.stored(profile, "10_permutation", "permutation_summary.csv")
    t = t.pivot_table(index=["arch", "variant"], columns="metric", values="value", sort=False).reset_index()
    original = t[t.variant == "none"].set_index("arch")["total_tv"]
    rows = []
    for _, r in t.iterrows():
        float64 = pages.number(r.get("max_abs_logit_diff_float64"), ".1e")
        change = pages.percent(r.total_tv / original[r.arch] - 1, 1, sign=True)
        rows.append([r.arch, r.variant, f"{r.total_tv:,.0f}", change,
                     pages.number(r.max_abs_logit_diff, ".1e"), float64, pages.number(r.accuracy),
                     pages.number(r.solver_seconds, ".1f")])
    columns = ["model", "ordering", "total TV", "vs. original", "max |Δ logit| float32", "float64",
               "test acc. (%)", "solver s"]
    return pages.markdown(rows, columns) + "\n\n" + pages.source(profile, "10_permutation", "permutation_summary.csv")
