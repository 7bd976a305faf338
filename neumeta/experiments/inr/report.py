"""The result blocks of notebook 20 (NeuMeta at every width, the merge rules) and of the evaluation benchmark."""
import pandas as pd

from neumeta import pages
from neumeta.paper import PAPER_NEUMETA_BY_WIDTH

SHOWN = {"resnet20": [64, 56, 48, 40, 32, 24, 16], "lenet": [32, 24, 16, 8, 4]}  # the widths the table shows


def _sweep_row(r, floored):
    """One row of the width table (``floored``: the run has our size-floor variant below the training range)."""
    clean = pages.number(r.get("acc_clean"))
    floor = [pages.number(r.acc_merged_size_floor)] if floored else []
    reduction = f"{pages.count(r.network_params)} ({pages.percent(r.network_param_reduction, 1)})"
    return ([r.arch, r.width, "yes" if r.trained_width else "**no**", pages.percent(r.block_compression), reduction,
             pages.number(r.acc_merged)] + floor
            + [clean, pages.number(r.base_acc), pages.number(PAPER_NEUMETA_BY_WIDTH.get((r.arch, r.width)))])


def _speed(profile):
    """One sentence on the training step's cost and materialising one width, when the run measured them."""
    speed = pages.optional(profile, "20_neumeta", "speed.csv")
    if speed is None:
        return ""
    s = speed.set_index("metric")["value"]
    return (f"\n\nSpeed (same process, batch {int(s.batch_size)}, median of {int(s.steps)} steps): one NeuMeta "
            f"training step {pages.number(1000 * s.neumeta_step_seconds, '.0f')} ms vs. one plain ResNet-20 step "
            f"{pages.number(1000 * s.plain_step_seconds, '.0f')} ms — ratio **{pages.number(s.step_time_ratio)}**; "
            f"materialising one width with K = 100 samples: {pages.number(s.materialise_k100_seconds)} s. "
            + pages.source(profile, "20_neumeta", "speed.csv"))


def neumeta(profile="cpu"):
    """NeuMeta's accuracy at the shown widths beside the clean sample, the base model and the paper."""
    t = pages.stored(profile, "20_neumeta", "width_sweep.csv")
    wide = t.pivot_table(index=["arch", "width", "trained_width", "base_acc"], columns="metric", values="value",
                         sort=False).reset_index()
    floored = "acc_merged_size_floor" in wide
    rows = [_sweep_row(wide[(wide.arch == arch) & (wide.width == d)].iloc[0], floored)
            for arch, widths in SHOWN.items() for d in widths if ((wide.arch == arch) & (wide.width == d)).any()]
    columns = (["model", "d", "trained on d?", "block compression", "network params (reduction)",
                "NeuMeta acc. (%) K-merged"] + (["size inputs floored (ours)"] if floored else [])
               + ["clean", "base model", "paper"])
    return (pages.markdown(rows, columns) + "\n\n" + pages.source(profile, "20_neumeta", "width_sweep.csv")
            + _speed(profile))


def merge_rules(profile="cpu"):
    """Per architecture and merge rule: at how many widths it matches the K-sample merge within the paired
    interval, and by how much it differs (the same K draws from another seed are the yardstick)."""
    t = pages.stored(profile, "20_neumeta", "merge_rules.csv")
    rows = []
    for (arch, rule), g in t.groupby(["arch", "rule"], sort=False):
        worst = g.loc[g["diff"].abs().idxmax()]
        rows.append([arch, rule, int(g.points.iloc[0]), f"{int(g.within_noise.sum())} of {len(g)}",
                     pages.number(g["diff"].abs().mean(), ".3f"),
                     f"{pages.signed(worst['diff'])} at d = {int(worst.width)} "
                     f"[{pages.signed(worst.ci_low)}, {pages.signed(worst.ci_high)}]"])
    columns = ["model", "rule", "INR passes per width", "widths within noise of the K-merged network",
               "mean |difference| (points)", "largest difference (points)"]
    return (pages.markdown(rows, columns) + "\n\n"
            + pages.source(profile, "20_neumeta", "merge_rules.csv", note="(per width, with intervals)"))


def benchmark(profile="cpu"):
    """The evaluation benchmark (old path vs new path, same machine, one run)."""
    command = f"make benchmark PROFILE={profile}"
    t = pages.stored(profile, "benchmarks", "evaluation.csv", command=command)
    meta = pages.stored(profile, "benchmarks", "evaluation.meta.json", command=command)
    rows = [[r.case, r.widths, pages.number(r.old_seconds), pages.number(r.new_seconds),
             pages.bold(pages.number(r.new_over_old, ".3f")), pages.number(r.images_differing, ".0f"),
             "" if pd.isna(r.note) else r.note] for r in t.itertuples()]
    columns = ["case", "widths", "old path (s)", "new path (s)", "new / old", "images predicted differently", "note"]
    machine, git = meta["machine"], meta["git"]
    return pages.markdown(rows, columns) + (
        f"\n\n_Measured in one run of `{command}` ({meta['seconds'] / 60:.0f} min) at commit "
        f"{str(git['commit'])[:7]}{' (dirty tree)' if git['dirty'] else ''} on {machine['cpu_model']}, "
        f"{machine['torch_threads']} torch threads, bf16 in hardware: {machine['bf16_in_hardware']}. "
        f"Source: `results/{profile}/benchmarks/evaluation.csv`._")
