"""Table 1's checks decide each property from measurements, and each can come out either way."""
import math

import pandas as pd
import pytest

from neumeta.experiments.table1.properties import PRUNING, table1, wilson_lower


def _tables(neumeta_40=87.0, neumeta_16=85.0, slim_40=86.0):
    sweep = pd.DataFrame([
        dict(method="Individual", variant="trained at d", width=w, accuracy=88.0) for w in (64, 48, 32, 16)] + [
        dict(method="NeuMeta", variant="K-sample average", width=40, accuracy=neumeta_40),
        dict(method="NeuMeta", variant="K-sample average", width=16, accuracy=neumeta_16),
        dict(method="INN", variant="sampled", width=40, accuracy=87.0),
        dict(method="INN", variant="sampled", width=16, accuracy=70.0),
        dict(method="Slimmable", variant="borrowed BN (d=48)", width=40, accuracy=slim_40),
        dict(method="Slimmable", variant="recalibrated BN", width=40, accuracy=87.9),
        dict(method="Slimmable", variant="borrowed BN (d=32)", width=16, accuracy=20.0)])
    pruning = pd.DataFrame([dict(method=m, fine_tuned=ft, width=w, metric="accuracy", value=v)
                            for m, ft, w, v in (("l1", False, 40, 70.0), ("taylor", False, 40, 78.0),
                                                ("l1", True, 40, 88.0), ("l1", False, 16, 30.0))])
    training = pd.DataFrame([dict(method="Individual", width=w, params=p) for w, p in
                             ((64, 272474), (48, 254010), (32, 235546), (16, 217082))] +
                            [dict(method=m, width=None, params=p) for m, p in
                             (("Slimmable", 272890), ("INN", 272410), ("NeuMeta", 1055610))])
    return sweep, pruning, training


def test_wilson_lower_bound():
    assert wilson_lower(50.0, 10000) == pytest.approx(49.02, abs=0.01)
    assert wilson_lower(10.5, 100) < 10 < wilson_lower(12.0, 10000)


def test_each_property_is_decided_by_its_measurement():
    t = table1(*_tables(), images=10000).set_index("method")
    assert not t.loc["Individual", "resizable"] and t.loc["Individual", "stored_models"] == 4
    assert t.loc["Individual", "generalises"] is None
    assert t.loc["NeuMeta", "resizable"] and t.loc["NeuMeta", "generalises"]
    assert not t.loc["INN", "generalises"] and not t.loc["Slimmable", "generalises"]
    assert t.loc[PRUNING, "acc_between"] == 78.0  # the best criterion, never the fine-tuned variant
    assert t.loc["Slimmable", "acc_between"] == 86.0  # without recalibration
    assert t.loc["Individual", "stored_params"] == 979112 and t.loc[PRUNING, "stored_params"] == 272474
    assert t.loc["NeuMeta", "disagrees"] == ""


def test_a_property_can_fail_and_disagree_with_the_paper():
    t = table1(*_tables(neumeta_40=9.0, neumeta_16=80.0), images=10000).set_index("method")
    assert not t.loc["NeuMeta", "resizable"] and not t.loc["NeuMeta", "generalises"]
    assert set(t.loc["NeuMeta", "disagrees"].split(", ")) == {"resizable", "generalises"}
    assert math.isclose(t.loc["NeuMeta", "gap_to_trained_unseen"], -8.0)
