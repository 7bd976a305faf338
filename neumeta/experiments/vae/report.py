"""The result block of notebook 50: Figure 7 at the paper's widths, each metric per method, and NeuMeta's paired
margins over every baseline."""
from neumeta import pages

NOTEBOOK = "50_vae"
METRICS = {"iwae": "−log p(x), IWAE", "neg_elbo": "negative ELBO, 1 sample (the paper's \"NLL\")",
           "mse": "reconstruction MSE"}
WIDTHS = [64, 48, 38, 32]  # the full decoder and the paper's compressions (25, 41 and 50 %)


def _metric_table(t, dataset):
    sub = t[t.dataset == dataset].set_index(["metric", "method", "width"])
    rows = []
    for metric, name in METRICS.items():
        for method in t[t.dataset == dataset].method.unique():
            cells = [f"{pages.number(sub.loc[key, 'mean'])} ± {pages.number(sub.loc[key, 'ci_half'])}"
                     if (key := (metric, method, w)) in sub.index else pages.MISSING for w in WIDTHS]
            rows.append([name, pages.bold(method) if method == "NeuMeta" else method] + cells)
    columns = ["metric", "method"] + [f"h={w} ({pages.percent(1 - w / WIDTHS[0])})" for w in WIDTHS]
    return pages.markdown(rows, columns)


def _verdict_counts(m, dataset):
    mm = m[(m.dataset == dataset) & m.width.isin(WIDTHS[1:])]
    counts = mm.groupby(["metric", "verdict"]).size().unstack(fill_value=0)
    rows = [[METRICS[k]] + [str(v) for v in row] for k, row in counts.iterrows()]
    return pages.markdown(rows, ["metric"] + list(counts.columns))


def vae(profile="cpu"):
    """Figure 7 at the paper's widths: each metric per method (mean ± 95 % half-interval), then NeuMeta's paired
    margins over every baseline at those widths."""
    t = pages.stored(profile, NOTEBOOK, "vae_metrics.csv")
    m = pages.stored(profile, NOTEBOOK, "margins.csv")
    blocks = []
    for dataset in t.dataset.unique():
        blocks.append("\n".join([
            f"**{dataset}**: mean per test image ± 95 % interval (lower is better); columns: decoder width h "
            f"(compression 1 − h/{WIDTHS[0]})", "", _metric_table(t, dataset), "",
            "NeuMeta against every baseline at h = " + ", ".join(map(str, WIDTHS[1:]))
            + ", paired over test images (count of comparisons):", "", _verdict_counts(m, dataset)]))
    return "\n\n".join(blocks) + "\n\n" + pages.source(profile, NOTEBOOK, "vae_metrics.csv", "margins.csv")
