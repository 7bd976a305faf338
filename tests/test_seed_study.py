"""The seed study's runs: each reseeds one stage, and seed 0 is the committed artifact under its own name."""
import pytest

from neumeta.config.profiles import load_profile
from neumeta.experiments.seeds import runs, train


@pytest.mark.parametrize("run", runs.RUNS)
def test_a_seed_names_new_artifacts_and_seed_0_is_the_committed_one(run, monkeypatch):
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", "checkpoints")  # the committed store: a model trained in bfloat16
    P = load_profile("cpu")                                    # elsewhere is found on a CPU without it
    committed = runs.checkpoints(P, run, 0)
    pinned = (__import__("pathlib").Path(__file__).parent / "pinned_artifacts_cpu.txt").read_text()
    assert all(path.name in pinned for path in committed)
    for seed in P["seed_study_seeds"]:
        reseeded = runs.checkpoints(P, run, seed)
        assert not any(path.name in pinned for path in reseeded)
        assert {p.name for p in reseeded}.isdisjoint({p.name for p in committed})


def test_an_inr_seed_leaves_the_target_it_learns_from_unchanged():
    P = load_profile("cpu")
    seeded = runs.seeded(P, "resnet20-inr", 1)
    assert seeded["seed"] == P["seed"] and seeded["inr_seed"] == 1


def test_the_command_refuses_seed_0_and_an_unknown_run(capsys):
    with pytest.raises(SystemExit):
        train.main(["cpu", "resnet20-inr", "0"])
    assert "seed_study_seeds" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train.main(["cpu", "resnet56", "1"])
