"""Notebooks 00 and 10's library parts: the base models' deviations in words, and one channel ordering measured
(real MNIST fixture images, a small untrained LeNet)."""
from pathlib import Path

import pytest
import torch

from neumeta.data import get_dataset
from neumeta.experiments.pretrained.deviations import deviation, schedule_of
from neumeta.experiments.pretrained.orderings import (FLOAT64_IMAGES, folded_network, logits_32_and_64,
                                                      ordering_metrics, permute_with, probe_images, variant_logits,
                                                      weight_matrix_rows)
from neumeta.method.folding import fuse_bn
from neumeta.models import build_model

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "data"


def test_the_deviation_names_the_data_the_schedule_and_the_precision():
    info = {"epochs": 9, "stage_epochs": [5, 2, 2], "config": {"bf16": True}}
    assert deviation("resnet20", "cifar10", info) == (
        "CIFAR-10 stored as JPEG q75 (PSNR 27-33 dB), train and test; 5 + 2 + 2 epochs (cosine, 2 warm restart(s)) "
        "(chenyaofo recipe: 200) with bfloat16 autocast")
    # no data deviation (CIFAR-100), no stages, float32: the schedule alone
    assert deviation("resnet20", "cifar100", {"epochs": 3, "config": {"bf16": False}}) == \
        "3 epochs (chenyaofo recipe: 200)"
    # LeNet: the paper states no pretraining recipe to compare with
    assert schedule_of("lenet", {"epochs": 4, "stage_epochs": [], "config": {"bf16": False}}) == "4 epochs"


def test_probe_images_are_the_first_test_images_with_their_labels():
    P = {"data_root": str(FIXTURES), "permute_eval_images": 7}
    x, y = probe_images("mnist", P)
    test = get_dataset("mnist", "test", root=FIXTURES, transform="eval")
    assert x.shape == (7, 1, 28, 28) and y.tolist() == [int(test[i][1]) for i in range(7)]
    assert torch.equal(x[3], test[3][0])


def test_float64_logits_cover_the_first_images_and_leave_the_model_in_float32():
    torch.manual_seed(0)
    model = fuse_bn(build_model("lenet")).eval()
    x = torch.randn(FLOAT64_IMAGES + 5, 1, 28, 28)
    out, out64 = logits_32_and_64(model, x, batch_size=256)
    assert out.shape == (FLOAT64_IMAGES + 5, 10) and out.dtype == torch.float32
    assert out64.shape == (FLOAT64_IMAGES, 10) and out64.dtype == torch.float64
    assert next(model.parameters()).dtype == torch.float32
    assert torch.allclose(out[:FLOAT64_IMAGES].double(), out64, atol=1e-4)


@pytest.mark.parametrize("variant", ["none", "random"])
def test_a_permuted_network_computes_the_same_function(variant):
    torch.manual_seed(0)
    folded = fuse_bn(build_model("lenet")).eval()
    state, seconds = permute_with(variant, folded, "lenet", "mnist", {"permute_runs": 1, "seed": 0})
    assert seconds >= 0
    if variant == "none":
        assert all(torch.equal(v, folded.state_dict()[k]) for k, v in state.items())
    else:  # the channels really moved
        assert any(not torch.equal(v, folded.state_dict()[k]) for k, v in state.items())
    x = torch.randn(20, 1, 28, 28)
    logits, reference = logits_32_and_64(folded_network("lenet", state), x), logits_32_and_64(folded, x)
    metrics = ordering_metrics(state, logits, reference, torch.zeros(20, dtype=torch.long), seconds)
    assert metrics["max_abs_logit_diff_float64"] < 1e-10 and metrics["max_abs_logit_diff"] < 1e-4
    assert metrics["accuracy"] == metrics["accuracy_unpermuted"] and metrics["n_images"] == 20
    shared = variant_logits("lenet", folded, state, x, reference)  # "none": the reference itself, not recomputed
    assert (shared is reference) == (variant == "none")
    assert all(torch.equal(a, b) for a, b in zip(shared, logits))


def test_ordering_metrics_measure_what_they_name():
    ref = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    out = torch.tensor([[2.0, 0.5], [1.5, 1.0], [1.0, 0.0]])  # the second image changes its class
    labels = torch.tensor([0, 1, 1])
    state = {"a.weight": torch.tensor([[0.0, 1.0, 3.0]])}
    m = ordering_metrics(state, (out, out.double()), (ref, ref.double()), labels, 1.5)
    assert m["max_abs_logit_diff"] == pytest.approx(1.5) and m["max_abs_logit_diff_float64"] == pytest.approx(1.5)
    assert m["accuracy"] == pytest.approx(100 / 3) and m["accuracy_unpermuted"] == pytest.approx(200 / 3)
    assert m["solver_seconds"] == 1.5 and m["n_images"] == 3 and m["total_tv"] > 0


def test_the_weight_matrix_is_the_mean_absolute_kernel_per_channel_pair():
    w = torch.arange(3 * 2 * 2 * 2, dtype=torch.float32).reshape(3, 2, 2, 2) - 10
    rows = weight_matrix_rows("lenet", "shp", {"conv_2.weight": w})
    assert len(rows) == 6 and {r["tensor"] for r in rows} == {"conv_2.weight"}
    cell = next(r for r in rows if r["row"] == 2 and r["col"] == 1)
    assert cell["value"] == pytest.approx(w[2, 1].abs().mean().item())
