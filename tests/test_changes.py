"""The change check: identical prediction arrays are counted, changed ones get a paired interval and a verdict."""
import numpy as np
import pytest

from neumeta.store.results import REPO_ROOT
from neumeta.tooling.changes import _moved_arrays, changed_predictions


def test_changed_predictions_are_listed_with_their_paired_interval():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2000)
    same = labels.copy()
    one_flip = labels.copy()
    one_flip[0] = (labels[0] + 1) % 10  # one image of 2000: 0.05 points, within noise
    half_wrong = labels.copy()
    half_wrong[:1000] = (labels[:1000] + 1) % 10  # 50 points worse: outside noise
    old = {"a|labels": labels, "a|x|d=1": same, "a|y|d=1": labels, "a|z|d=1": labels}
    new = {"a|labels": labels, "a|x|d=1": same, "a|y|d=1": one_flip, "a|z|d=1": half_wrong, "a|new|d=1": labels}
    rows, identical = changed_predictions(old, new)
    assert identical == 1 and [r["key"] for r in rows] == ["a|y|d=1", "a|z|d=1"]
    flip, wrong = rows
    assert flip["now_minus_then"] == -0.05 and flip["verdict"] == "within noise" and flip["ci_low"] < 0 <= flip["ci_high"]
    assert wrong["now_minus_then"] == -50 and wrong["verdict"] == "A < B" and wrong["ci_high"] < 0


def test_changed_confusions_get_their_mean_iou_and_a_shared_labels_entry_is_used():
    rng = np.random.default_rng(1)
    conf = rng.integers(0, 50, (40, 3, 3))
    conf[:, range(3), range(3)] += 500
    moved = conf.copy()
    moved[0, 0, 0] -= 1
    moved[0, 0, 1] += 1  # one pixel of one image changes class
    labels = rng.integers(0, 3, 100)
    old = {"NeuMeta@64": conf, "Individual@64": conf, "labels": labels, "m|0.5": labels, "masks": conf[:, 0]}
    new = {"NeuMeta@64": moved, "Individual@64": conf, "labels": labels, "m|0.5": (labels + 1) % 3,
           "masks": moved[:, 0]}
    rows, identical = changed_predictions(old, new)
    assert identical == 1 and [(r["key"], r["measure"]) for r in rows] == [("NeuMeta@64", "mIoU"), ("m|0.5", "accuracy")]
    miou, acc = rows
    assert -0.01 < miou["now_minus_then"] < 0 and miou["verdict"] == "within noise"
    assert acc["now_minus_then"] == -100 and acc["verdict"] == "A < B"


def test_arrays_that_moved_notebook_are_found_where_they_were_committed():
    """``--moved-from``: the arrays of every file another notebook committed, by key; a commit that does not exist is
    one clear error, not an empty comparison that passes."""
    folder = REPO_ROOT / "results" / "cpu" / "90_segmentation"
    arrays = _moved_arrays(folder, "HEAD")
    assert "NeuMeta@256" in arrays and arrays["NeuMeta@256"].ndim == 3
    with pytest.raises(SystemExit, match="cannot list"):
        _moved_arrays(folder, "no-such-commit-0000")
