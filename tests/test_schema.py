"""Every profile value has a rule; values inside it run, values outside it are refused up front."""
import subprocess
import sys
from pathlib import Path

import pytest

from neumeta.config.profiles import available_profiles, load_profile, resolve_profile
from neumeta.config.schema import SCHEMA, ProfileValueError

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", available_profiles())
def test_every_value_of_every_profile_has_a_rule_and_passes_it(name):
    values = load_profile(name)
    assert set(values) - {"profile"} <= set(SCHEMA)


def test_the_schema_has_no_rule_for_a_value_no_profile_sets():
    used = set().union(*(load_profile(n) for n in available_profiles()))
    assert set(SCHEMA) <= used


@pytest.mark.parametrize("key,good,bad", [
    ("base_resnet20_epochs", 3, 0), ("base_resnet20_epochs", 3, 2.5), ("base_lr", 0.05, -1.0),
    ("inr_freqs", 12, 13), ("inr_ema", 0.5, 1.5), ("permute_runs", 2, 0), ("permute_variants", ["shp"], ["magic"]),
    ("prune_criteria", ["l1"], ["l3"]), ("table2_widths", [64, 16], [64, 0]), ("inr_resnet20_widths", [16], []),
    ("base_bf16", False, "no"), ("table2_datasets", ["cifar10"], ["imagenet"]), ("inr_noise", 0.5, "x"),
])
def test_a_value_inside_its_range_runs_one_outside_is_refused(key, good, bad):
    assert resolve_profile("smoke", {key: good}, strict=False)[key] == good
    with pytest.raises(ProfileValueError, match=key):
        resolve_profile("smoke", {key: bad}, strict=False)


def test_a_milestone_after_the_last_epoch_is_refused():
    with pytest.raises(ProfileValueError, match="milestone"):
        resolve_profile("smoke", {"inr_epochs": 3, "inr_milestones": [5]}, strict=False)


def test_ablation_widths_without_the_frontiers_64_and_16_are_refused():
    assert resolve_profile("smoke", {"ablation_resnet20_widths": [16, 40, 64]}, strict=False)
    with pytest.raises(ProfileValueError, match="ablation_resnet20_widths"):
        resolve_profile("smoke", {"ablation_resnet20_widths": [24, 64]}, strict=False)


def test_iwae_widths_outside_the_compared_ones_or_without_figure_6s_are_refused():
    assert resolve_profile("smoke", {"vae_iwae_widths": [64, 48, 32]}, strict=False)
    for bad in ([64, 48, 32, 40], [64, 48]):  # 40: no baseline there in smoke; 32: Figure 6 shows it
        with pytest.raises(ProfileValueError, match="vae_iwae_widths"):
            resolve_profile("smoke", {"vae_iwae_widths": bad}, strict=False)


def test_an_unknown_notebook_parameter_is_refused_not_ignored():
    injected = '# Parameters\nprofile = "smoke"\nbase_resnet_epochs = 5\n'
    with pytest.raises(ProfileValueError, match="base_resnet_epochs"):
        resolve_profile("smoke", {"In": ["", "profile = None", injected], "base_resnet_epochs": 5})
    # what papermill did not inject is not a parameter: later cells' variables, imported constants
    assert resolve_profile("smoke", {"In": ["", '# Parameters\nprofile = "smoke"\n'], "rows": [1], "labels": [2],
                                     "INPUT_SHAPES": {"mnist": (1, 28, 28)}})


def test_papermill_with_a_misspelt_parameter_fails_before_any_work(tmp_path):
    out = subprocess.run([sys.executable, "-m", "papermill", str(REPO / "notebooks" / "00_base_models.ipynb"),
                          str(tmp_path / "out.ipynb"), "-p", "profile", "smoke", "-p", "base_resnet_epochs", "5",
                          "--cwd", str(REPO / "notebooks")], capture_output=True, text=True)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert "ProfileValueError" in text and "unknown parameter" in text and "base_resnet_epochs" in text


@pytest.mark.parametrize("command", [
    ["neumeta.experiments.pretrained.base_models", "nope"], ["neumeta.experiments.table2.jobs", "nope"],
    ["neumeta.experiments.inr.experiment", "nope", "lenet"], ["neumeta.tooling.artifacts", "nope"],
    ["neumeta.experiments.inr.experiment", "smoke", "lenet", "--set", "inr_epochs=0"],
    ["neumeta.experiments.inr.experiment", "smoke", "lenet", "--set", "inr_epochs=[1,"],
    ["neumeta.experiments.ablations.grid", "nope"], ["neumeta.experiments.similarity.distillation", "nope"],
    ["neumeta.experiments.vae.experiment", "nope"], ["neumeta.experiments.inr.sweep", "nope", "lenet"],
    ["neumeta.tooling.compare", "--profile", "smoke", "--against", "no-such-commit"],
    ["neumeta.tooling.pipeline", "--profile", "nope"], ["neumeta.tooling.pipeline", "--profile", "smoke", "--only", "99"],
    ["neumeta.experiments.table2.jobs", "smoke", "imagenet"],
    ["neumeta.experiments.inr.export", "--profile", "smoke", "--width", "0", "--out", "x.pt"],
])
def test_every_command_line_refuses_a_bad_value_in_one_line_before_any_work(command, tmp_path):
    out = subprocess.run([sys.executable, "-m", *command], cwd=tmp_path, capture_output=True, text=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr and "error:" in out.stderr
    assert not list(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize("text,match", [("inr_epochs: [1, 2\n", "not valid YAML at line 2"),
                                        ("- 1\n- 2\n", "must map names to values")])
def test_a_broken_profile_file_is_one_clear_error(text, match, tmp_path, monkeypatch):
    import neumeta.config.profiles as profiles
    (tmp_path / "broken.yaml").write_text(text)
    monkeypatch.setattr(profiles, "PROFILE_DIR", tmp_path)
    with pytest.raises(ValueError, match=match) as error:
        profiles.load_profile("broken")
    assert "\n" not in str(error.value) and "broken.yaml" in str(error.value)
