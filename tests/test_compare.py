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
    assert _kinds(new, old) == [("accuracy", False), ("timing", True)]


def test_on_another_cpu_model_an_accuracy_may_move_by_two_images_and_its_margins_with_it():
    old = pd.DataFrame({"metric": ["accuracy"], "value": [83.48]})
    assert _kinds(old.assign(value=83.50), old) == [("accuracy", False)]  # same CPU: exact
    assert [(d[4], d[5]) for d in compare_table(old.assign(value=83.50), old, same_cpu=False)] == [("accuracy", True)]
    assert [d[5] for d in compare_table(old.assign(value=83.51), old, same_cpu=False)] == [False]
    margins = pd.DataFrame({"method": ["random"], "neumeta_minus_method": [3.69], "ci_low": [3.07],
                            "p_mcnemar": [1e-30], "verdict": ["NeuMeta higher"]})
    moved = margins.assign(neumeta_minus_method=3.68, ci_low=3.06)
    assert {d[1]: d[4] for d in compare_table(moved, margins, same_cpu=False)} == {
        "neumeta_minus_method": "accuracy", "ci_low": "accuracy"}
    assert all(d[5] for d in compare_table(moved, margins, same_cpu=False))


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


def test_a_fine_tuned_number_is_judged_by_its_verdict():
    old = pd.DataFrame({"method": ["l1+finetune"], "width": [64], "neumeta_minus_method": [0.5], "ci_low": [0.1],
                        "ci_high": [0.9], "verdict": ["NeuMeta higher"]})
    drifted = old.assign(neumeta_minus_method=1.2, ci_low=0.8, ci_high=1.6)  # beyond its old interval
    assert [(d[4], d[5]) for d in compare_table(drifted, old)] == [("fine-tune", True)] * 3
    flipped = drifted.assign(verdict="within noise")
    assert ("verdict", "exact", False) in [(d[1], d[4], d[5]) for d in compare_table(flipped, old)]
    assert ("width", "exact", False) in [(d[1], d[4], d[5]) for d in compare_table(old.assign(width=65), old)]


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
