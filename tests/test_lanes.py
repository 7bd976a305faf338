"""Notebooks side by side: each waits for what it read, the ready one heading the longest chain starts first, memory is
respected, and a notebook whose input failed is not run."""
import sys
import subprocess
from pathlib import Path

from neumeta.tooling import lanes


def _runs():
    return {"00_a": {"duration_seconds": 10, "kernel_peak_rss_mib": 100, "upstream": {}},
            "10_b": {"duration_seconds": 50, "kernel_peak_rss_mib": 100,
                     "upstream": {"cpu/00_a/t.csv": "x"}},
            "20_c": {"duration_seconds": 90, "kernel_peak_rss_mib": 100, "upstream": {}},
            "30_d": {}}


def test_each_notebook_waits_for_what_its_last_run_read_or_for_every_earlier_one():
    stems = list(_runs())
    needs = lanes.inputs_of(stems, _runs())
    assert needs == {"00_a": set(), "10_b": {"00_a"}, "20_c": set(), "30_d": {"00_a", "10_b", "20_c"}}


def test_a_notebook_that_evaluates_an_earlier_ones_merges_waits_for_it(monkeypatch):
    monkeypatch.setattr(lanes, "SHARES_WITH", {"20_c": {"10_b"}})
    needs = lanes.inputs_of(list(_runs()), _runs())
    assert needs["20_c"] == {"10_b"} and needs["10_b"] == {"00_a"}
    assert lanes.inputs_of(["20_c"], {"20_c": _runs()["20_c"]}) == {"20_c": set()}  # only within the run


def test_the_longest_ready_notebook_starts_first_and_memory_is_respected():
    runs, stems = _runs(), list(_runs())
    needs = lanes.inputs_of(stems, runs)
    assert lanes.next_ready(stems, needs, set(), {}, runs, 1000) == "20_c"  # 10_b is longer but waits for 00_a
    assert lanes.next_ready(["00_a", "10_b"], needs, set(), {"20_c": None}, runs, 1000) == "00_a"
    assert lanes.next_ready(["00_a"], needs, set(), {"20_c": None}, runs, 150) is None  # 100 + 100 MiB > 150
    assert lanes.next_ready(["30_d"], needs, {"00_a", "10_b"}, {}, runs, 1000) is None  # 20_c not done
    assert lanes.next_ready(["30_d"], needs, {"00_a", "10_b", "20_c"}, {"00_a": None}, runs, 10**6) is None  # alone


def test_a_short_notebook_that_a_long_one_waits_for_starts_before_a_longer_one():
    runs = {"00_a": {"duration_seconds": 10, "upstream": {}}, "10_b": {"duration_seconds": 50, "upstream": {}},
            "20_c": {"duration_seconds": 90, "upstream": {"cpu/00_a/t.csv": "x"}}}
    needs = lanes.inputs_of(list(runs), runs)
    assert lanes.chain_seconds(needs, runs) == {"00_a": 100, "10_b": 50, "20_c": 90}
    assert lanes.next_ready(["00_a", "10_b"], needs, set(), {}, runs, 1000) == "00_a"  # 10 + 90 > 50


def test_lanes_run_in_parallel_and_skip_what_depends_on_a_failure(monkeypatch, tmp_path, capsys):
    runs = _runs()
    runs["00_a"]["upstream"] = {}
    monkeypatch.setattr(lanes, "last_run", lambda profile, stem: runs[stem])
    log = tmp_path / "log"

    def fake_launch(stem, profile, threads, quiet):
        code = "1" if stem == "00_a" else "0"
        script = f"import time; open({str(log)!r}, 'a').write('{stem} {threads}\\n'); time.sleep(0.2); exit({code})"
        return subprocess.Popen([sys.executable, "-c", script])
    monkeypatch.setattr(lanes, "_launch", fake_launch)
    failures = lanes.run_lanes([Path(f"{s}.ipynb") for s in runs], "cpu", 2, poll_seconds=0.05)
    assert dict(failures).keys() == {"00_a.ipynb", "10_b.ipynb", "30_d.ipynb"}
    assert "not run" in dict(failures)["10_b.ipynb"] and dict(failures)["00_a.ipynb"] == "exit 1"
    out = capsys.readouterr().out
    started = [line.split()[3] for line in out.splitlines() if "lane start" in line]
    assert started == ["20_c", "00_a"]  # the longest first, then the other at once; 10_b and 30_d never start
    assert out.index("lane start: 00_a") < out.index("lane end: 20_c")  # side by side
    assert sorted(line.split()[0] for line in log.read_text().splitlines()) == ["00_a", "20_c"]
