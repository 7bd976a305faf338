"""The command-time table behind the README's times: a success is recorded, a failure is not."""
import importlib.util
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def _time_command(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("time_command", REPO / "benchmarks" / "time_command.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "RESULTS_ROOT", tmp_path)
    return module


def _old_checkout(tmp_path):
    """``(folder, commit)`` of a one-commit git repository standing in for an older checkout."""
    import subprocess
    old = tmp_path / "old"
    old.mkdir()
    env = dict(GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b", GIT_COMMITTER_NAME="a", GIT_COMMITTER_EMAIL="a@b")
    for cmd in (["git", "init", "-q"], ["git", "commit", "-q", "--allow-empty", "-m", "old"]):
        subprocess.run(cmd, cwd=old, check=True, env={**env, "PATH": "/usr/bin:/bin"})
    return old, subprocess.run(["git", "rev-parse", "HEAD"], cwd=old, capture_output=True, text=True).stdout.strip()


def test_a_command_that_succeeds_is_recorded_once_and_a_failure_leaves_the_table(monkeypatch, tmp_path):
    tool = _time_command(monkeypatch, tmp_path)
    table = tmp_path / "cpu" / "benchmarks" / "commands.csv"
    assert tool.main(["true", "--name", "quick"]) == 0
    assert tool.main(["sleep 0.2", "--name", "quick"]) == 0  # the same name replaces its row
    rows = pd.read_csv(table)
    assert list(rows.command) == ["quick"] and rows.seconds.item() >= 0.2
    before = table.read_bytes()
    assert tool.main(["exit 3", "--name", "quick"]) == 3
    assert table.read_bytes() == before  # a failed run records nothing


def test_a_command_timed_in_another_checkout_records_that_checkouts_commit(monkeypatch, tmp_path):
    tool = _time_command(monkeypatch, tmp_path / "results")
    old, sha = _old_checkout(tmp_path)
    assert tool.main(["test -f marker || touch marker", "--checkout", str(old), "--name", "before"]) == 0
    assert (old / "marker").exists()  # it ran there
    row = pd.read_csv(tmp_path / "results" / "cpu" / "benchmarks" / "commands.csv", dtype={"commit": str}).iloc[0]
    assert row.command == "before" and row.commit == sha[:10]
    try:
        tool.main(["true", "--checkout", str(tmp_path)])  # no checkout there: refused before running anything
    except SystemExit as stop:
        assert stop.code == 2
    else:
        raise AssertionError("a folder that is no checkout was accepted")


def test_a_commit_of_digits_alone_stays_text_in_the_pages(tmp_path, monkeypatch):
    from neumeta import pages
    monkeypatch.setattr(pages, "RESULTS_ROOT", tmp_path)
    (tmp_path / "cpu" / "benchmarks").mkdir(parents=True)
    (tmp_path / "cpu" / "benchmarks" / "commands.csv").write_text("command,commit\nmake test,1e58120097\n"
                                                                   "make reproduce,0123456789\n")
    table = pages.optional("cpu", "benchmarks", "commands.csv")
    assert list(table.commit) == ["1e58120097", "0123456789"]


def test_the_first_screen_gives_this_commits_reproduce_time_not_an_older_ones(monkeypatch):
    from neumeta.tooling import blocks
    table = pd.DataFrame([dict(command="make reproduce", seconds=1800.0, commit="new", dirty=False, cpu_model="CPU A",
                               cpu_count=2, bf16_in_hardware=True, date="2026-12-08"),
                          dict(command="make reproduce at old (before)", seconds=3600.0, commit="old", dirty=False,
                               cpu_model="CPU A", cpu_count=2, bf16_in_hardware=True, date="2026-12-08")])
    monkeypatch.setattr(blocks, "_commands", lambda profile: table)
    monkeypatch.setattr(blocks, "_runs", lambda profile: [])
    monkeypatch.setattr(blocks.paper_map, "render", lambda profile: "headline")
    screen = blocks.first_screen()
    assert "30 min (CPU A" in screen and "60 min" not in screen
    times = blocks.command_times()
    assert "60.0 min" in times and "30.0 min" in times  # the table keeps both, old beside new


def test_where_the_time_goes_names_each_notebooks_minutes_and_slowest_cell(monkeypatch):
    from neumeta import pages
    from neumeta.tooling import blocks
    table = pd.DataFrame([dict(notebook="90_b", cell=0, section="Score", first_line="x = score_all(P)", seconds=540.0,
                               share=0.9, cpu_model="CPU A", torch_threads=1, commit="c"),
                          dict(notebook="90_b", cell=1, section="Plot", first_line="plot()", seconds=60.0, share=0.1,
                               cpu_model="CPU A", torch_threads=1, commit="c"),
                          dict(notebook="00_a", cell=0, section="Train", first_line="train(" + "a" * 80 + ")",
                               seconds=30.0, share=1.0, cpu_model="CPU A", torch_threads=1, commit="c")])
    monkeypatch.setattr(pages, "optional", lambda profile, *parts: table)
    block = blocks.time_by_notebook()
    lines = [line for line in block.splitlines() if line.startswith("| `")]
    assert "`90_b`" in lines[0] and "10.0" in lines[0] and "Score: `x = score_all(P)`" in lines[0] and "90 %" in lines[0]
    assert "`00_a`" in lines[1] and "…" in lines[1] and "10.5 min of notebook time in all" in block


def test_a_benchmark_table_is_stored_with_the_machine_and_commit_that_measured_it(monkeypatch, tmp_path):
    from neumeta.tooling import bench_table
    monkeypatch.setattr(bench_table, "RESULTS_ROOT", tmp_path)
    (tmp_path / "cpu" / "benchmarks").mkdir(parents=True)
    path = bench_table.store(pd.DataFrame([dict(network="a", ratio=1.5)]), "cpu", "demo")
    stored = pd.read_csv(path)
    assert path == tmp_path / "cpu" / "benchmarks" / "demo.csv"
    assert list(stored.columns) == ["network", "ratio", "cpu_model", "torch_threads", "commit", "date"]
    assert stored.ratio[0] == 1.5 and stored.torch_threads[0] >= 1


def test_the_runs_of_a_checkout_are_added_up_only_when_each_is_of_its_commit_on_this_machine(monkeypatch, tmp_path):
    import json
    tool = _time_command(monkeypatch, tmp_path / "results")
    old, sha = _old_checkout(tmp_path)
    from neumeta.hardware.machine import describe_machine
    cpu = describe_machine()["cpu_model"]

    def run(name, seconds, commit=sha, model=cpu):
        folder = old / "results" / "cpu" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "meta.json").write_text(json.dumps(dict(duration_seconds=seconds, git=dict(commit=commit, dirty=False),
                                                          machine=dict(cpu_model=model))))
    run("00_a", 10.0)
    run("10_b", 32.5)
    assert tool.main(["--sum-of-runs", "--checkout", str(old), "--name", "before"]) == 0
    row = pd.read_csv(tmp_path / "results" / "cpu" / "benchmarks" / "commands.csv", dtype={"commit": str}).iloc[0]
    assert row.command == "before" and row.seconds == 42.5 and row.commit == sha[:10]
    run("20_c", 5.0, commit="f" * 40)  # a run of other code: nothing recorded
    try:
        tool.main(["--sum-of-runs", "--checkout", str(old), "--name", "before"])
    except SystemExit as stop:
        assert "20_c" in str(stop.code)
    else:
        raise AssertionError("a run of another commit was added")
