"""Notebook 50's library parts: the artifacts table and the permutation check, scoring a VAE (real MNIST fixture
images, a small untrained VAE) and Figure 6's image grids."""
from pathlib import Path

import numpy as np
import pytest
import torch

from neumeta.experiments.vae.artifacts import ARTIFACT_COLUMNS, artifact_rows, permutation_change
from neumeta.experiments.vae.evaluate import per_image_metrics
from neumeta.experiments.vae.figures import figure6_panels, square_tile, tile
from neumeta.experiments.vae.images import vae_images
from neumeta.experiments.vae.scoring import score, scoring_context
from neumeta.metrics import count_parameters
from neumeta.models import build_model

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "data"
P = {"seed": 0, "vae_grid_size": 3, "vae_iwae_k": 2, "vae_iwae_images": 5, "vae_baseline_widths": [32, 16],
     "vae_individual_widths": [16], "vae_iwae_widths": [32, 16]}


@pytest.fixture(scope="module")
def mnist_test():
    return vae_images("mnist", "test", FIXTURES)[:40]


def test_the_permutation_check_is_zero_for_the_same_weights_and_not_for_others(mnist_test):
    torch.manual_seed(0)
    base = build_model("vae-mnist").eval()
    assert permutation_change(base, base.state_dict(), "mnist", mnist_test, P) == 0
    other = build_model("vae-mnist").state_dict()  # other random weights
    assert permutation_change(base, other, "mnist", mnist_test, P) > 0


def test_artifact_rows_list_every_artifact_with_its_evidence():
    base = dict(checkpoint="base.pt", epochs=5, train_seconds=60.0, test_neg_elbo=150.123)
    target = dict(checkpoint="perm.pt", solver_seconds=2.0)
    inr = dict(checkpoint="inr.pt", epochs=3, train_seconds=30.0)
    individual = dict(checkpoint="ind16.pt", epochs=5, train_seconds=40.0, test_neg_elbo=170.0)
    rows = artifact_rows("mnist", base, target, inr, {64: (None, base), 16: (None, individual)}, 3.2e-7,
                         {"fc5.weight": 0.01234})
    assert [r["artifact"] for r in rows] == ["pretrained VAE", "permuted target", "NeuMeta INR", "Individual h = 16"]
    assert all(set(r) == set(ARTIFACT_COLUMNS) for r in rows)
    assert rows[0]["detail"] == "test negative ELBO 150.12"
    assert rows[1]["detail"] == "max |per-image negative ELBO change| 3.20e-07" and rows[1]["epochs"] is None
    assert rows[2]["detail"] == "relative error at h = full: fc5.weight 0.012"


def test_score_adds_summary_rows_paired_metrics_and_figure6s_images(mnist_test):
    torch.manual_seed(0)
    base = build_model("vae-mnist").eval()
    context = scoring_context("mnist", base, mnist_test, P)
    assert context["shown"] == [64, 48, 32] and context["compared"] == {32, 16} and context["z"].shape == (9, 2)
    out = dict(rows=[], per_image={}, figure6={}, iwae={})
    narrow = build_model("vae-mnist", width=32).eval()
    score(context, "l1", 32, narrow, out, P)
    score(context, "NeuMeta", 16, build_model("vae-mnist", width=16).eval(), out, P)
    assert {(r["method"], r["metric"]) for r in out["rows"]} == {(m, k) for m in ("l1", "NeuMeta")
                                                                  for k in ("neg_elbo", "mse", "iwae")}
    row = next(r for r in out["rows"] if r["method"] == "l1" and r["metric"] == "iwae")
    assert row["n"] == 5 and row["compression"] == 0.5
    assert row["param_reduction"] == pytest.approx(1 - count_parameters(narrow) / count_parameters(base))
    assert set(out["per_image"]) == {("mnist", "l1", 32), ("mnist", "NeuMeta", 16)}
    expected = per_image_metrics(narrow, mnist_test, "bernoulli", 2, 5, seed=0)  # the same draws: paired
    assert np.array_equal(out["per_image"]["mnist", "l1", 32]["neg_elbo"], expected["neg_elbo"])
    assert set(out["iwae"]) == {"mnist|l1|h=32", "mnist|NeuMeta|h=16"}  # what the seed study reads as its seed 0
    assert np.array_equal(out["iwae"]["mnist|l1|h=32"], expected["iwae"])
    assert set(out["figure6"]) == {"mnist|l1|d=32|samples", "mnist|l1|d=32|recon"}  # 16 is not a shown width
    assert out["figure6"]["mnist|l1|d=32|samples"].shape[0] == 9 and out["figure6"]["mnist|l1|d=32|recon"].shape[0] == 3


def test_tile_lays_images_out_row_major():
    batch = np.arange(5, dtype=np.uint8)[:, None, None, None] * np.ones((5, 1, 2, 3), dtype=np.uint8)
    grid = tile(batch, 2)  # only the first 2 x 2 images
    assert grid.shape == (4, 6)
    assert grid[0, 0] == 0 and grid[0, 3] == 1 and grid[2, 0] == 2 and grid[3, 5] == 3
    square = square_tile(batch)  # 3 x 3 grid: image 4 in the middle, the rest black
    assert square.shape == (6, 9) and square[2, 3] == 4 and square[4, 6] == 0
    colour = tile(np.ones((1, 3, 2, 2), dtype=np.uint8), 1)
    assert colour.shape == (2, 2, 3)


def test_figure6_panels_show_full_width_then_25_and_50_percent():
    assert [(m, w) for m, w, _ in figure6_panels(64)] == [("l1", 64), ("NeuMeta", 64), ("NeuMeta", 48), ("l1", 48),
                                                           ("NeuMeta", 32), ("l1", 32)]
    assert [t for _, _, t in figure6_panels(64)][:4] == ["pretrained h = 64", "NeuMeta h = 64", "NeuMeta h = 48",
                                                          "L1 pruning h = 48"]



def test_a_width_no_baseline_shares_has_no_iwae_row(mnist_test):
    """NeuMeta between the compared widths, or any model at a width outside ``vae_iwae_widths``: the two one-draw
    metrics, the same as with the IWAE, and no IWAE row."""
    torch.manual_seed(0)
    base = build_model("vae-mnist").eval()
    context = scoring_context("mnist", base, mnist_test, P)
    out = dict(rows=[], per_image={}, figure6={})
    model = build_model("vae-mnist", width=24).eval()
    score(context, "NeuMeta", 24, model, out, P)
    assert {r["metric"] for r in out["rows"]} == {"neg_elbo", "mse"}
    compared_only = scoring_context("mnist", base, mnist_test, dict(P, vae_iwae_widths=[32]))
    score(compared_only, "l1", 16, model, out, P)  # a compared width outside vae_iwae_widths: no IWAE either
    assert {r["metric"] for r in out["rows"]} == {"neg_elbo", "mse"}
    assert set(out["per_image"]["mnist", "l1", 16]) == {"neg_elbo", "mse"}
    full = per_image_metrics(model, mnist_test, "bernoulli", 2, 5, seed=0)
    assert out["rows"][0]["mean"] == pytest.approx(full["neg_elbo"].mean())


def test_a_network_met_again_is_scored_once_with_the_same_numbers(mnist_test, monkeypatch):
    import neumeta.experiments.vae.scoring as scoring
    torch.manual_seed(0)
    base = build_model("vae-mnist").eval()
    context = scoring_context("mnist", base, mnist_test, P)
    calls = []
    real = scoring.per_image_metrics
    monkeypatch.setattr(scoring, "per_image_metrics", lambda *a, **k: calls.append(1) or real(*a, **k))
    out = dict(rows=[], per_image={}, figure6={}, iwae={})
    score(context, "l1", 32, base, out, P)
    again = build_model("vae-mnist").eval()
    again.load_state_dict(base.state_dict())  # another object, the same network
    score(context, "l2", 32, again, out, P)
    assert len(calls) == 1
    assert np.array_equal(out["iwae"]["mnist|l1|h=32"], out["iwae"]["mnist|l2|h=32"])
    assert out["iwae"]["mnist|l1|h=32"] is not out["iwae"]["mnist|l2|h=32"]  # copies: one may be changed alone
    score(context, "l2", 16, build_model("vae-mnist", width=16).eval(), out, P)  # another network: scored
    assert len(calls) == 2
