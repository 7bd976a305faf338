"""The tooling's own result blocks: the two commands and their times, where the time of a run goes, each notebook's
status, the paper map, the tolerances of ``compare``, and the data-parallel and GPU benchmarks."""
import json
import re

from neumeta import pages
from neumeta.store.results import RESULTS_ROOT
from neumeta.tooling import compare, paper_map

NOTEBOOK_ROLE = {
    "00_base_models": "the pretrained ResNet-20 (CIFAR-10) and LeNet (MNIST) NeuMeta starts from",
    "01_quickstart": "beyond the paper: the public API on a small MNIST CNN, accuracy at every width against the base "
                     "network, and a width slider",
    "10_permutation": "total variation before/after each channel ordering, function preserved, solver time",
    "20_neumeta": "INR training, accuracy at every width (ResNet-20 16..64, LeNet 4..32), params/FLOPs, step time",
    "30_table2": "Table 2: Individual, Slimmable, INN and NeuMeta at γ = 0/25/50/75 % and every d, paired orderings",
    "40_pruning": "Figure 5: NeuMeta against torch-pruning's criteria at the same widths, paired margins",
    "50_vae": "Figures 6 and 7: VAE decoders by NeuMeta, pruning and Individual training; IWAE −log p(x), negative "
              "ELBO, MSE; samples",
    "60_similarity": "Figure 9: CKA with the full model and KL between every pair of widths for Individual, KD and "
                     "NeuMeta; three CKA estimators; paired margins",
    "70_ablations": "the ablation table (permutation, λ1, λ2, noise) on ResNet-20 and LeNet, the INR-size frontier",
    "71_sampling": "Figure 10: one clean sample against the K-sample merge across widths, accuracy against K beside "
                   "the Gauss–Legendre rule",
    "90_segmentation": "the paper's segmentation table on CamVid: a U-Net whose encoder block NeuMeta resizes, against "
                       "Individual and Slimmable U-Nets, dataset-level mIoU with paired intervals",
    "91_seeds": "beyond the paper: more training seeds of the headline comparisons (Table 2, Figure 5 MNIST), each "
                "reading's interval over seeds and test images and its verdict",
    "92_whole_network": "beyond the paper: one INR for all nine blocks of ResNet-20 (the paper's and the follow-up's "
                        "recipes) against thin networks trained from scratch, at every γ",
    "93_seeds_vae": "beyond the paper: Figure 7 (MNIST VAE) over training seeds of its INR, and how converged the "
                    "IWAE estimate is",
    "94_segmentation_pruning": "beyond the paper: the U-Net's block pruned by torch-pruning (with and without a "
                               "fine-tune) against notebook 90's NeuMeta networks, paired mIoU intervals",
    "95_whole_network_pruning": "beyond the paper: notebook 92's whole-network NeuMeta against global pruning of "
                                "every block (with and without a fine-tune), at every γ",
    "80_table1": "Table 1: each method's properties (resizable, generalises, checkpoint-free, ...) decided by checks "
                 "on our models; stored parameters measured",
}


def _runs(profile):
    """Each notebook's last pipeline run (its ``meta.json``)."""
    return [json.loads(p.read_text()) for p in sorted((RESULTS_ROOT / profile).glob("[0-9][0-9]_*/meta.json"))]


def _commands(profile):
    """``benchmarks/time_command.py``'s table of command times, or None."""
    return pages.optional(profile, "benchmarks", "commands.csv")


def notebook_status(profile="cpu"):
    """Per notebook: what it makes, whether its committed results still match the code
    (``neumeta.tooling.provenance``), how long its last pipeline run took and on which CPU."""
    from neumeta.tooling.provenance import check
    rows = []
    for stem, status, reason in check(profile):
        meta = pages.optional(profile, stem, "meta.json")
        run = pages.MISSING
        if meta is not None:
            cpu = meta.get("machine", {}).get("cpu_model") or meta.get("machine", {}).get("processor", "")
            run = f"{meta['duration_seconds'] / 60:.0f} min, {str(meta['git'].get('commit'))[:7]}, {cpu}"
        rows.append([f"`{stem}`", NOTEBOOK_ROLE.get(stem, ""), f"**{status}**: {reason}", run])
    columns = ["notebook", "what it makes", f"committed {profile} results", "last run (2-core CPU)"]
    return pages.markdown(rows, columns) + (f"\n\n_Status from `python -m neumeta.tooling.provenance {profile}`; run "
                                            f"times from each `results/{profile}/<notebook>/meta.json`._")


def command_times(profile="cpu"):
    """How long each command took when last measured: ``make reproduce`` as the sum of the notebooks' last
    pipeline runs, the others from ``benchmarks/time_command.py``'s table."""
    rows, runs = [], _runs(profile)
    if runs:
        threads = sorted({m.get("machine", {}).get("torch_threads") for m in runs} - {None})
        cpus = sorted({m.get("machine", {}).get("cpu_model") for m in runs} - {None})
        rows.append([f"`make reproduce` (PROFILE={profile}): its notebooks' own times added up, not the wall clock",
                     f"{sum(m['duration_seconds'] for m in runs) / 60:.1f} min (sum of the {len(runs)} notebooks' "
                     f"last runs)", f"{', '.join(cpus)}, {'/'.join(map(str, threads))} torch thread(s) each"])
    commands = _commands(profile)
    for r in commands.itertuples() if commands is not None else ():
        when = f"{r.seconds / 60:.1f} min" if r.seconds >= 120 else f"{r.seconds:.0f} s"
        rows.append([f"`{r.command}`", when, f"{r.cpu_model}, {r.cpu_count} cores, bf16 in hardware: "
                     f"{r.bf16_in_hardware}; commit {r.commit}{' (dirty)' if r.dirty else ''}, {r.date}"])
    return pages.markdown(rows, ["command", "last measured", "where"]) + (
        f"\n\n_Sources: `results/{profile}/<notebook>/meta.json`, `results/{profile}/benchmarks/commands.csv` "
        "(`python benchmarks/time_command.py`)._")


def time_by_notebook(profile="cpu"):
    """Per notebook of the last stored runs: its minutes, and its slowest cell with its share
    (``python -m neumeta.tooling.cell_times``'s table)."""
    table = pages.optional(profile, "benchmarks", "cell_times.csv")
    if table is None:
        return pages.MISSING
    rows = []
    for stem, cells in table.groupby("notebook", sort=False):
        slowest = cells.loc[cells.seconds.idxmax()]
        rows.append([f"`{stem}`", f"{cells.seconds.sum() / 60:.1f}", f"{slowest.section}: `{_shortened(slowest.first_line)}`",
                     f"{100 * slowest.share:.0f} %", f"{slowest.cpu_model}, {slowest.torch_threads}"])
    return pages.markdown(rows, ["notebook", "minutes", "slowest cell", "its share", "CPU, torch threads"]) + (
        f"\n\n_{table.seconds.sum() / 60:.1f} min of notebook time in all. Source: "
        f"`results/{profile}/benchmarks/cell_times.csv` (`python -m neumeta.tooling.cell_times {profile}`), every "
        "cell of every notebook in the runs it was made from._")


def _shortened(line, chars=48):
    return line if len(line) <= chars else line[:chars - 1].rstrip() + "…"


def first_screen(profile="cpu"):
    """The README's opening lines: the two commands with their last measured times and CPU, and the map's headline."""
    runs, reproduce, test = _runs(profile), "not measured yet", "not measured yet"
    if runs:  # a sum of one-thread runs, not the wall time of two lanes side by side
        cpus = ", ".join(sorted({m.get("machine", {}).get("cpu_model") or "?" for m in runs}))
        reproduce = (f"its {len(runs)} notebooks' last runs from the committed checkpoints add up to "
                     f"{sum(m['duration_seconds'] for m in runs) / 60:.0f} min of one thread each, two run side by "
                     f"side ({cpus})")
    commands = _commands(profile)
    # this commit's own time (an older commit's, timed with ``--checkout``, sits in the table under another name)
    timed = commands[commands.command == "make reproduce"] if commands is not None else ()
    if len(timed):
        r = timed.iloc[-1]
        reproduce = f"{r.seconds / 60:.0f} min ({r.cpu_model}, {r.cpu_count} cores, measured {r.date})"
    tests = commands[commands.command == "make test"] if commands is not None else ()
    if len(tests):
        r = tests.iloc[-1]
        test = f"{r.seconds / 60:.0f} min ({r.cpu_model}, {r.cpu_count} cores, measured {r.date})"
    headline = paper_map.render(profile).splitlines()[0]
    return "\n".join([
        f"- `make reproduce` regenerates every table and figure of the `{profile}` profile: {reproduce}.",
        f"- `make test` runs the test suite in two processes, every notebook in the `smoke` profile included: {test}.",
        "", f"What is reproduced: {headline} The map is at *The paper, item by item*."])


def paper_map_table(profile="cpu"):
    return paper_map.render(profile)


def tolerances(profile="cpu"):
    """What ``python -m neumeta.tooling.compare`` accepts as the same number, per kind (from its ``KINDS``,
    ``RTOL`` and ``ATOL``, and each kind's description in its docstring)."""
    said = dict(re.findall(r"^- ([\w-]+): (.*?)(?=^- |^A table|\Z)", compare.__doc__, flags=re.S | re.M))
    rows = [[f"`{kind}`", " ".join(said.get(kind, "").split()).rstrip(";."), accepted]
            for kind, accepted in compare.KINDS.items()]
    return pages.markdown(rows, ["kind", "which numbers", "accepted as the same"]) + (
        f"\n\n_From `neumeta/tooling/compare.py` (`KINDS`; RTOL = {compare.RTOL:g}, ATOL = {compare.ATOL:g})._")


def tolerances_line(profile="cpu"):
    """One sentence for the README: how ``compare`` decides that a rerun reproduced the committed tables."""
    return ("`make reproduce` ends with a verdict per notebook from `python -m neumeta.tooling.compare`, which judges "
            "each number by its kind: " + "; ".join(f"{kind} ({rule})" for kind, rule in compare.KINDS.items())
            + " ([did you reproduce?](docs/operations.md#did-you-reproduce)).")


def data_parallel(profile="cpu"):
    """One process against two under torchrun on this machine's CPU (``benchmarks/data_parallel.py``)."""
    t = pages.stored(profile, "benchmarks", "data_parallel.csv", command="python benchmarks/data_parallel.py")
    rows = [[f"{r.run} ({r.processes} × {r.threads_each} thread{'s' if r.threads_each > 1 else ''})",
             pages.number(r.seconds), pages.number(r.images_per_second, ".0f"),
             pages.number(r.time_ratio_to_one_process)] for r in t.itertuples()]
    r = t.iloc[0]
    return pages.markdown(rows, ["run", "seconds", "images / s", "time ÷ one process"]) + (
        f"\n\n_One base-model epoch of {r.images} CIFAR-10 images, {r.cpu_model}, {r.cpu_count} cores, commit "
        f"{r.commit}, {r.date}; source: `results/{profile}/benchmarks/data_parallel.csv`._")


def _ms(seconds, digits=1):
    return f"{pages.number(1e3 * seconds, f'.{digits}f')} ms"


def gpu_check(profile="paper"):
    """The paper profile's CUDA check as ``benchmarks/gpu_check.py`` last stored it."""
    from neumeta.config.profiles import load_profile
    r = pages.stored(profile, "benchmarks", "gpu_check.json",
                     command=f"python benchmarks/gpu_check.py --out results/{profile}/benchmarks")
    P, e = load_profile(profile), r["end_to_end"]
    rows = [[f"ResNet-20 training step, batch {P['base_batch_size']}", _ms(r["base_step_s_gpu"]),
             _ms(r["base_step_s_cpu"]), f"{r['base_step_cpu_over_gpu']:.1f}x", f"{r['base_step_peak_gib']:.2f} GiB"],
            [f"INR training step (generates layer3.2), batch {P['inr_batch_size']}", _ms(r["inr_step_s_gpu"]),
             _ms(r["inr_step_s_cpu"]), f"{r['inr_step_cpu_over_gpu']:.1f}x", f"{r['inr_step_peak_gib']:.2f} GiB"],
            ["K-sample merge at one width", _ms(r["merge_K_s_gpu"], 0), _ms(r["merge_K_s_cpu"], 0),
             f"{r['merge_K_cpu_over_gpu']:.1f}x", pages.MISSING]]
    return "\n".join([
        f"Last run on one {r['gpu']} (torch {r['torch']}; its CPU: {r['cpu_threads']} threads), paper profile shapes "
        f"(INR {' x '.join(map(str, r['inr_shape']))}, {pages.millions(r['inr_params'])} parameters; K = {r['K']}):",
        "", pages.markdown(rows, ["step", "GPU", "same machine's CPU", "CPU / GPU", "peak GPU memory"]), "",
        f"Both trainers ran end to end on CUDA on the fixtures (a base-model epoch of {e['base_epoch']['images']} "
        f"images in {e['base_epoch']['seconds']:.1f} s, reloaded bit for bit from its checkpoint: "
        f"{e['base_epoch']['reload_equal']}; an INR epoch with its warm start in {e['inr_epoch']['seconds']:.1f} s, "
        f"the INR back on the CPU afterwards: {e['inr_epoch']['on_cpu_after']}).", "",
        f"_Source: `results/{profile}/benchmarks/gpu_check.json`._"])
