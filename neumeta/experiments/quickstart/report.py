"""The result block of notebook 01: accuracy against width of the network generated through the public API."""
from neumeta import pages

NOTEBOOK = "01_quickstart"


def quickstart(profile="cpu"):
    """Each evaluated width: accuracy, parameters, and the difference from the base network with its interval."""
    t = pages.stored(profile, NOTEBOOK, "quickstart_accuracy.csv")
    rows = [[r.width, "yes" if r.trained_width else "no", pages.number(r.accuracy), pages.count(r.params),
             pages.interval(r.minus_base, r.ci_low, r.ci_high), r.verdict] for r in t.itertuples()]
    trained = t[t.trained_width]
    summary = (f"At the trained widths the generated network is within 1 point of the base network "
               f"({pages.number(t.base_accuracy.iloc[0])} %) at {int(trained.within_1_point.sum())} of {len(trained)} "
               f"widths; {int(t.images.iloc[0])} test images, K = {int(t.samples.iloc[0])}.")
    table = pages.markdown(rows, ["width", "trained on", "accuracy (%)", "parameters", "generated − base [95 % CI]",
                                  "verdict"])
    return summary + "\n\n" + table + "\n\n" + pages.source(profile, NOTEBOOK, "quickstart_accuracy.csv")


def headline(profile="cpu"):
    """One line for the README: the quickstart's result at its trained widths."""
    t = pages.stored(profile, NOTEBOOK, "quickstart_accuracy.csv")
    trained = t[t.trained_width]
    low = trained.loc[trained.minus_base.idxmin()]
    return (f"The quickstart's generated networks stay within 1 point of their base network at "
            f"{int(trained.within_1_point.sum())} of {len(trained)} trained widths (largest drop "
            f"{pages.signed(low.minus_base)} points at width {int(low.width)}).")
