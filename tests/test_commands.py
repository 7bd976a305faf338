"""The background-training commands refuse a value the profile does not list, before any work."""
import pytest

from neumeta.experiments.segmentation import train as segmentation_train
from neumeta.experiments.whole import train as whole_train


@pytest.mark.parametrize("main, argv, words", [
    (whole_train.main, ["smoke", "thin", "0.3"], "whole_thin_gammas"),
    (segmentation_train.main, ["smoke", "individual", "100"], "seg_individual_widths"),
    (segmentation_train.main, ["smoke", "individual"], "seg_individual_widths"),
    (whole_train.main, ["no-such-profile", "neumeta"], "profile"),
])
def test_a_value_the_profile_does_not_list_is_one_clear_error(main, argv, words, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and words in capsys.readouterr().err
