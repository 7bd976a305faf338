"""The committed cpu-profile results: produced by the pipeline, current with the code, and what they claim."""
import functools
import json
import math
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from neumeta.experiments.pretrained.base_models import base_checkpoint_path
from neumeta.store.checkpoints import load_checkpoint
from neumeta.config.profiles import load_profile

RESULTS = Path(__file__).resolve().parents[1] / "results" / "cpu"


def _current(notebook):
    """Tests of what a notebook's committed results claim run on current results only; a stale or dirty
    result is reported as an expected failure here and fails test_no_committed_cpu_result_is_stale_or_dirty."""
    from neumeta.tooling.provenance import result_status
    status, reason = result_status("cpu", notebook)
    if status != "current":
        pytest.xfail(f"results/cpu/{notebook} is {status}: {reason}")


def _table(notebook, name):
    path = RESULTS / notebook / f"{name}.csv"
    assert path.exists(), f"{path} missing: run `make reproduce PROFILE=cpu ONLY={notebook[:2]}`"
    return pd.read_csv(path)


def _acc(arch, dataset):
    table = _table("00_base_models", "base_models")
    return table[(table.metric == "test_acc") & (table.arch == arch) & (table.dataset == dataset)]["value"].item()


def test_lenet_meets_target():
    assert _acc("lenet", "mnist") >= 98.5


@pytest.mark.xfail(strict=True, reason="cpu profile: the 40 + 20 + 40-epoch recipe on the JPEG CIFAR-10 copy stays "
                                       "below the 88 % target (base_models.csv)")
def test_resnet20_meets_target():
    assert _acc("resnet20", "cifar10") >= 88.0


def test_resnet20_is_a_usable_base_model():
    """Regression guard on the committed model, well above what a broken pipeline would give."""
    assert _acc("resnet20", "cifar10") >= 87.0


def test_full_test_sets_were_used():
    table = _table("00_base_models", "base_models")
    n_test = table[table.metric == "n_test"].set_index("dataset")["value"]
    assert n_test["cifar10"] == 10_000 and n_test["mnist"] == 10_000, "full test sets, not fixtures"


def test_base_results_came_from_the_pipeline():
    folder = RESULTS / "00_base_models"
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["profile"] == "cpu" and meta["papermill"]["exception"] is None
    assert meta["git"]["commit"] and meta["versions"]["torch"] == "2.14.1"
    assert (folder / "executed.ipynb").exists()
    assert (Path(__file__).resolve().parents[1] / "figures" / "cpu" / "00_base_models" / "base_training_curves.png").exists()


@pytest.mark.parametrize("arch,dataset", [("resnet20", "cifar10"), ("lenet", "mnist")])
def test_committed_checkpoints_load_safely_and_match_the_table(arch, dataset, monkeypatch):
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(RESULTS.parents[1] / "checkpoints"))  # the committed store
    P = load_profile("cpu")
    path = base_checkpoint_path(arch, dataset, P)
    assert path.exists(), f"{path.name} is not committed"
    payload = load_checkpoint(path)
    assert payload["meta"]["arch"] == arch and payload["meta"]["epochs"] >= 1
    table = _table("00_base_models", "base_models")
    row = table[(table.arch == arch) & (table.metric == "test_acc")]
    assert row.checkpoint.iloc[0] == path.name


def test_committed_checkpoints_stay_small():
    """What git tracks under checkpoints/ (git-ignored smoke runs and local partial files do not count)."""
    repo = RESULTS.parents[1]
    try:
        tracked = subprocess.run(["git", "ls-files", "-z", "checkpoints"], cwd=repo, capture_output=True, text=True)
    except OSError:
        tracked = None
    if tracked is None or tracked.returncode != 0:
        pytest.skip("no git checkout to ask what is committed")
    files = [repo / name for name in tracked.stdout.split("\0") if name]
    assert files, "no committed checkpoints"
    sizes = {f.name: f.stat().st_size for f in files if f.exists()}
    # every cpu-profile model is committed, so notebooks rebuild without retraining; a resumable partial carries the
    # EMA weights and the optimizer's moments too (about 4x the INR: 13.8 MB for ResNet-20's) until its run finishes
    finished = {name: size for name, size in sizes.items() if not name.endswith(".partial.pt")}
    partial = {name: size for name, size in sizes.items() if name.endswith(".partial.pt")}
    assert max(finished.values()) <= FINISHED_MIB * 2**20, max(finished, key=finished.get)
    assert not partial or max(partial.values()) <= PARTIAL_MIB * 2**20, max(partial, key=partial.get)
    assert sum(sizes.values()) <= TOTAL_MIB * 2**20


# The checkpoint budget (docs/operations.md states it): room for the segmentation U-Nets, the thin networks and the
# training seeds beside today's models.
TOTAL_MIB, FINISHED_MIB, PARTIAL_MIB = 250, 16, 32


def _sweep():
    _current("20_neumeta")
    return _table("20_neumeta", "width_sweep")


def _merged(arch, width):
    s = _sweep()
    row = s[(s.arch == arch) & (s.width == width) & (s.metric == "acc_merged")]
    return row.value.item(), row.base_acc.item()


def test_neumeta_results_came_from_the_pipeline():
    meta = json.loads((RESULTS / "20_neumeta" / "meta.json").read_text())
    assert meta["profile"] == "cpu" and meta["papermill"]["exception"] is None
    s = _sweep()
    assert sorted(s[s.arch == "resnet20"].width.unique()) == list(range(16, 65))
    assert sorted(s[s.arch == "lenet"].width.unique()) == list(range(4, 33))
    assert (s[s.metric == "acc_merged"].K == 100).all()


def test_neumeta_full_width_within_one_point_of_the_base_model():
    acc, base = _merged("resnet20", 64)
    assert acc >= base - 1.0


def test_neumeta_never_trained_width_16_within_three_points():
    acc, base = _merged("resnet20", 16)
    assert acc >= base - 3.0


def test_neumeta_step_meets_the_profiles_step_ratio():
    _current("20_neumeta")
    speed = _table("20_neumeta", "speed").set_index("metric")["value"]
    goal = load_profile("cpu")["expect_step_ratio"]
    assert speed["step_time_ratio"] == pytest.approx(speed["neumeta_step_seconds"] / speed["plain_step_seconds"], rel=1e-4)
    assert speed["step_time_ratio"] <= goal
    assert 0 < speed["materialise_k100_seconds"] < 60  # one width's K = 100 merge; a minute would be a regression


def test_lenet_sweep_reported():
    acc, base = _merged("lenet", 32)
    assert acc >= base - 1.0
    # the never-trained d = 4: above every pruning criterion without fine-tuning, below the fine-tuned one
    m = _table("40_pruning", "neumeta_margins")
    at4 = m[(m.dataset == "mnist") & (m.width == 4)].set_index("method").verdict
    assert (at4.drop("l1+finetune") == "NeuMeta higher").all() and at4["l1+finetune"] == "NeuMeta lower"


def test_pruning_panels_start_at_the_base_model_and_neumeta_wins_from_25_percent_on_cifar10():
    """Figure 5 (cpu): every criterion's unpruned point is the base model itself; NeuMeta is above every
    criterion without fine-tuning, beyond noise, at every shared ratio from 25 % to 75 % on CIFAR-10, as the paper
    claims; at 12 % it is above every criterion but Hessian, which it only matches within noise (against the paper)."""
    _current("40_pruning")
    t = _table("40_pruning", "pruning")
    acc = t[(t.metric == "accuracy") & ~t.fine_tuned.astype(bool)]
    for dataset, arch in (("mnist", "lenet"), ("cifar10", "resnet20")):
        full = acc[(acc.dataset == dataset) & (acc.width == acc.full_width)]
        assert set(full.method) == set(load_profile("cpu")["prune_criteria"])
        assert (full.value == _acc(arch, dataset)).all()
    margins = _table("40_pruning", "neumeta_margins")
    cifar = margins[(margins.dataset == "cifar10") & ~margins.method.str.endswith("finetune")
                    & margins.width.between(16, 56)]
    wins = cifar[(cifar.width <= 48) | (cifar.method != "hessian")]
    assert len(wins) and (wins.verdict == "NeuMeta higher").all(), wins[wins.verdict != "NeuMeta higher"]
    hessian_12 = cifar[(cifar.width == 56) & (cifar.method == "hessian")]
    assert (hessian_12.verdict == "within noise").all() and len(hessian_12) == 1
    assert ((cifar.ci_low > 0) == (cifar.verdict == "NeuMeta higher")).all()
    meta = json.loads((RESULTS / "40_pruning" / "meta.json").read_text())
    assert meta["profile"] == "cpu" and meta["git"]["dirty"] is False


def needs_table2(test):
    def run():
        _current("30_table2")
        test()
    run.__name__, run.__doc__ = test.__name__, test.__doc__
    return run


@needs_table2
def test_table2_came_from_the_pipeline_with_every_method_above_chance():
    meta = json.loads((RESULTS / "30_table2" / "meta.json").read_text())
    assert meta["profile"] == "cpu" and meta["papermill"]["exception"] is None and meta["git"]["dirty"] is False
    table = _table("30_table2", "table2")
    cifar = table[table.dataset == "cifar10"].set_index("method")
    assert set(cifar.index) == {"Individual", "Slimmable", "INN", "NeuMeta"}
    gammas = ["gamma_0", "gamma_25", "gamma_50", "gamma_75"]
    assert (cifar.loc[["Individual", "INN", "NeuMeta"], gammas] > 10.0).all().all()
    assert (cifar[gammas[:3]] > 10.0).all().all()  # Slimmable may collapse at the unseen 75 %, as in the paper
    assert (cifar.train_hours > 0).all() and (cifar.stored_params > 0).all()


@needs_table2
def test_table2_neumeta_row_is_notebook_20s_sweep_and_individual_full_width_is_the_base_model():
    cifar = _table("30_table2", "table2").query("dataset == 'cifar10'").set_index("method")
    for gamma, d in (("gamma_0", 64), ("gamma_25", 48), ("gamma_50", 32), ("gamma_75", 16)):
        assert cifar.loc["NeuMeta", gamma] == pytest.approx(_merged("resnet20", d)[0], abs=1e-9)
    assert cifar.loc["Individual", "gamma_0"] == pytest.approx(_acc("resnet20", "cifar10"), abs=1e-9)


@needs_table2
def test_table2_ordering_gives_every_pair_at_every_gamma_with_an_interval_that_decides_the_verdict():
    ordering = _table("30_table2", "table2_ordering").query("dataset == 'cifar10'")
    table = _table("30_table2", "table2").query("dataset == 'cifar10'").set_index("method")
    assert sorted(ordering.gamma.unique()) == [0, 25, 50, 75]
    assert (ordering.groupby("gamma").size() == 6).all()  # 4 methods: every pair once
    assert (ordering["diff"] >= 0).all() and (ordering.ci_low <= ordering["diff"]).all()
    assert ((ordering.ci_low > 0) == (ordering.verdict != "within noise")).all()
    for r in ordering.itertuples():  # the paired difference is the difference of the table's accuracies
        gamma = f"gamma_{r.gamma:.0f}"
        assert r.diff == pytest.approx(table.loc[r.a, gamma] - table.loc[r.b, gamma], abs=1e-6)


def _vae():
    _current("50_vae")
    return _table("50_vae", "vae_metrics")


def test_vae_results_came_from_the_pipeline_with_every_width_and_method():
    meta = json.loads((RESULTS / "50_vae" / "meta.json").read_text())
    P = load_profile("cpu")
    assert meta["profile"] == "cpu" and meta["papermill"]["exception"] is None
    t = _vae()
    assert sorted(t[t.method == "NeuMeta"].width.unique()) == list(range(8, 65))
    for method in P["vae_prune_criteria"] + ["l1+finetune"]:
        assert sorted(t[t.method == method].width.unique()) == sorted(P["vae_baseline_widths"]), method
    assert sorted(t[t.method == "Individual"].width.unique()) == sorted(P["vae_individual_widths"] + [64])
    assert (t[t.metric == "iwae"].n == P["vae_iwae_images"]).all() and (t[t.metric != "iwae"].n == 10_000).all()
    unavailable = _table("50_vae", "unavailable_datasets")
    assert unavailable.dataset.tolist() == ["celeba"]  # said on the figure, not left out


def test_vae_iwae_estimate_is_never_looser_than_the_one_sample_bound():
    """Per model: the IWAE mean (first 1000 images) is below the negative ELBO mean (all images), up to the two
    means' 95 % half-intervals (they average over different images)."""
    t = _vae().pivot_table(index=["method", "width"], columns="metric", values=["mean", "ci_half"])
    t = t[t["mean"]["iwae"].notna()]  # NeuMeta's widths between the compared ones have no IWAE estimate
    assert len(t) >= len(load_profile("cpu")["vae_baseline_widths"])
    slack = t["ci_half"]["iwae"] + t["ci_half"]["neg_elbo"]
    assert (t["mean"]["iwae"] <= t["mean"]["neg_elbo"] + slack).all()


def test_vae_permutation_kept_the_function_and_every_width_is_at_its_pretrained_start():
    artifacts = _table("50_vae", "artifacts").set_index("artifact")
    change = float(artifacts.loc["permuted target", "detail"].rsplit(" ", 1)[-1])
    assert change < 1e-3
    t = _vae()
    at64 = t[(t.width == 64) & (t.method != "NeuMeta")].pivot_table(index="method", columns="metric", values="mean")
    assert (at64.drop(index="l1+finetune").nunique() == 1).all()  # every unpruned baseline is the pretrained VAE


def test_vae_margins_have_intervals_that_decide_the_verdict():
    _current("50_vae")
    m = _table("50_vae", "margins")
    assert len(m) and (m.ci_low <= m.neumeta_minus_method).all() and (m.neumeta_minus_method <= m.ci_high).all()
    assert ((m.ci_high < 0) == (m.verdict == "NeuMeta better")).all()
    assert ((m.ci_low > 0) == (m.verdict == "NeuMeta worse")).all()


def test_vae_claims_of_the_readme_hold():
    """docs/results/50_vae.md: NeuMeta beats every pruning criterion without fine-tuning at the paper's compressions
    (25/41/50 %) on all three metrics, and loses to the Individual VAEs and to L1 + fine-tune at every one of them."""
    _current("50_vae")
    m = _table("50_vae", "margins")
    paper = m[m.width.isin([48, 38, 32])]
    no_finetune = paper[~paper.method.isin(["Individual", "l1+finetune"])]
    assert len(no_finetune) == 5 * 3 * 3 and (no_finetune.verdict == "NeuMeta better").all()
    retrained = paper[paper.method.isin(["Individual", "l1+finetune"])]
    assert len(retrained) == 2 * 3 * 3 and (retrained.verdict == "NeuMeta worse").all()


def test_no_committed_cpu_result_is_stale_or_dirty():
    from neumeta.tooling.provenance import check
    bad = [(stem, status, reason) for stem, status, reason in check("cpu") if status in ("stale", "dirty")]
    assert not bad, "\n".join(f"{stem}: {status} ({reason})" for stem, status, reason in bad)


def test_table1_claims_in_the_readme_hold():
    """docs/results/80_table1.md says NeuMeta stores more parameters than the four Individual networks, and that it
    is resizable and generalises to d = 16 by our checks."""
    _current("80_table1")
    t = _table("80_table1", "table1").set_index("method")
    assert t.loc["NeuMeta", "stored_params"] > t.loc["Individual", "stored_params"]
    assert t.loc["NeuMeta", "resizable"] and t.loc["NeuMeta", "generalises"]


def _ablations(name):
    _current("70_ablations")
    return _table("70_ablations", name)


def _sampling(name):
    _current("71_sampling")
    return _table("71_sampling", name)


@functools.cache
def _verdicts():
    """Each row's verdict against the reference, keyed by (arch, row, width); read once for every claim."""
    m = _ablations("ablation_margins")
    return dict(zip(zip(m.arch, m.row, m.width), m.verdict))


def _margin(arch, row, width):
    return _verdicts()[arch, row, width]


def _shown_widths():
    """The widths the ablation table shows, widest first: those the notebook compared with the reference."""
    m = _ablations("ablation_margins")
    return {arch: sorted(g.width.unique(), reverse=True) for arch, g in m.groupby("arch")}


def test_ablation_results_came_from_the_pipeline_with_every_row_at_its_sweep_widths():
    from neumeta.experiments.ablations.grid import jobs
    meta = json.loads((RESULTS / "70_ablations" / "meta.json").read_text())
    P = load_profile("cpu")
    assert meta["profile"] == "cpu" and meta["papermill"]["exception"] is None
    sweep, artifacts = _ablations("ablation_sweep"), _ablations("artifacts")
    grid = {(arch, row.id) for arch, row in jobs(P)}
    assert grid | {("resnet20", "reference-full")} == set(zip(artifacts.arch, artifacts.row))
    widths = {"resnet20": P["ablation_resnet20_widths"], "lenet": P["ablation_lenet_widths"]}
    for (arch, row), g in sweep.groupby(["arch", "row"]):
        expected = [16, 64] if row.startswith("inr-") else widths[arch]  # the INR-size rows: the frontier's widths
        assert sorted(g.width) == sorted(expected), (arch, row)
    resnet = artifacts[(artifacts.arch == "resnet20") & (artifacts.row != "reference-full")]
    assert (resnet.epochs == P["ablation_epochs"]).all()  # one shared schedule, so the rows compare


def test_ablation_margins_have_intervals_that_decide_the_verdict():
    for read, name, diff in ((_ablations, "ablation_margins", "minus_reference"),
                             (_sampling, "figure10_margins", "merge_minus_clean")):
        m = read(name)
        assert len(m) and (m.ci_low <= m[diff]).all() and (m[diff] <= m.ci_high).all(), name
        assert ((m.ci_low > 0) == (m.verdict == "better")).all() and ((m.ci_high < 0) == (m.verdict == "worse")).all()


def test_ablation_claims_of_the_readme_hold():
    """docs/results/70_ablations.md's reading of the grid: λ1 = 0 is worse everywhere shown (LeNet at chance); the
    channel order matters on LeNet and on ResNet-20 only at the never-trained d = 16; λ2 = 0 is within noise
    everywhere shown, λ1 = 10 and 100 at most widths; σ = 0 is not worse at trained widths but falls below every row
    but λ1 = 0 at the narrowest width (below every row on ResNet-20); the full-schedule reference beats the short one
    at d = 16 and is worse at d = 64."""
    from neumeta.experiments.inr.experiment import SPECS
    shown = _shown_widths()
    assert shown == {"resnet20": [64, 48, 32, 16], "lenet": [32, 24, 16, 8]}
    for arch, widths in shown.items():
        assert all(_margin(arch, "no-reconstruction", d) == "worse" for d in widths)
        assert all(_margin(arch, "no-weight-norm", d) == "within noise" for d in widths)
    sweep = _ablations("ablation_sweep")
    lenet_l1 = sweep[(sweep.arch == "lenet") & (sweep.row == "no-reconstruction")]
    assert (lenet_l1.accuracy < 15).all()  # chance on MNIST: one class for every image
    artifacts = _ablations("artifacts").set_index(["arch", "row"])
    lenet_l1_checkpoint = artifacts.loc[("lenet", "no-reconstruction"), "checkpoint"]
    history = load_checkpoint(RESULTS.parents[1] / "checkpoints" / "cpu" / lenet_l1_checkpoint)["meta"]["history"]
    assert min(h["train_loss"] for h in history) > 0.99 * math.log(10)  # never better than a uniform guess
    assert all(_margin("lenet", row, d) == "worse" for row in ("no-permutation", "random-order")
               for d in shown["lenet"])
    assert all(_margin("lenet", "greedy-order", d) == "within noise" for d in shown["lenet"])
    assert [_margin("resnet20", "no-permutation", d) for d in shown["resnet20"]] == ["within noise"] * 3 + ["worse"]
    assert all(_margin("resnet20", "random-order", d) == "within noise" for d in shown["resnet20"])
    for arch, widths in shown.items():
        for row in ("reconstruction-10", "reconstruction-100"):  # "within noise at most widths"
            assert sum(_margin(arch, row, d) == "within noise" for d in widths) > len(widths) / 2, (arch, row)
        trained = [d for d in widths if d >= SPECS[arch].train_widths[0]]
        assert all(_margin(arch, "no-noise", d) != "worse" for d in trained), arch
    for arch, g in sweep.groupby("arch"):
        narrowest = g[g.width == g.width.min()].set_index("row").accuracy
        assert narrowest.drop("no-reconstruction").idxmin() == "no-noise", arch
    assert sweep[(sweep.arch == "resnet20") & (sweep.width == 16)].set_index("row").accuracy.idxmin() == "no-noise"
    assert [_margin("resnet20", "reference-full", d) for d in (64, 16)] == ["worse", "better"]


def test_figure10_and_frontier_claims_of_the_readme_hold():
    """docs/results/71_sampling.md: the merge is never worse than one clean sample and lowers the test loss at every
    width; docs/results/70_ablations.md: no smaller INR is within noise of the reference size at both d = 64 and 16."""
    from neumeta.paper import PAPER_NEUMETA_STORED_PARAMS
    m = _sampling("figure10_margins")
    assert set(m.arch) == {"resnet20", "lenet"} and (m.verdict != "worse").all() and m.merge_lowers_loss.all()
    gain = m.groupby(["arch", "trained_width"]).merge_minus_clean.mean().unstack()
    assert (gain[False] > gain[True]).all()  # the merge gains most where the INR never trained
    f = _ablations("frontier")
    assert len(f) == 7 and not f.not_worse_than_reference.any()
    assert (f.stored_params > PAPER_NEUMETA_STORED_PARAMS).all()  # below every point, the smallest INR included
