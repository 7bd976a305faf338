"""Notebook 60's library parts: the per-unit values NeuMeta's family is compared on, and Figure 9's panels drawn
from small stored-like tables."""
import matplotlib.pyplot as plt  # the Agg backend: conftest sets MPLBACKEND
import numpy as np
import pandas as pd
import pytest
import torch

from neumeta.experiments.similarity.figures import draw_cka_panel, draw_kl_panel, kl_colour_range
from neumeta.experiments.similarity.summary import per_unit


def _measured():
    widths = [64, 48, 32]
    kl = torch.arange(3 * 3 * 4, dtype=torch.float64).reshape(3, 3, 4)
    cka = torch.arange(3 * 3 * 2, dtype=torch.float64).reshape(3, 3, 2) / 100
    return {"widths": widths, "kl": kl, "batch_cka": {"block": cka}}


def test_per_unit_kl_is_the_mean_over_ordered_pairs_of_the_chosen_widths():
    m = _measured()
    got = per_unit(m, "kl", [64, 32])  # indices 0 and 2
    kl = m["kl"].numpy()
    assert got.shape == (4,)
    assert np.allclose(got, (kl[0, 2] + kl[2, 0]) / 2)


def test_per_unit_cka_is_each_narrower_widths_cka_with_the_widest_per_batch():
    m = _measured()
    cka = m["batch_cka"]["block"].numpy()
    assert np.allclose(per_unit(m, "block", [64, 48, 32]), (cka[0, 1] + cka[0, 2]) / 2)
    assert np.allclose(per_unit(m, "block", [48, 32]), cka[1, 2])  # the first width listed is the full model
    with pytest.raises(ValueError):
        per_unit(m, "kl", [64, 40])  # a width the family has no model at


def _kl_table():
    rows = [dict(method=m, width_a=a, width_b=b, kl=0.0 if a == b else 0.001 * (a + b) / (1 if m == "NeuMeta" else 10))
            for m in ("NeuMeta", "KD") for a in (64, 32) for b in (64, 32)]
    return pd.DataFrame(rows)


def test_the_kl_colour_range_spans_the_off_diagonal_values():
    vmin, vmax = kl_colour_range(_kl_table())
    assert vmax == pytest.approx(0.096) and vmin == pytest.approx(0.0096)


def test_the_kl_heatmap_writes_every_off_diagonal_value_and_marks_the_diagonal():
    kl = _kl_table()
    fig, ax = plt.subplots()
    im = draw_kl_panel(ax, kl, "NeuMeta", [64, 48, 32], [64, 32], *kl_colour_range(kl))
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["0.10", "0.10"]  # 64 -> 32 and 32 -> 64; 48 has no model: grey, no value
    assert len(ax.patches) == 2  # the white diagonal cells of 64 and 32
    assert im.get_array().shape == (3, 3) and ax.get_title() == "NeuMeta: KL(p_a ‖ p_b), nats"
    plt.close(fig)


def test_the_cka_panel_draws_both_estimators_per_method():
    with_full = pd.DataFrame([dict(method=m, layer="block", estimator=e, width_a=64, width_b=w, cka=c, ci_low=c - 0.01,
                                   ci_high=c + 0.01)
                              for m in ("Individual", "NeuMeta") for w, c in ((48, 0.9), (32, 0.8))
                              for e in ("per-batch biased (reference)", "whole-set unbiased")])
    fig, ax = plt.subplots()
    draw_cka_panel(ax, with_full, "block", ("Individual", "NeuMeta"), [64, 48, 32])
    labels = sorted(ax.get_legend_handles_labels()[1])
    assert labels == ["Individual (per batch)", "Individual (whole set, unbiased)", "NeuMeta (per batch)",
                      "NeuMeta (whole set, unbiased)"]
    assert ax.get_title() == "block (the paper's layer)" and ax.get_xlim() == (66, 30)
    unbiased = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert [list(line.get_xdata()) for line in unbiased] == [[64, 48, 32]] * 2
    plt.close(fig)
