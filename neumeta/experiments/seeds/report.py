"""The result blocks of notebooks 91 (Table 2, Figure 5) and 93 (Figure 7): every comparison's single-run reading
beside its interval over seeds and test images, with its verdict, and the README's one headline line."""
from neumeta import pages

NOTEBOOK = "91_seeds"
NOTEBOOK_VAE = "93_seeds_vae"


def _rows(t):
    return [[r.figure, f"{r.a} − {r.b}", r.width, f"{r.seeds_a} × {r.seeds_b}",
             pages.interval(r.single_diff, r.single_low, r.single_high),
             pages.interval(r.seed_diff, r.seed_low, r.seed_high), r.verdict] for r in t.itertuples()]


HEADER = ["figure", "comparison", "width", "seeds", "one run [95 % CI]", "seeds and images [95 % CI]", "verdict"]


def seeds(profile="cpu"):
    """Table 2's comparisons and Figure 5's (MNIST) that do not hold at every seed."""
    t2 = pages.stored(profile, NOTEBOOK, "seed_table2.csv", columns=("verdict",))
    f5 = pages.stored(profile, NOTEBOOK, "seed_figure5.csv", columns=("verdict",))
    counts = f5.verdict.value_counts()
    return "\n".join([
        pages.markdown(_rows(t2), HEADER), "",
        "**Figure 5 (MNIST)**: " + ", ".join(f"{n} {v}" for v, n in counts.items()) + "; those that do not hold at "
        "every seed:", "", pages.markdown(_rows(f5[f5.verdict != "holds at every seed"]), HEADER), "",
        f"![Intervals](../../figures/{profile}/{NOTEBOOK}/seed_intervals.png)", "",
        pages.source(profile, NOTEBOOK, "seed_table2.csv", "seed_figure5.csv")])


def seeds_vae(profile="cpu"):
    """Figure 7's (MNIST VAE) comparisons and how converged its IWAE estimate is."""
    f7 = pages.stored(profile, NOTEBOOK_VAE, "seed_figure7.csv", columns=("verdict",))
    conv = pages.stored(profile, NOTEBOOK_VAE, "seed_iwae_convergence.csv")
    k_rows = [[r.method, r.width, r.k, pages.number(r.nll), pages.interval(r.minus_first_k, r.ci_low, r.ci_high)]
              for r in conv.itertuples()]
    return "\n".join([
        "**Figure 7 (MNIST VAE)**, importance-weighted −log p(x) in nats (lower is better):", "",
        pages.markdown(_rows(f7), HEADER), "", f"**How converged the IWAE estimate is** (the same "
        f"{conv.images.iloc[0]:,} test images at every k, each k's draws those of the smaller k and new ones):", "",
        pages.markdown(k_rows, ["model", "decoder width", "k", "−log p(x) (nats)", "minus the smallest k [95 % CI]"]),
        "", f"![Intervals](../../figures/{profile}/{NOTEBOOK_VAE}/seed_intervals_vae.png)", "",
        pages.source(profile, NOTEBOOK_VAE, "seed_figure7.csv", "seed_iwae_convergence.csv")])


# (figure, notebook, table, what A > B and A < B mean for NeuMeta): Figure 7 is -log p(x), lower is better
READINGS = (("Table 2", NOTEBOOK, "seed_table2.csv", ("above", "below")),
            ("Figure 5 (MNIST)", NOTEBOOK, "seed_figure5.csv", ("above", "below")),
            ("Figure 7 (MNIST VAE)", NOTEBOOK_VAE, "seed_figure7.csv", ("worse", "better")))


def _in_words(r, above="above", below="below"):
    """A changed reading in words: what one run said and what the seeds say."""
    side = {"A > B": above, "A < B": below}
    if r.verdict.startswith("no single-run claim; becomes "):
        return f"within noise in one run, NeuMeta {side[r.verdict[-5:]]} over seeds"
    claim = f"NeuMeta {side.get(r.single_verdict, r.single_verdict)} in one run"
    return f"{claim}, {'on average only' if r.verdict == 'holds on average' else 'not over seeds'}"


def changed_readings(table, shown=3, above="above", below="below"):
    """The readings of one figure whose meaning the seeds changed (neither holding at every seed nor staying within
    noise), the first ``shown`` by name and a count of the rest; '' when none. ``above`` / ``below``: what A > B and
    A < B mean for NeuMeta in this figure's units."""
    changed = table[~table.verdict.isin(["holds at every seed"]) & ~table.verdict.str.endswith("stays within noise")]
    said = "; ".join(f"NeuMeta − {r.b} at d = {r.width}: {_in_words(r, above, below)}"
                     for r in changed.head(shown).itertuples())
    return said + (f"; and {len(changed) - shown} more" if len(changed) > shown else "")


def seeds_headline(profile="cpu"):
    """One line: the readings of Table 2, Figure 5 (MNIST) and Figure 7 (MNIST VAE) whose meaning changed with more
    seeds."""
    parts = []
    for figure, notebook, name, (above, below) in READINGS:
        said = changed_readings(pages.stored(profile, notebook, name, columns=("verdict",)), above=above, below=below)
        if said:
            parts.append(f"{figure}: {said}")
    figures = ", ".join(f for f, _, _, _ in READINGS)
    return (f"More training seeds: every reading of {figures} holds at every seed or stays within noise."
            if not parts else "More training seeds change these readings: " + " | ".join(parts) + ".")
