"""The seed study's runs: each reseeds one stage, and seed 0 is the committed artifact under its own name."""
from pathlib import Path

import pytest

from neumeta.config.profiles import Profile, load_profile
from neumeta.experiments.inr.experiment import inr_checkpoint_path
from neumeta.experiments.pretrained.targets import permuted_target_path
from neumeta.experiments.seeds import runs, train


@pytest.mark.parametrize("run", runs.RUNS)
def test_a_seed_names_new_artifacts_and_seed_0_is_the_committed_one(run, monkeypatch):
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", "checkpoints")  # the committed store: a model trained in bfloat16
    P = load_profile("cpu")                                    # elsewhere is found on a CPU without it
    committed = runs.checkpoints(P, run, 0)
    pinned = set((Path(__file__).parent / "pinned_artifacts_cpu.txt").read_text().split())
    assert all(path.name in pinned for path in committed)
    for seed in P["seed_study_seeds"]:
        reseeded = runs.checkpoints(P, run, seed)
        assert not any(path.name in pinned for path in reseeded)
        assert {p.name for p in reseeded}.isdisjoint({p.name for p in committed})


def test_an_inr_seed_leaves_the_target_it_learns_from_unchanged():
    P = load_profile("cpu")
    seeded = runs.seeded(P, "resnet20-inr", 1)
    assert seeded["seed"] == P["seed"]
    assert permuted_target_path("resnet20", "cifar10", seeded) == permuted_target_path("resnet20", "cifar10", P)
    assert inr_checkpoint_path("resnet20", "cifar10", seeded) != inr_checkpoint_path("resnet20", "cifar10", P)


def test_a_reseeded_profile_reads_only_what_its_stage_uses():
    """A reseeded profile must not count as reading every value: a result's provenance would otherwise go stale
    whenever any value of the profile changed, used by the seed study or not."""
    P = Profile(load_profile("cpu"))
    inr_checkpoint_path("resnet20", "cifar10", runs.seeded(P, "resnet20-inr", 1))
    assert P.read <= {"seed", "inr_seed"}
    assert len(P.read) < len(dict.keys(P)) / 4


@pytest.mark.parametrize("run, own", [("resnet20-inr", {"inr_seed": 2}), ("resnet20-inr", {"seed": 2}),
                                      ("lenet-chain", {"seed": 2}), ("vae-inr", {"inr_seed": 2})])
def test_an_extra_seed_equal_to_the_profiles_own_is_refused(run, own):
    """The profile's own seed of the stage is its committed artifact (seed 0): as an extra seed it would count twice."""
    P = dict(load_profile("cpu"), **own)
    with pytest.raises(ValueError, match="profile's own"):
        runs.seeded(P, run, 2)
    assert runs.seeded(P, run, 3)[runs.SEEDED_STAGE[run]] == 3


def test_the_command_refuses_seed_0_and_an_unknown_run(capsys):
    with pytest.raises(SystemExit):
        train.main(["cpu", "resnet20-inr", "0"])
    assert "seed_study_seeds" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.main(["cpu", "resnet56", "1"])


def test_a_recipe_chains_hours_count_every_stage(tmp_path):
    """A warm-restart chain stores each stage's own time; the hours behind its last checkpoint add them all up."""
    from neumeta.experiments.pretrained.hours import training_hours
    from neumeta.store.checkpoints import save_checkpoint
    path = tmp_path / "chain.pt"
    save_checkpoint(path, {"state_dict": {}, "meta": {"train_seconds": 1800.0, "earlier_stages": [
        {"train_seconds": 3600.0}, {"train_seconds": 1800.0}]}})
    assert training_hours(path) == 2.0
    save_checkpoint(path, {"state_dict": {}, "meta": {"train_seconds": 900.0, "first_stage": {"train_seconds": 900.0}}})
    assert training_hours(path) == 0.5


def test_the_headline_names_the_changed_readings_of_every_figure():
    import pandas as pd
    from neumeta.experiments.seeds.report import changed_readings
    table = pd.DataFrame(dict(b=["hessian", "l1", "taylor", "random", "fpgm"], width=[4, 4, 8, 8, 16],
                              single_verdict=["A > B", "A > B", "A < B", "within noise", "within noise"],
                              verdict=["holds at every seed", "holds on average", "does not hold",
                                       "no single-run claim; stays within noise", "no single-run claim; becomes A > B"]))
    said = changed_readings(table)
    assert said == ("NeuMeta − l1 at d = 4: NeuMeta above in one run, on average only; NeuMeta − taylor at d = 8: "
                    "NeuMeta below in one run, not over seeds; NeuMeta − fpgm at d = 16: within noise in one run, "
                    "NeuMeta above over seeds")
    assert "NeuMeta better in one run" in changed_readings(table.iloc[[2]], above="worse", below="better")
    assert changed_readings(table, shown=1).endswith("; and 2 more")
    assert changed_readings(table.iloc[[0, 3]]) == ""


def test_figure5_reads_the_chain_seeds_as_matched_pairs():
    import numpy as np
    from neumeta.experiments.seeds.study import figure5_rows
    labels = np.zeros(2000, dtype=int)
    rng = np.random.default_rng(0)
    right = rng.random((3, 2000))
    neumeta = {4: np.where(right < 0.9, 0, 1)}
    pruned = {("l1", 4): np.where(right < 0.7, 0, 1)}
    (row,) = figure5_rows(neumeta, pruned, labels, full=32)
    assert row["pairs"] == 3 and row["verdict"] == "holds at every seed"


def test_stored_predictions_on_other_images_are_one_clear_error(monkeypatch):
    import numpy as np
    import pytest
    from neumeta.config.profiles import Profile, load_profile
    from neumeta.experiments.seeds import evaluate
    P = load_profile("smoke")
    labels = evaluate.labels_of(P, "mnist")
    assert np.array_equal(evaluate.labels_of(P, "mnist", {"20": {"mnist|labels": labels}, "30": {}}), labels)
    with pytest.raises(RuntimeError, match="notebook 40's stored mnist predictions are on other test images"):
        evaluate.labels_of(P, "mnist", {"40": {"mnist|labels": labels[::-1]}})


def test_the_iwae_at_the_figure7_k_is_read_and_a_larger_k_adds_only_the_new_draws(monkeypatch):
    import numpy as np
    from neumeta.experiments.seeds import evaluate
    P = {"vae_iwae_k": 1000, "vae_iwae_images": 3, "seed_study_iwae_images": 2, "seed": 0}
    scored = {("NeuMeta", 32): np.array([[1.0, 2.0, 7.0], [3.0, 4.0, 8.0]]), ("NeuMeta", 48): np.zeros((2, 3)),
              ("Individual", 32): np.array([[5.0, 6.0, 9.0]])}
    calls = []

    def fake_iwae(P, seeds, widths, k=None, images=None, draws_seed=None):
        calls.append((seeds, widths, k, images, draws_seed))
        return {(m, w): np.full((1, images), float(k)) for m in ("NeuMeta", "Individual") for w in widths}

    monkeypatch.setattr(evaluate, "vae_iwae", fake_iwae)
    by_k = evaluate.vae_iwae_by_k(P, [32], [1000, 5000], scored)
    # the larger k: only its 4000 new draws, from another seed than the committed draws, on the first images only
    assert len(calls) == 1 and calls[0][:4] == ([0], [32], 4000, 2) and calls[0][4] != P["seed"]
    assert sorted(by_k[1000]) == [("Individual", 32), ("NeuMeta", 32)]
    assert np.array_equal(by_k[1000]["NeuMeta", 32], [[1.0, 2.0]])
    assert np.allclose(by_k[5000]["NeuMeta", 32], evaluate.pooled_iwae([[1.0, 2.0]], 1000, [[4000.0, 4000.0]], 4000))
    assert evaluate.vae_iwae_by_k(dict(P, seed_study_iwae_images=0), [32], [1000], scored)[1000]["NeuMeta", 32].shape \
        == (1, 3)  # 0: every image
    with pytest.raises(ValueError, match="exceeds vae_iwae_images"):
        evaluate.vae_iwae_by_k(dict(P, seed_study_iwae_images=4), [32], [1000], scored)


def test_pooled_iwae_is_the_estimate_of_all_the_draws_together():
    import numpy as np
    import torch
    from neumeta.experiments.seeds.evaluate import pooled_iwae
    log_w = torch.randn(5000, 7, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 30 - 150

    def iwae(w):  # -log p(x) of these draws' log-weights
        return (np.log(len(w)) - torch.logsumexp(w, 0)).numpy()

    pooled = pooled_iwae(iwae(log_w[:1000]), 1000, iwae(log_w[1000:]), 4000)
    assert np.allclose(pooled, iwae(log_w), rtol=0, atol=1e-9)
    assert not np.allclose(pooled_iwae(iwae(log_w[:1000]), 4000, iwae(log_w[1000:]), 1000), iwae(log_w), atol=1e-3)


def test_the_vae_seed_0_is_read_from_notebook_50_and_only_the_other_seeds_are_scored(monkeypatch):
    import numpy as np
    import torch
    from neumeta.experiments.seeds import evaluate
    P = {"vae_iwae_k": 1000, "vae_iwae_images": 2, "seed": 0}
    stored = {"mnist|NeuMeta|h=32": np.array([1.0, 2.0]), "mnist|Individual|h=32": np.array([5.0, 6.0]),
              "mnist|NeuMeta|h=48": np.array([9.0])}  # on other images (one): not used, scored instead
    asked = []

    def fake_models(P, seeds, widths, have):
        asked.append(set(have))
        return {(m, w, s): (m, w, s) for m in ("NeuMeta", "Individual") for w in widths
                for s in (seeds if m == "NeuMeta" else [0]) if (m, w, s) not in have}

    monkeypatch.setattr(evaluate, "_vae_models", fake_models)
    monkeypatch.setattr(evaluate.vae, "images", lambda *a: torch.zeros(5, 1, 28, 28, dtype=torch.uint8))
    monkeypatch.setattr(evaluate, "per_image_metrics",
                        lambda model, *a, **k: {"iwae": np.full(2, 100.0 * model[2] + model[1])})
    values = evaluate.vae_iwae(P, [0, 1, 2], [32, 48], stored=stored)
    assert asked == [{("NeuMeta", 32, 0), ("Individual", 32, 0)}]
    assert list(values) == [("NeuMeta", 32), ("NeuMeta", 48), ("Individual", 32), ("Individual", 48)]
    assert np.array_equal(values["NeuMeta", 32], [[1.0, 2.0], [132.0, 132.0], [232.0, 232.0]])
    assert np.array_equal(values["NeuMeta", 48][0], [48.0, 48.0])  # the stored array on other images: scored here
    assert np.array_equal(values["Individual", 32], [[5.0, 6.0]])
    evaluate.vae_iwae(P, [0], [32], k=5000, stored=stored)  # another k: nothing read
    assert asked[-1] == set()
