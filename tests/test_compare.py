"""`make reproduce`'s verdict: accuracies must match exactly, timings are free, new tables are named."""
import pandas as pd
import pytest

from neumeta.tooling.compare import compare_table


def test_an_accuracy_change_is_a_difference_a_timing_change_is_not():
    old = pd.DataFrame({"arch": ["resnet20", "resnet20"], "metric": ["acc_merged", "neumeta_step_seconds"],
                        "value": [87.27, 0.103]})
    same = compare_table(old.copy(), old)
    assert same == []
    new = old.copy()
    new.loc[1, "value"] = 0.2
    assert [d[4] for d in compare_table(new, old)] == ["timing"]
    new.loc[0, "value"] = 87.30
    kinds = sorted(d[4] for d in compare_table(new, old))
    assert kinds == ["exact", "timing"]


def test_a_new_or_reshaped_table_is_named():
    t = pd.DataFrame({"metric": ["a"], "value": [1.0]})
    assert compare_table(t, None)[0][4] == "new"
    assert compare_table(pd.concat([t, t]), t)[0][4] == "shape"


def test_nothing_to_compare_is_an_error_not_a_pass(capsys):
    from neumeta.tooling.compare import main
    for argv in (["--profile", "no-such-profile"], ["--profile", "cpu", "--only", "99"]):
        with pytest.raises(SystemExit) as stop:
            main(argv)
        assert stop.value.code == 2 and "nothing to compare" in capsys.readouterr().err
