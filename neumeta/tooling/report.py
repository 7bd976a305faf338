"""Render the README's result tables from the stored CSVs (never typed by hand).

    python -m neumeta.tooling.report          # rewrite the blocks between <!-- results:NAME --> markers
    python -m neumeta.tooling.report --check  # exit 1 if the README is out of date (a test runs this)
"""
import re
import sys

import pandas as pd

from neumeta.store.atomic import atomic_write
from neumeta.store.results import REPO_ROOT, RESULTS_ROOT

README = REPO_ROOT / "README.md"
PAPER_BASE_ACC = {("resnet20", "cifar10"): "92.60 (chenyaofo release)", ("resnet20", "cifar100"): "68.83 (chenyaofo release)"}


def base_models_table(profile="cpu"):
    path = RESULTS_ROOT / profile / "00_base_models" / "base_models.csv"
    if not path.exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=00`._"
    t = pd.read_csv(path)
    wide = t.pivot_table(index=["arch", "dataset"], columns="metric", values="value", sort=False).reset_index()
    dev = t.drop_duplicates(["arch", "dataset"]).set_index(["arch", "dataset"])["deviation"]
    lines = ["| model | data | test acc. (%) | paper / reference | params | MFLOPs | epochs | train min | deviation |",
             "|---|---|---|---|---|---|---|---|---|"]
    for _, r in wide.iterrows():
        key = (r.arch, r.dataset)
        lines.append(f"| {r.arch} | {r.dataset} | {r.test_acc:.2f} | {PAPER_BASE_ACC.get(key, '—')} | "
                     f"{int(r.params):,} | {r.flops / 1e6:.1f} | {int(r.epochs)} | {r.train_minutes:.0f} | {dev[key]} |")
    return "\n".join(lines) + f"\n\n_Source: `results/{profile}/00_base_models/base_models.csv`._"


def permutation_table(profile="cpu"):
    path = RESULTS_ROOT / profile / "10_permutation" / "permutation_summary.csv"
    if not path.exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=10`._"
    t = pd.read_csv(path).pivot_table(index=["arch", "variant"], columns="metric", values="value", sort=False).reset_index()
    none = t[t.variant == "none"].set_index("arch")["total_tv"]
    lines = ["| model | ordering | total TV | vs. original | max \\|Δ logit\\| float32 | float64 | test acc. (%) | solver s |",
             "|---|---|---|---|---|---|---|---|"]
    for _, r in t.iterrows():
        f64 = f"{r.max_abs_logit_diff_float64:.1e}" if "max_abs_logit_diff_float64" in r else "—"
        lines.append(f"| {r.arch} | {r.variant} | {r.total_tv:,.0f} | {100 * (r.total_tv / none[r.arch] - 1):+.1f} % | "
                     f"{r.max_abs_logit_diff:.1e} | {f64} | {r.accuracy:.2f} | {r.solver_seconds:.1f} |")
    return "\n".join(lines) + f"\n\n_Source: `results/{profile}/10_permutation/permutation_summary.csv`._"


# Table 2 of the paper, NeuMeta row (CIFAR-10, ResNet-20, 200 epochs on a GPU): width -> accuracy
PAPER_NEUMETA = {("resnet20", 64): "91.76", ("resnet20", 48): "91.32", ("resnet20", 32): "90.56", ("resnet20", 16): "89.56"}


def neumeta_table(profile="cpu"):
    folder = RESULTS_ROOT / profile / "20_neumeta"
    if not (folder / "width_sweep.csv").exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=20`._"
    t = pd.read_csv(folder / "width_sweep.csv")
    wide = t.pivot_table(index=["arch", "width", "trained_width", "base_acc"], columns="metric", values="value",
                         sort=False).reset_index()
    shown = {"resnet20": [64, 56, 48, 40, 32, 24, 16], "lenet": [32, 24, 16, 8, 4]}
    floored = "acc_merged_size_floor" in wide  # our variant below the training range, when the run has it
    lines = ["| model | d | trained on d? | block compression | network params (reduction) | NeuMeta acc. (%) K-merged | "
             + ("size inputs floored (ours) | " if floored else "") + "clean | base model | paper |",
             "|---|---|---|---|---|---|---|---|---|" + ("---|" if floored else "")]
    for arch, widths in shown.items():
        for d in widths:
            rows = wide[(wide.arch == arch) & (wide.width == d)]
            if rows.empty:
                continue
            r = rows.iloc[0]
            clean = f"{r.acc_clean:.2f}" if "acc_clean" in r and pd.notna(r.acc_clean) else "—"
            floor = (f"{r.acc_merged_size_floor:.2f} | " if pd.notna(r.acc_merged_size_floor) else "— | ") if floored else ""
            lines.append(f"| {arch} | {d} | {'yes' if r.trained_width else '**no**'} | {100 * r.block_compression:.0f} % | "
                         f"{int(r.network_params):,} ({100 * r.network_param_reduction:.1f} %) | {r.acc_merged:.2f} | {floor}"
                         f"{clean} | {r.base_acc:.2f} | {PAPER_NEUMETA.get((arch, d), '—')} |")
    text = "\n".join(lines) + f"\n\n_Source: `results/{profile}/20_neumeta/width_sweep.csv`._"
    if (folder / "speed.csv").exists():
        speed = pd.read_csv(folder / "speed.csv").set_index("metric")["value"]
        text += (f"\n\nSpeed (same process, batch {int(speed.batch_size)}, median of {int(speed.steps)} steps): one NeuMeta "
                 f"training step {1000 * speed.neumeta_step_seconds:.0f} ms vs. one plain ResNet-20 step "
                 f"{1000 * speed.plain_step_seconds:.0f} ms — ratio **{speed.step_time_ratio:.2f}**; materialising one "
                 f"width with K = 100 samples: {speed.materialise_k100_seconds:.2f} s. "
                 f"_Source: `results/{profile}/20_neumeta/speed.csv`._")
    return text


def pruning_table(profile="cpu"):
    folder = RESULTS_ROOT / profile / "40_pruning"
    if not (folder / "pruning.csv").exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=40`._"
    t = pd.read_csv(folder / "pruning.csv")
    acc = t[t.metric == "accuracy"].set_index(["dataset", "method", "width"])["value"]
    red = t[t.metric == "network_param_reduction"].drop_duplicates(["dataset", "width"]).set_index(["dataset", "width"])["value"]
    points = pd.read_csv(folder / "neumeta_points.csv") if (folder / "neumeta_points.csv").exists() else pd.DataFrame()
    blocks = []
    for dataset in t.dataset.unique():
        sub = t[(t.dataset == dataset) & (t.metric == "accuracy")]
        widths = sorted(sub.width.unique(), reverse=True)
        full = sub.full_width.iloc[0]
        header = "| method | " + " | ".join(f"{100 * (1 - w / full):.0f} % (d={w})" for w in widths) + " |"
        lines = [f"**{dataset}** ({sub.arch.iloc[0]}); whole-network parameter reduction: " +
                 ", ".join(f"d={w}: {100 * red[(dataset, w)]:.1f} %" for w in widths), "", header,
                 "|---|" + "---|" * len(widths)]
        for method in sub.method.unique():
            lines.append(f"| {method} | " + " | ".join(f"{acc[(dataset, method, w)]:.2f}" for w in widths) + " |")
        nm = points[points.dataset == dataset].set_index("width")["accuracy"] if len(points) else pd.Series(dtype=float)
        if len(nm):
            lines.append("| **NeuMeta** | " + " | ".join(f"**{nm[w]:.2f}**" if w in nm.index else "—" for w in widths) + " |")
        lines += _margin_summary(folder, dataset, full)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\n_Source: `results/{profile}/40_pruning/pruning.csv`, `neumeta_points.csv`._"


def table2_table(profile="cpu"):
    path = RESULTS_ROOT / profile / "30_table2" / "table2.csv"
    if not path.exists():
        return (f"_Not generated yet: train the baselines with `python -m neumeta.experiments.table2.jobs {profile}` (resumable), "
                f"then run `make reproduce PROFILE={profile} ONLY=30`._")
    t = pd.read_csv(path)
    gammas = [c for c in t.columns if c.startswith("gamma_")]
    blocks = []
    for dataset, sub in t.groupby("dataset", sort=False):
        lines = [f"**{dataset}**, ours ({profile} profile) / paper", "",
                 "| method | " + " | ".join(f"γ={g.split('_')[1]} %" for g in gammas) + " | train h (here / paper GPU h) "
                 "| stored params (here / paper) |", "|---|" + "---|" * (len(gammas) + 2)]
        for _, r in sub.iterrows():
            cells = [f"{r[g]:.2f} / {r['paper_' + g]:.2f}" for g in gammas]
            lines.append(f"| {r.method} | " + " | ".join(cells) + f" | {r.train_hours:.1f} / {r.paper_gpu_hours:.1f} | "
                         f"{r.stored_params / 1e6:.2f}M / {r.paper_stored_params / 1e6:.2f}M |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\n_Source: `results/{profile}/30_table2/table2.csv`._"


def _margin_summary(folder, dataset, full):
    """Per dataset: where NeuMeta is above, below or within noise of each method, each margin with its
    paired 95 % interval (from neumeta_margins.csv)."""
    path = folder / "neumeta_margins.csv"
    if not path.exists():
        return []
    m = pd.read_csv(path)
    m = m[m.dataset == dataset]
    if m.empty:
        return []
    if "verdict" in m:
        ratio = lambda w: f"{100 * (1 - w / full):.0f} %"  # noqa: E731
        pruned_only = m[~m.method.str.endswith("finetune")]
        above_all = sorted({w for w, g in pruned_only.groupby("width") if (g.verdict == "NeuMeta higher").all()},
                           reverse=True)
        lines = ["", ("NeuMeta is above every criterion without fine-tuning, beyond noise, at "
                      + (", ".join(map(ratio, above_all)) if above_all else "no shared ratio") + ".")]
        for label, verdict in [("below", "NeuMeta lower"), ("within noise of", "within noise")]:
            sub = m[m.verdict == verdict]
            if len(sub):
                lines.append(f"NeuMeta is **{label}**: " + "; ".join(
                    f"{r.method} at {ratio(r.width)} ({r.neumeta_minus_method:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}])"
                    for r in sub.sort_values(["method", "width"], ascending=[True, False]).itertuples()) + ".")
        lines.append("(NeuMeta minus method, points, with the paired 95 % bootstrap interval over test images.)")
        return lines
    below = m[m.neumeta_minus_method < 0]
    pruned_only = m[~m.method.str.endswith("finetune")]
    above_all = sorted({w for w, g in pruned_only.groupby("width") if (g.neumeta_minus_method > 0).all()}, reverse=True)
    ratio = lambda w: f"{100 * (1 - w / full):.0f} %"  # noqa: E731
    text = ("NeuMeta is above every criterion without fine-tuning at " + ", ".join(map(ratio, above_all))
            if above_all else "NeuMeta is above every criterion without fine-tuning at no shared ratio")
    if len(below):
        text += "; below: " + "; ".join(f"{method} at {', '.join(ratio(w) for w in sorted(g.width, reverse=True))}"
                                       for method, g in below.groupby("method", sort=False))
    return ["", text + "."]


def table2_ordering(profile="cpu"):
    """Every ordering of Table 2 at every γ with its paired interval; differences within noise named as such."""
    path = RESULTS_ROOT / profile / "30_table2" / "table2_ordering.csv"
    if not path.exists() or "verdict" not in pd.read_csv(path, nrows=0).columns:
        return f"_Not generated yet with intervals: run `make reproduce PROFILE={profile} ONLY=30`._"
    t = pd.read_csv(path)
    blocks = []
    for dataset, sub in t.groupby("dataset", sort=False):
        lines = [f"**{dataset}**: every pair of methods at every γ, the more accurate first (difference in points, "
                 "paired 95 % bootstrap interval over the test images, McNemar's exact p)", "",
                 "| γ | d | comparison | difference [95 % interval] | McNemar p | reading |", "|---|---|---|---|---|---|"]
        for r in sub.sort_values(["gamma", "diff"], ascending=[True, False]).itertuples():
            reading = f"**{r.a} > {r.b}**" if r.verdict != "within noise" else "within noise"
            lines.append(f"| {r.gamma:.0f} % | {r.width} | {r.a} vs {r.b} | {r.diff:+.2f} [{r.ci_low:+.2f}, {r.ci_high:+.2f}] "
                         f"| {r.p_mcnemar:.2g} | {reading} |")
        neumeta = sub[(sub.a == "NeuMeta") | (sub.b == "NeuMeta")]
        for gamma, g in neumeta.groupby("gamma"):
            above = sorted(g[(g.a == "NeuMeta") & (g.verdict != "within noise")].b)
            below = sorted(g[(g.b == "NeuMeta") & (g.verdict != "within noise")].a)
            tied = sorted((set(g.a) | set(g.b)) - {"NeuMeta"} - set(above) - set(below))
            lines.append("")
            lines.append(f"- γ = {gamma:.0f} %: NeuMeta above {', '.join(above) or 'none'}; below "
                         f"{', '.join(below) or 'none'}; within noise of {', '.join(tied) or 'none'}.")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\n_Source: `results/{profile}/30_table2/table2_ordering.csv`._"


NOTEBOOK_ROLE = {
    "00_base_models": "the pretrained ResNet-20 (CIFAR-10) and LeNet (MNIST) NeuMeta starts from",
    "10_permutation": "total variation before/after each channel ordering, function preserved, solver time",
    "20_neumeta": "INR training, accuracy at every width (ResNet-20 16..64, LeNet 4..32), params/FLOPs, step time",
    "30_table2": "Table 2: Individual, Slimmable, INN and NeuMeta at γ = 0/25/50/75 % and every d, paired orderings",
    "40_pruning": "Figure 5: NeuMeta against torch-pruning's criteria at the same widths, paired margins",
    "50_vae": "Figures 6 and 7: VAE decoders by NeuMeta, pruning and Individual training; IWAE −log p(x), negative "
              "ELBO, MSE; samples",
    "60_similarity": "Figure 9: CKA with the full model and KL between every pair of widths for Individual, KD and "
                     "NeuMeta; three CKA estimators; paired margins",
    "80_table1": "Table 1: each method's properties (resizable, generalises, checkpoint-free, ...) decided by checks "
                 "on our models; stored parameters measured",
    "70_ablations": "the ablation table (permutation, λ1, λ2, noise) on ResNet-20 and LeNet, Figure 10 "
                    "(sample-and-merge), the INR-size frontier",
}


def notebook_status(profile="cpu"):
    """Per notebook: what it makes, whether its committed results still match the code
    (``neumeta.tooling.provenance``), how long its last pipeline run took and on which CPU."""
    import json

    from neumeta.tooling.provenance import check
    lines = [f"| notebook | what it makes | committed {profile} results | last run (2-core CPU) |", "|---|---|---|---|"]
    for stem, status, reason in check(profile):
        meta_path = RESULTS_ROOT / profile / stem / "meta.json"
        run = "—"
        if meta_path.exists():
            meta = json.loads(meta_path.read_text())
            cpu = meta.get("machine", {}).get("cpu_model") or meta.get("machine", {}).get("processor", "")
            run = f"{meta['duration_seconds'] / 60:.0f} min, {str(meta['git'].get('commit'))[:7]}, {cpu}"
        lines.append(f"| `{stem}` | {NOTEBOOK_ROLE.get(stem, '')} | **{status}**: {reason} | {run} |")
    return "\n".join(lines) + (f"\n\n_Status from `python -m neumeta.tooling.provenance {profile}`; run times from each "
                               f"`results/{profile}/<notebook>/meta.json`._")


def merge_rules_table(profile="cpu"):
    """Per architecture and merge rule: at how many widths it matches the K-sample merge within the paired
    interval, and by how much it differs (the same K draws from another seed are the yardstick)."""
    path = RESULTS_ROOT / profile / "20_neumeta" / "merge_rules.csv"
    if not path.exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=20`._"
    t = pd.read_csv(path)
    lines = ["| model | rule | INR passes per width | widths within noise of the K-merged network | mean \\|difference\\| "
             "(points) | largest difference (points) |", "|---|---|---|---|---|---|"]
    for (arch, rule), g in t.groupby(["arch", "rule"], sort=False):
        worst = g.loc[g["diff"].abs().idxmax()]
        lines.append(f"| {arch} | {rule} | {int(g.points.iloc[0])} | {int(g.within_noise.sum())} of {len(g)} | "
                     f"{g['diff'].abs().mean():.3f} | {worst['diff']:+.2f} at d = {int(worst.width)} "
                     f"[{worst.ci_low:+.2f}, {worst.ci_high:+.2f}] |")
    return "\n".join(lines) + f"\n\n_Source: `results/{profile}/20_neumeta/merge_rules.csv` (per width, with intervals)._"


def benchmark_table(profile="cpu"):
    """The evaluation benchmark (old path vs new path, same machine, one run)."""
    import json
    folder = RESULTS_ROOT / profile / "benchmarks"
    if not (folder / "evaluation.csv").exists():
        return f"_Not measured yet: run `make benchmark PROFILE={profile}`._"
    t = pd.read_csv(folder / "evaluation.csv")
    meta = json.loads((folder / "evaluation.meta.json").read_text())
    lines = ["| case | widths | old path (s) | new path (s) | new / old | images predicted differently | note |",
             "|---|---|---|---|---|---|---|"]
    for r in t.itertuples():
        differing = "—" if pd.isna(r.images_differing) else f"{int(r.images_differing)}"
        note = "" if pd.isna(r.note) else r.note
        lines.append(f"| {r.case} | {r.widths} | {r.old_seconds:.2f} | {r.new_seconds:.2f} | **{r.new_over_old:.3f}** | "
                     f"{differing} | {note} |")
    machine = meta["machine"]
    return "\n".join(lines) + (f"\n\n_Measured in one run of `make benchmark PROFILE={profile}` "
                               f"({meta['seconds'] / 60:.0f} min) at commit {str(meta['git']['commit'])[:7]}"
                               f"{' (dirty tree)' if meta['git']['dirty'] else ''} on {machine['cpu_model']}, "
                               f"{machine['torch_threads']} torch threads, bf16 in hardware: "
                               f"{machine['bf16_in_hardware']}. Source: `results/{profile}/benchmarks/evaluation.csv`._")


def command_times(profile="cpu"):
    """How long each command took when last measured: ``make reproduce`` as the sum of the notebooks' last
    pipeline runs, the others from ``benchmarks/time_command.py``'s table."""
    import json
    lines = ["| command | last measured | where |", "|---|---|---|"]
    runs = [json.loads(p.read_text()) for p in sorted((RESULTS_ROOT / profile).glob("[0-9][0-9]_*/meta.json"))]
    if runs:
        total = sum(m["duration_seconds"] for m in runs)
        threads = sorted({m.get("machine", {}).get("torch_threads") for m in runs} - {None})
        cpus = sorted({m.get("machine", {}).get("cpu_model") for m in runs} - {None})
        lines.append(f"| `make reproduce` (PROFILE={profile}, from committed checkpoints) | {total / 60:.1f} min "
                     f"(sum of the {len(runs)} notebooks' last runs) | {', '.join(cpus)}, "
                     f"{'/'.join(map(str, threads))} torch threads |")
    path = RESULTS_ROOT / profile / "benchmarks" / "commands.csv"
    if path.exists():
        for r in pd.read_csv(path).itertuples():
            when = f"{r.seconds / 60:.1f} min" if r.seconds >= 120 else f"{r.seconds:.0f} s"
            lines.append(f"| `{r.command}` | {when} | {r.cpu_model}, {r.cpu_count} cores, bf16 in hardware: "
                         f"{r.bf16_in_hardware}; commit {r.commit}{' (dirty)' if r.dirty else ''}, {r.date} |")
    return "\n".join(lines) + (f"\n\n_Sources: `results/{profile}/<notebook>/meta.json`, "
                               f"`results/{profile}/benchmarks/commands.csv` (`python benchmarks/time_command.py`)._")


def vae_table(profile="cpu"):
    """Figure 7 at the paper's widths: each metric per method (mean ± 95 % half-interval), then NeuMeta's paired
    margins over every baseline at those widths."""
    folder = RESULTS_ROOT / profile / "50_vae"
    if not (folder / "vae_metrics.csv").exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=50`._"
    t, m = pd.read_csv(folder / "vae_metrics.csv"), pd.read_csv(folder / "margins.csv")
    names = {"iwae": "−log p(x), IWAE", "neg_elbo": "negative ELBO, 1 sample (the paper's \"NLL\")",
             "mse": "reconstruction MSE"}
    widths = [64, 48, 38, 32]
    blocks = []
    for dataset in t.dataset.unique():
        lines = [f"**{dataset}**: mean per test image ± 95 % interval (lower is better); columns: decoder width h "
                 "(compression 1 − h/64)", "", "| metric | method | " +
                 " | ".join(f"h={w} ({100 * (1 - w / 64):.0f} %)" for w in widths) + " |", "|---|---|" + "---|" * len(widths)]
        sub = t[t.dataset == dataset].set_index(["metric", "method", "width"])
        for metric in names:
            for method in t[(t.dataset == dataset)].method.unique():
                cells = [f"{sub.loc[(metric, method, w), 'mean']:.2f} ± {sub.loc[(metric, method, w), 'ci_half']:.2f}"
                         if (metric, method, w) in sub.index else "—" for w in widths]
                name = f"**{method}**" if method == "NeuMeta" else method
                lines.append(f"| {names[metric]} | {name} | " + " | ".join(cells) + " |")
        mm = m[(m.dataset == dataset) & m.width.isin(widths[1:])]
        counts = mm.groupby(["metric", "verdict"]).size().unstack(fill_value=0)
        lines += ["", "NeuMeta against every baseline at h = 48, 38, 32, paired over test images (count of comparisons):", ""]
        lines += ["| metric | " + " | ".join(counts.columns) + " |", "|---|" + "---|" * len(counts.columns)]
        lines += [f"| {names[k]} | " + " | ".join(str(v) for v in row) + " |" for k, row in counts.iterrows()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\n_Source: `results/{profile}/50_vae/vae_metrics.csv`, `margins.csv`._"


def similarity_table(profile="cpu"):
    """Figure 9 in numbers: NeuMeta's family against Individual's and KD's (paired margins), then each width's
    CKA with its family's full model at the paper's layer under the three estimators."""
    folder = RESULTS_ROOT / profile / "60_similarity"
    if not (folder / "similarity_margins.csv").exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=60`._"
    m, cka = pd.read_csv(folder / "similarity_margins.csv"), pd.read_csv(folder / "cka.csv")
    models = pd.read_csv(folder / "models.csv")
    lines = [f"Over the widths every method has (d = {m.widths.iloc[0]}); NeuMeta − other with 95 % paired bootstrap "
             "intervals (KL: over test images; CKA: over the batches it is computed on):", "",
             "| quantity | comparison | NeuMeta | other | NeuMeta − other [95 % CI] | NeuMeta / other [95 % CI] | verdict |",
             "|---|---|---|---|---|---|---|"]
    for r in m.itertuples():
        lines.append(f"| {r.quantity} | {r.comparison} | {r.neumeta:.4f} | {r.other:.4f} | {r.diff:+.4f} "
                     f"[{r.diff_low:+.4f}, {r.diff_high:+.4f}] | {r.ratio:.3f} [{r.ratio_low:.3f}, {r.ratio_high:.3f}] | "
                     f"{r.verdict} |")
    block = cka[(cka.layer == "block") & (cka.width_a == cka.groupby("method").width_a.transform("max"))]
    estimators = list(dict.fromkeys(block.estimator))
    lines += ["", "CKA with the family's full model at the output of `layer3.2` (the paper's layer), and each model's "
              "test accuracy:", "", "| method | d | test acc. (%) | " + " | ".join(estimators) + " |",
              "|---|---|---|" + "---|" * len(estimators)]
    acc = models.set_index(["method", "width"]).test_acc
    table = block.pivot_table(index=["method", "width_b"], columns="estimator", values="cka")
    for (method, width), row in table.sort_index(ascending=[True, False]).iterrows():
        lines.append(f"| {method} | {width} | {acc.get((method, width), float('nan')):.2f} | "
                     + " | ".join(f"{row[e]:.4f}" for e in estimators) + " |")
    return "\n".join(lines) + (f"\n\n_Source: `results/{profile}/60_similarity/similarity_margins.csv`, `cka.csv`, "
                               "`models.csv`._")


def ablation_table(profile="cpu"):
    """The ablation table: each row's accuracy at four widths, its paired difference from the reference row of the
    same schedule, and the paper's number for the row that changes the same thing."""
    folder = RESULTS_ROOT / profile / "70_ablations"
    if not (folder / "ablation_table.csv").exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=70`._"
    t, m = pd.read_csv(folder / "ablation_table.csv"), pd.read_csv(folder / "ablation_margins.csv")
    blocks = []
    for arch in t.arch.unique():
        sub, mm = t[t.arch == arch], m[m.arch == arch].set_index(["row", "width"])
        widths = sorted((int(c[5:]) for c in sub.columns if c.startswith("acc_d") and sub[c].notna().any()), reverse=True)
        lines = [f"**{arch}**: test accuracy (%); below each, the row minus the reference row [paired 95 % interval]",
                 "", "| row | " + " | ".join(f"d = {w}" for w in widths) + " | paper |",
                 "|---|" + "---|" * (len(widths) + 1)]
        for r in sub.itertuples():
            cells = []
            for w in widths:
                cell = f"{getattr(r, f'acc_d{w}'):.2f}"
                if (r.row, w) in mm.index:
                    x = mm.loc[(r.row, w)]
                    cell += f"<br>{x.minus_reference:+.2f} [{x.ci_low:+.2f}, {x.ci_high:+.2f}]"
                cells.append(cell)
            paper = "" if pd.isna(r.paper_accuracy) else f"{r.paper_accuracy:.2f}"
            lines.append(f"| {r.name} | " + " | ".join(cells) + f" | {paper} |")
        blocks.append("\n".join(lines) + "\n\n" + _ablation_verdicts(sub, m[m.arch == arch], widths))
    return "\n\n".join(blocks) + (f"\n\n_Source: `results/{profile}/70_ablations/ablation_table.csv`, "
                                   "`ablation_margins.csv`._")


def _ablation_verdicts(table, margins, widths):
    """One line per verdict pattern: which rows differ from the reference (interval excludes 0) at which widths."""
    names = dict(zip(table.row, table.name))
    shown = margins[margins.width.isin(widths) & ~margins.row.str.startswith("inr-")]
    groups = {"worse at every width shown": [], "better at every width shown": [],
              "within noise at every width shown": [], "mixed": []}
    for row, g in shown.groupby("row", sort=False):
        if g.verdict.nunique() == 1:
            groups[f"{g.verdict.iloc[0]} at every width shown"].append(names[row])
        else:
            widths_said = ", ".join(f"d = {r.width} {r.verdict}" for r in g.itertuples())
            groups["mixed"].append(f"{names[row]} ({widths_said})")
    return "; ".join(f"**{k}**: {', '.join(v)}" for k, v in groups.items() if v) + "."


def ablation_frontier(profile="cpu"):
    """The INR-size frontier: stored parameters against accuracy at d = 64 and 16, each point against the
    reference-size row on the same schedule, and the smallest point not worse than it at both widths."""
    path = RESULTS_ROOT / profile / "70_ablations" / "frontier.csv"
    if not path.exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=70`._"
    from neumeta.paper import PAPER_NEUMETA_STORED_PARAMS
    t = pd.read_csv(path).sort_values("stored_params")
    lines = ["| INR (hidden x layers x bands) | INR params | stored params | d = 64 | minus reference [95 % CI] | "
             "d = 16 | minus reference [95 % CI] |", "|---|---|---|---|---|---|---|"]
    for r in t.itertuples():
        cells = []
        for d in (64, 16):
            cells.append(f"{getattr(r, f'acc_d{d}'):.2f}")
            cells.append("reference" if r.row == "reference" else
                         f"{getattr(r, f'd{d}_minus_reference'):+.2f} [{getattr(r, f'd{d}_ci_low'):+.2f}, "
                         f"{getattr(r, f'd{d}_ci_high'):+.2f}] {getattr(r, f'd{d}_verdict')}")
        lines.append(f"| {r.hidden} x {r.layers} x {r.bands} | {r.inr_params:,} | {r.stored_params / 1e6:.3f}M | "
                     + " | ".join(cells) + " |")
    ok = t[t.not_worse_than_reference]
    smallest = (f"{ok.iloc[0].hidden} x {ok.iloc[0].layers} x {ok.iloc[0].bands}, "
                f"{ok.iloc[0].stored_params / 1e6:.3f}M stored" if len(ok) else "none of the smaller points")
    return "\n".join(lines) + (f"\n\nSmallest INR not worse than the reference size at d = 64 and 16 (paired "
                               f"interval): {smallest}. The paper reports {PAPER_NEUMETA_STORED_PARAMS / 1e6:.2f}M "
                               f"stored parameters.\n\n_Source: `results/{profile}/70_ablations/frontier.csv`._")


def figure10_block(profile="cpu"):
    """Figure 10 in numbers: the K-sample merge against one clean sample per width (paired intervals, counted by
    verdict), and accuracy against K at a trained and an untrained width."""
    folder = RESULTS_ROOT / profile / "70_ablations"
    if not (folder / "figure10_margins.csv").exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=70`._"
    m, k = (pd.read_csv(folder / f"figure10_{n}.csv") for n in ("margins", "k"))
    lines = ["| model | widths | merge − clean, mean (points) | merge better | within noise | merge worse | "
             "merge lowers the test loss |", "|---|---|---|---|---|---|---|"]
    for arch in m.arch.unique():
        for trained in (True, False):
            g = m[(m.arch == arch) & (m.trained_width == trained)]
            if len(g):
                lines.append(f"| {arch} | {'trained' if trained else 'never trained'} ({len(g)}) | "
                             f"{g.merge_minus_clean.mean():+.2f} | {(g.verdict == 'better').sum()} | "
                             f"{(g.verdict == 'within noise').sum()} | {(g.verdict == 'worse').sum()} | "
                             f"{g.merge_lowers_loss.sum()} of {len(g)} |")
    lines += ["", "Accuracy (%) against the number of merged INR passes K (Monte-Carlo: mean of three seeds, "
              "[min, max], one clean sample at K = 1; Gauss–Legendre: n × n nodes + the clean point):", ""]
    for arch, g in k.groupby("arch", sort=False):
        mc = g[g.rule == "Monte-Carlo"].groupby(["width", "K"]).accuracy.agg(["mean", "min", "max"])
        gl = g[g.rule != "Monte-Carlo"].set_index(["width", "K"]).accuracy
        ks = sorted(set(g.K))
        lines += [f"**{arch}**", "", "| width | rule | " + " | ".join(f"K = {x}" for x in ks) + " |",
                  "|---|---|" + "---|" * len(ks)]
        for d in sorted(set(g.width), reverse=True):
            row = ["" if (d, x) not in mc.index else f"{mc.loc[(d, x), 'mean']:.2f}" if x == 1 else
                   f"{mc.loc[(d, x), 'mean']:.2f} [{mc.loc[(d, x), 'min']:.2f}, {mc.loc[(d, x), 'max']:.2f}]"
                   for x in ks]
            lines.append(f"| {d} | Monte-Carlo | " + " | ".join(row) + " |")
            lines.append(f"| {d} | Gauss–Legendre | " + " | ".join(f"{gl.loc[(d, x)]:.2f}" if (d, x) in gl.index else ""
                                                                   for x in ks) + " |")
        lines.append("")
    return "\n".join(lines) + (f"\n_Source: `results/{profile}/70_ablations/figure10_margins.csv`, "
                               "`figure10_k.csv`._")


def table1_block(profile="cpu"):
    """Table 1 as notebook 80 stored it (ours beside the paper's marks)."""
    path = RESULTS_ROOT / profile / "80_table1" / "table1.md"
    if not path.exists():
        return f"_Not generated yet: run `make reproduce PROFILE={profile} ONLY=80`._"
    return path.read_text().rstrip() + f"\n\n_Source: `results/{profile}/80_table1/table1.csv`._"


def data_parallel(profile="cpu"):
    """One process against two under torchrun on this machine's CPU (``benchmarks/data_parallel.py``)."""
    path = RESULTS_ROOT / profile / "benchmarks" / "data_parallel.csv"
    if not path.exists():
        return "_Not measured yet: run `python benchmarks/data_parallel.py`._"
    t = pd.read_csv(path)
    lines = ["| run | seconds | images / s | time ÷ one process |", "|---|---|---|---|"]
    lines += [f"| {r.run} ({r.processes} × {r.threads_each} thread{'s' if r.threads_each > 1 else ''}) | {r.seconds:.2f} | "
              f"{r.images_per_second:.0f} | {r.time_ratio_to_one_process:.2f} |" for r in t.itertuples()]
    r = t.iloc[0]
    return "\n".join(lines) + (f"\n\n_One base-model epoch of {r.images} CIFAR-10 images, {r.cpu_model}, {r.cpu_count} "
                               f"cores, commit {r.commit}, {r.date}; source: `results/{profile}/benchmarks/data_parallel.csv`._")


def gpu_check(profile="paper"):
    """The paper profile's CUDA check as ``benchmarks/gpu_check.py`` last stored it."""
    import json
    path = RESULTS_ROOT / profile / "benchmarks" / "gpu_check.json"
    if not path.exists():
        return "_No GPU check stored yet: run `python benchmarks/gpu_check.py --out results/paper/benchmarks` on a GPU._"
    from neumeta.config.profiles import load_profile
    r, P = json.loads(path.read_text()), load_profile(profile)
    e = r["end_to_end"]
    lines = [f"Last run on one {r['gpu']} (torch {r['torch']}; its CPU: {r['cpu_threads']} threads), paper profile shapes "
             f"(INR {' x '.join(map(str, r['inr_shape']))}, {r['inr_params'] / 1e6:.2f}M parameters; K = {r['K']}):", "",
             "| step | GPU | same machine's CPU | CPU / GPU | peak GPU memory |", "|---|---|---|---|---|",
             f"| ResNet-20 training step, batch {P['base_batch_size']} | {1e3 * r['base_step_s_gpu']:.1f} ms | "
             f"{1e3 * r['base_step_s_cpu']:.1f} ms | {r['base_step_cpu_over_gpu']:.1f}x | {r['base_step_peak_gib']:.2f} GiB |",
             f"| INR training step (generates layer3.2), batch {P['inr_batch_size']} | {1e3 * r['inr_step_s_gpu']:.1f} ms | "
             f"{1e3 * r['inr_step_s_cpu']:.1f} ms | {r['inr_step_cpu_over_gpu']:.1f}x | {r['inr_step_peak_gib']:.2f} GiB |",
             f"| K-sample merge at one width | {1e3 * r['merge_K_s_gpu']:.0f} ms | {1e3 * r['merge_K_s_cpu']:.0f} ms | "
             f"{r['merge_K_cpu_over_gpu']:.1f}x | — |", "",
             f"Both trainers ran end to end on CUDA on the fixtures (a base-model epoch of {e['base_epoch']['images']} images "
             f"in {e['base_epoch']['seconds']:.1f} s, reloaded bit for bit from its checkpoint: "
             f"{e['base_epoch']['reload_equal']}; an INR epoch with its warm start in {e['inr_epoch']['seconds']:.1f} s, "
             f"the INR back on the CPU afterwards: {e['inr_epoch']['on_cpu_after']})."]
    return "\n".join(lines) + f"\n\n_Source: `results/{profile}/benchmarks/gpu_check.json`._"


def first_screen(profile="cpu"):
    """The README's opening lines: the two commands with their last measured times and CPU, and the map's headline."""
    import json
    from neumeta.tooling import paper_map
    runs = [json.loads(p.read_text()) for p in sorted((RESULTS_ROOT / profile).glob("[0-9][0-9]_*/meta.json"))]
    reproduce = "not measured yet"
    if runs:
        cpus = ", ".join(sorted({m.get("machine", {}).get("cpu_model") or "?" for m in runs}))
        reproduce = (f"{sum(m['duration_seconds'] for m in runs) / 60:.0f} min for its {len(runs)} notebooks from the "
                     f"committed checkpoints ({cpus}, 2 cores)")
    test = "not measured yet"
    path = RESULTS_ROOT / profile / "benchmarks" / "commands.csv"
    if path.exists():
        rows = pd.read_csv(path)
        rows = rows[rows.command == "make test"]
        if len(rows):
            r = rows.iloc[-1]
            test = f"{r.seconds / 60:.0f} min ({r.cpu_model}, {r.cpu_count} cores, measured {r.date})"
    headline = paper_map.render(profile).splitlines()[0]
    return "\n".join([
        f"- `make reproduce` regenerates every table and figure of the `{profile}` profile: {reproduce}.",
        f"- `make test` runs the test suite, every notebook in the `smoke` profile and the `paper` profile's dry run: "
        f"{test}.",
        "", f"What is reproduced: {headline} The map is at *The paper, item by item*."])


def paper_map_table(profile="cpu"):
    from neumeta.tooling import paper_map
    return paper_map.render(profile)


BLOCKS = {"base_models": base_models_table, "permutation": permutation_table, "neumeta": neumeta_table,
          "pruning": pruning_table, "table2": table2_table, "table2_ordering": table2_ordering,
          "notebook_status": notebook_status, "merge_rules": merge_rules_table, "benchmark": benchmark_table,
          "command_times": command_times, "vae": vae_table, "similarity": similarity_table,
          "ablations": ablation_table, "ablation_frontier": ablation_frontier,
          "figure10": figure10_block, "paper_map": paper_map_table,
          "first_screen": first_screen, "table1": table1_block,
          "gpu_check": gpu_check, "data_parallel": data_parallel}


def render(text):
    for name, fn in BLOCKS.items():
        pattern = re.compile(rf"(<!-- results:{name} -->).*?(<!-- /results:{name} -->)", re.S)
        text = pattern.sub(lambda m: m.group(1) + "\n" + fn() + "\n" + m.group(2), text)
    return text


def gallery_pages():
    """``{path: text}`` of the figure gallery of every committed profile (``figures/<profile>/README.md``)."""
    from neumeta.tooling import gallery
    from neumeta.store.results import FIGURES_ROOT
    profiles = sorted(p.name for p in FIGURES_ROOT.iterdir() if p.is_dir() and p.name not in ("scratch", "smoke")
                      and any(p.glob("[0-9][0-9]_*/*.png"))) if FIGURES_ROOT.exists() else []
    return {FIGURES_ROOT / profile / "README.md": gallery.render(profile) for profile in profiles}


def main(argv=None):
    """Render the README's result blocks and the figure galleries; ``--check``: exit 1 if any is out of date."""
    argv = sys.argv[1:] if argv is None else argv
    pages = {README: render(README.read_text()), **gallery_pages()}
    stale = [path for path, text in pages.items() if not path.exists() or path.read_text() != text]
    if "--check" in argv:
        if stale:
            print("out of date: " + ", ".join(str(p) for p in stale) + ": run `python -m neumeta.tooling.report`",
                  file=sys.stderr)
            return 1
        return 0
    for path in stale:
        with atomic_write(path, "w") as f:
            f.write(pages[path])
    return 0


if __name__ == "__main__":
    sys.exit(main())
