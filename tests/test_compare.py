"""`make reproduce`'s verdict: each number judged by the tolerance of its kind; new tables are named."""
import pandas as pd
import pytest

from neumeta.tooling.compare import ATOL, RTOL, compare_table


def _kinds(new, old):
    return sorted((d[4], d[5]) for d in compare_table(new, old))


def test_an_accuracy_change_is_a_difference_a_timing_change_is_not():
    old = pd.DataFrame({"arch": ["resnet20", "resnet20"], "metric": ["acc_merged", "neumeta_step_seconds"],
                        "value": [87.27, 0.103]})
    assert compare_table(old.copy(), old) == []
    new = old.copy()
    new.loc[1, "value"] = 0.2
    assert _kinds(new, old) == [("timing", True)]
    new.loc[0, "value"] = 87.28  # one image of 10,000
    assert _kinds(new, old) == [("exact", False), ("timing", True)]


def test_a_float_metric_may_move_by_rounding_but_not_more():
    old = pd.DataFrame({"metric": ["tv_after", "function_error"], "value": [123.456789, 9.5e-6]})
    rounding = old.copy()
    rounding["value"] = [123.456789 * (1 + RTOL / 2), 1.3e-5]  # the sizes seen across CPUs
    assert _kinds(rounding, old) == [("float", True), ("float", True)]
    real = old.copy()
    real.loc[0, "value"] = 123.456789 * (1 + 10 * RTOL) + ATOL
    assert ("float", False) in _kinds(real, old)


def test_counts_and_words_are_exact():
    old = pd.DataFrame({"method": ["NeuMeta"], "width": [16], "verdict": ["within noise"], "ci_low": [-0.2]})
    new = old.assign(width=17, verdict="NeuMeta lower", ci_low=-0.2 + ATOL / 10)
    kinds = {d[1]: (d[4], d[5]) for d in compare_table(new, old)}
    assert kinds == {"width": ("exact", False), "verdict": ("exact", False), "ci_low": ("float", True)}


def test_a_fine_tuned_margin_must_stay_inside_its_old_interval_and_keep_its_verdict():
    old = pd.DataFrame({"method": ["l1+finetune"], "width": [64], "neumeta_minus_method": [0.5], "ci_low": [0.1],
                        "ci_high": [0.9], "verdict": ["NeuMeta higher"]})
    inside = old.assign(neumeta_minus_method=0.7, ci_low=0.3, ci_high=1.1)
    assert all(d[5] for d in compare_table(inside, old))
    outside = old.assign(neumeta_minus_method=1.2)
    assert [(d[1], d[5]) for d in compare_table(outside, old)] == [("neumeta_minus_method", False)]
    flipped = inside.assign(verdict="within noise")
    assert ("verdict", False) in [(d[1], d[5]) for d in compare_table(flipped, old)]


def test_a_new_or_reshaped_table_is_named():
    t = pd.DataFrame({"metric": ["a"], "value": [1.0]})
    assert compare_table(t, None)[0][4] == "new"
    assert compare_table(pd.concat([t, t]), t)[0][4] == "shape"


def test_nothing_to_compare_or_an_unknown_commit_is_an_error_not_a_pass(capsys):
    from neumeta.tooling.compare import main
    for argv, words in ((["--profile", "no-such-profile"], "nothing to compare"),
                        (["--profile", "cpu", "--only", "99"], "nothing to compare"),
                        (["--profile", "cpu", "--against", "no-such-commit"], "not a commit")):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2 and words in capsys.readouterr().err


def test_the_committed_tables_reproduce_themselves(capsys):
    from neumeta.tooling.compare import main
    assert main(["--profile", "cpu", "--only", "10,80", "--against", "HEAD"]) == 0
    assert "REPRODUCED" in capsys.readouterr().out
