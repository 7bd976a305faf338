import pytest
from papermill import inspect_notebook

from neumeta.tooling.pipeline import list_notebooks
from neumeta.config.profiles import UnknownProfileError, available_profiles, load_profile, resolve_profile


def test_profiles_exist_and_share_keys():
    assert {"smoke", "cpu", "paper"} <= set(available_profiles())
    keys = {name: set(load_profile(name)) for name in ("smoke", "cpu", "paper")}
    assert keys["smoke"] == keys["cpu"] == keys["paper"]


def test_unknown_profile_is_one_clear_error():
    with pytest.raises(UnknownProfileError, match="unknown profile 'gpu'.*available: .*cpu"):
        load_profile("gpu")


def test_default_profile_from_environment(monkeypatch):
    monkeypatch.setenv("NEUMETA_PROFILE", "paper")
    assert resolve_profile()["profile"] == "paper"
    monkeypatch.delenv("NEUMETA_PROFILE")
    assert resolve_profile()["profile"] == "cpu"


def test_single_value_override():
    values = resolve_profile("cpu", {"base_resnet20_epochs": 3, "base_lr": None, "unrelated": 1}, strict=False)
    assert values["base_resnet20_epochs"] == 3
    assert values["base_lr"] == load_profile("cpu")["base_lr"]
    assert "unrelated" not in values


@pytest.mark.parametrize("notebook", list_notebooks(), ids=lambda p: p.stem)
def test_notebook_parameters_cover_profile_keys(notebook):
    params = inspect_notebook(str(notebook))
    assert "profile" in params
    assert all(p["default"] == "None" for p in params.values()), "profile values must default to None"
