"""Notebook 80's library part: Table 1 as shown, marks beside the paper's, from a table of ``table1``'s columns."""
import math

import pandas as pd

from neumeta.experiments.table1.marks import PROPERTIES, mark, marked_table


def test_mark_says_true_false_or_not_applicable():
    assert [mark(True), mark(False), mark(None), mark(float("nan")), mark(1)] == ["✓", "✗", "—", "—", "✓"]


def test_the_shown_table_puts_the_papers_mark_beside_ours_and_the_evidence():
    table = pd.DataFrame([
        dict(method="Individual", continuous=False, hypernetwork=False, resizable=False, **{"checkpoint-free": False},
             generalises=None, acc_between=float("nan"), acc_unseen=88.123, gap_to_trained_unseen=float("nan"),
             stored_models=4, stored_params=1_080_000),
        dict(method="NeuMeta", continuous=True, hypernetwork=True, resizable=True, **{"checkpoint-free": True},
             generalises=False, acc_between=90.456, acc_unseen=80.0, gap_to_trained_unseen=-8.123,
             stored_models=1, stored_params=420_000)])
    for p in PROPERTIES:
        table[f"paper_{p}"] = [None, True]
    shown = marked_table(table)
    assert shown.columns.tolist() == ["method", *PROPERTIES, "acc. d=40", "acc. d=16 (gap to trained)", "stored models",
                                      "stored params (M)"]
    assert shown.loc[0, "generalises"] == "— (paper ?)" and shown.loc[0, "resizable"] == "✗ (paper ?)"
    assert shown.loc[1, "generalises"] == "✗ (paper ✓)" and shown.loc[1, "continuous"] == "✓ (paper ✓)"
    assert shown.loc[0, "acc. d=16 (gap to trained)"] == "88.12 (trained)"
    assert shown.loc[1, "acc. d=16 (gap to trained)"] == "80.00 (-8.12)"
    assert math.isnan(shown.loc[0, "acc. d=40"]) and shown.loc[1, "acc. d=40"] == 90.46
    assert shown["stored params (M)"].tolist() == [1.08, 0.42] and shown["stored models"].tolist() == [4, 1]
