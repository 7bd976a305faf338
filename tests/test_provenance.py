"""Provenance: a result is current only while the code it ran (notebook, modules it reaches, profile values) is unchanged."""
import json

import pytest

from neumeta.tooling import provenance


@pytest.fixture
def tree(tmp_path, monkeypatch):
    pkg = tmp_path / "neumeta"
    (pkg / "store").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "store" / "__init__.py").write_text("")
    (pkg / "store" / "used.py").write_text("from .helper import f\n")
    (pkg / "store" / "helper.py").write_text("def f():\n    return 1\n")
    (pkg / "unrelated.py").write_text("x = 1\n")
    nb_dir = tmp_path / "notebooks"
    nb_dir.mkdir()
    cell = {"cell_type": "code", "source": ["def go():\n", "    from neumeta.store.used import f\n"], "metadata": {},
            "outputs": [], "execution_count": None}
    (nb_dir / "00_demo.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                                      "nbformat_minor": 5}))
    monkeypatch.setattr(provenance, "PACKAGE", pkg)
    monkeypatch.setattr(provenance, "NOTEBOOKS", nb_dir)
    monkeypatch.setattr(provenance, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(provenance, "RESULTS_ROOT", tmp_path / "results")
    return tmp_path


def _store(tree, dirty=False):
    meta = {"git": {"commit": "abc", "dirty": dirty},
            "code": provenance.code_fingerprint(tree / "notebooks" / "00_demo.ipynb", "smoke")}
    out = tree / "results" / "smoke" / "00_demo"
    out.mkdir(parents=True, exist_ok=True)
    (out / "meta.json").write_text(json.dumps(meta))


def test_the_fingerprint_follows_imports_through_the_library_and_nothing_else(tree):
    files = provenance.code_fingerprint(tree / "notebooks" / "00_demo.ipynb", "smoke")["files"]
    assert set(files) == {"notebooks/00_demo.ipynb", "neumeta/__init__.py", "neumeta/store/__init__.py",
                          "neumeta/store/used.py", "neumeta/store/helper.py"}


def test_the_public_api_reached_by_attribute_is_followed_and_only_when_used(tree):
    (tree / "neumeta" / "api").mkdir()
    (tree / "neumeta" / "api" / "__init__.py").write_text("from neumeta.store.helper import f\n__all__ = ['f']\n")
    uses = ["import neumeta\nmeta = neumeta.Metamorph()\n", "from neumeta import Metamorph\n"]
    for source in uses:
        assert {"neumeta/api/__init__.py", "neumeta/store/helper.py"} <= _closure(tree, [source])
    assert "neumeta/api/__init__.py" not in _closure(tree, ["import neumeta.store.used\nneumeta.__version__\n"])


def _closure(tree, sources):
    return {p.relative_to(tree).as_posix() for p in provenance.module_closure(sources)}


def test_a_change_to_an_imported_module_makes_the_result_stale_an_unrelated_one_does_not(tree):
    _store(tree)
    assert provenance.result_status("smoke", "00_demo")[0] == "current"
    (tree / "neumeta" / "unrelated.py").write_text("x = 2\n")
    assert provenance.result_status("smoke", "00_demo")[0] == "current"
    (tree / "neumeta" / "store" / "helper.py").write_text("def f():\n    return 2\n")
    status, reason = provenance.result_status("smoke", "00_demo")
    assert status == "stale" and "neumeta/store/helper.py" in reason


def test_a_change_to_a_validation_only_module_keeps_results_current(tree, monkeypatch):
    (tree / "neumeta" / "config").mkdir()
    (tree / "neumeta" / "config" / "__init__.py").write_text("")
    (tree / "neumeta" / "config" / "schema.py").write_text("SCHEMA = {}\n")
    (tree / "neumeta" / "store" / "helper.py").write_text("from neumeta.config.schema import SCHEMA\ndef f():\n    return 1\n")
    monkeypatch.setattr(provenance, "profile_values_sha", lambda profile, keys: "same")
    _store(tree)
    meta_path = tree / "results" / "smoke" / "00_demo" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["code"].update(profile_keys_read=[], profile_read_sha256="same")
    meta_path.write_text(json.dumps(meta))
    assert "neumeta/config/schema.py" in meta["code"]["files"]
    (tree / "neumeta" / "config" / "schema.py").write_text("SCHEMA = {'quickstart_epochs': 1}\n")
    assert provenance.result_status("smoke", "00_demo")[0] == "current"
    (tree / "neumeta" / "store" / "helper.py").write_text("from neumeta.config.schema import SCHEMA\ndef f():\n    return 2\n")
    assert provenance.result_status("smoke", "00_demo")[0] == "stale"


def test_a_result_from_a_dirty_tree_or_without_a_fingerprint_is_flagged(tree):
    _store(tree, dirty=True)
    assert provenance.result_status("smoke", "00_demo")[0] == "dirty"
    meta_path = tree / "results" / "smoke" / "00_demo" / "meta.json"
    meta_path.write_text(json.dumps({"git": {"commit": "abc", "dirty": False}}))
    assert provenance.result_status("smoke", "00_demo")[0] == "stale"


def test_a_profile_value_change_makes_the_result_stale(tree, monkeypatch):
    _store(tree)
    from neumeta.config import profiles
    real = profiles.load_profile
    monkeypatch.setattr(profiles, "load_profile", lambda name: dict(real(name), seed=12345))
    status, reason = provenance.result_status("smoke", "00_demo")
    assert status == "stale" and "values" in reason


def test_a_result_is_stale_when_a_table_it_read_from_another_notebook_changed(tree):
    _store(tree)
    upstream = tree / "results" / "smoke" / "20_other" / "t.csv"
    upstream.parent.mkdir(parents=True)
    upstream.write_text("a\n1\n")
    meta_path = tree / "results" / "smoke" / "00_demo" / "meta.json"
    meta = json.loads(meta_path.read_text())
    import hashlib
    meta["upstream"] = {"smoke/20_other/t.csv": hashlib.sha256(upstream.read_bytes()).hexdigest()}
    meta_path.write_text(json.dumps(meta))
    assert provenance.result_status("smoke", "00_demo")[0] == "current"
    upstream.write_text("a\n2\n")
    status, reason = provenance.result_status("smoke", "00_demo")
    assert status == "stale" and "20_other/t.csv" in reason


def test_profile_reads_are_recorded_once_each_and_iteration_counts_as_reading_everything(tmp_path, monkeypatch):
    from neumeta.config.profiles import READS_ENV, resolve_profile
    log = tmp_path / "reads"
    monkeypatch.setenv(READS_ENV, str(log))
    P = resolve_profile("smoke")
    P["seed"], P["seed"], P.get("kd_alpha"), "kd_temperature" in P
    assert log.read_text().split() == ["seed", "kd_alpha", "kd_temperature"]
    assert P.read == {"seed", "kd_alpha", "kd_temperature"}
    dict(P.items())
    assert set(log.read_text().split()) == set(dict.keys(P))


def _store_with_reads(tree, keys):
    _store(tree)
    meta_path = tree / "results" / "smoke" / "00_demo" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["code"].update(profile_keys_read=keys, profile_read_sha256=provenance.profile_values_sha("smoke", keys))
    meta_path.write_text(json.dumps(meta))


def test_with_recorded_reads_only_the_values_a_notebook_read_make_it_stale(tree, monkeypatch):
    _store_with_reads(tree, ["seed"])
    from neumeta.config import profiles
    real = profiles.load_profile
    monkeypatch.setattr(profiles, "load_profile", lambda name: dict(real(name), kd_alpha=0.5, new_key=1))
    assert provenance.result_status("smoke", "00_demo")[0] == "current"  # values it never read changed or appeared
    monkeypatch.setattr(profiles, "load_profile", lambda name: dict(real(name), seed=12345))
    status, reason = provenance.result_status("smoke", "00_demo")
    assert status == "stale" and "values it read" in reason
    monkeypatch.setattr(profiles, "load_profile", real)
    (tree / "neumeta" / "store" / "helper.py").write_text("def f():\n    return 2\n")
    assert provenance.result_status("smoke", "00_demo")[0] == "stale"  # code changes still count


def test_with_values_replaces_checks_and_reads_nothing_else(tmp_path, monkeypatch):
    from neumeta.config.profiles import READS_ENV, resolve_profile, with_values
    log = tmp_path / "reads"
    monkeypatch.setenv(READS_ENV, str(log))
    P = resolve_profile("smoke")
    Q = with_values(P, inr_noise=0.0, inr_lambda_rec=0.0)
    assert Q["inr_noise"] == 0.0 and P["inr_noise"] != 0.0 and dict.__getitem__(Q, "seed") == dict.__getitem__(P, "seed")
    assert set(log.read_text().split()) == {"inr_noise"}
    with pytest.raises(ValueError, match="not profile values"):
        with_values(P, inr_nosie=0.0)
    with pytest.raises(ValueError, match="inr_noise"):
        with_values(P, inr_noise=-1.0)
