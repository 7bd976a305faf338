"""Segmentation parts: the scores (against torchmetrics, smp and a hand-worked example), the paired mIoU interval,
prediction at the U-Net's stride, the U-Net's block width, and resumable training on the CamVid fixtures."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch

from neumeta.data import SEG_IGNORE, DatasetNotFoundError, data_root, get_dataset
from neumeta.data.label_maps import label_map_source
from neumeta.models.unet import BLOCK, block_width, output_stride, unet_resnet18
from neumeta.segmentation.metrics import (confusion_of, confusions, mean_iou, micro_f1_per_image,
                                          micro_iou_per_image, paired_miou_difference, pixel_accuracy)
from neumeta.segmentation.predict import pad_to, predict_confusions

FIXTURES = Path(__file__).parent / "fixtures" / "data"


def _noisy_predictions(labels, flip, seed):
    g = torch.Generator().manual_seed(seed)
    noise = torch.randint(0, 11, labels.shape, generator=g)
    return torch.where(torch.rand(labels.shape, generator=g) < flip, noise, labels.clamp(max=10))


def test_hand_worked_example():
    """Two 2 x 3 images, three classes, one ignored pixel:
    image 1: labels [[0, 0, 1], [1, 2, 255]], predicted [[0, 1, 1], [1, 2, 0]] -> 4 right, 1 wrong (0 as 1);
    image 2: labels [[2, 2, 2], [0, 0, 0]], predicted [[2, 2, 0], [0, 0, 0]] -> 5 right, 1 wrong (2 as 0).
    Split: class 0: hit 1 + 3 = 4, union 4 + (1 + 1) = 6; class 1: hit 2, union 2 + 1 = 3; class 2: hit 1 + 2 = 3,
    union 3 + 1 = 4. mIoU = (4/6 + 2/3 + 3/4) / 3 = 69.44 %; pixel accuracy 9/11. The paper's micro IoU per
    image: 4 / (4 + 2) and 5 / (5 + 2); its micro F1: 4/5 and 5/6."""
    labels = torch.tensor([[[0, 0, 1], [1, 2, 255]], [[2, 2, 2], [0, 0, 0]]])
    pred = torch.tensor([[[0, 1, 1], [1, 2, 0]], [[2, 2, 0], [0, 0, 0]]])
    conf = confusions(pred, labels, 3, 255)
    assert torch.equal(conf[0], confusion_of(pred[0], labels[0], 3, 255))
    assert mean_iou(conf) == pytest.approx(100 * (4 / 6 + 2 / 3 + 3 / 4) / 3)
    assert pixel_accuracy(conf) == pytest.approx(100 * 9 / 11)
    assert micro_iou_per_image(conf) == pytest.approx([100 * 4 / 6, 100 * 5 / 7])
    assert micro_f1_per_image(conf) == pytest.approx([100 * 4 / 5, 100 * 5 / 6])


def test_scores_equal_torchmetrics_and_smp_on_the_full_camvid_test_split():
    from segmentation_models_pytorch import metrics as smp_metrics
    from torchmetrics.classification import MulticlassJaccardIndex
    try:
        test = get_dataset("camvid", "test", root=data_root(), transform=None)
    except DatasetNotFoundError:
        pytest.skip("CamVid is not unpacked here (`make data`)")
    labels = torch.stack([test[i][1] for i in range(len(test))])
    assert len(labels) == 233
    pred = _noisy_predictions(labels, 0.3, seed=0)
    conf = confusions(pred, labels, 11, SEG_IGNORE)
    ours = MulticlassJaccardIndex(11, average="macro", ignore_index=SEG_IGNORE)(pred, labels)
    assert mean_iou(conf) == pytest.approx(100 * ours.item(), abs=1e-4)
    tp, fp, fn, tn = smp_metrics.get_stats(pred, labels, mode="multiclass", num_classes=11, ignore_index=SEG_IGNORE)
    paper_iou = smp_metrics.iou_score(tp, fp, fn, tn, reduction="micro-imagewise")
    paper_f1 = smp_metrics.f1_score(tp, fp, fn, tn, reduction="micro-imagewise")
    assert micro_iou_per_image(conf).mean() == pytest.approx(100 * paper_iou.item(), abs=1e-3)
    assert micro_f1_per_image(conf).mean() == pytest.approx(100 * paper_f1.item(), abs=1e-3)


def test_paired_miou_interval_covers_the_truth_and_sees_a_real_difference():
    """Two predictors on the same 200 synthetic images: one with 30 % of its pixels wrong and one with 10 %
    differ by far more than their interval; two draws of the same 20 % predictor differ within noise."""
    labels = torch.randint(0, 11, (200, 12, 16), generator=torch.Generator().manual_seed(1))
    worse, better = (confusions(_noisy_predictions(labels, f, s), labels, 11, 255) for f, s in ((0.3, 2), (0.1, 3)))
    result = paired_miou_difference(better, worse, resamples=1000)
    assert result["ci_low"] > 10 and result["verdict"] == "A > B"
    same_a, same_b = (confusions(_noisy_predictions(labels, 0.2, s), labels, 11, 255) for s in (4, 5))
    assert paired_miou_difference(same_a, same_b, resamples=1000)["verdict"] == "within noise"
    with pytest.raises(ValueError, match="same images"):
        paired_miou_difference(better, worse[:-1])


def test_prediction_pads_to_the_stride_and_scores_every_pixel():
    x = torch.randn(2, 3, 180, 240)
    assert pad_to(x, 16).shape == (2, 3, 192, 240)
    seen = []

    def model(batch):
        seen.append(batch.shape)
        logits = torch.zeros(batch.shape[0], 11, *batch.shape[-2:])
        logits[:, 3] = 1  # "road" everywhere
        return logits

    test = get_dataset("camvid", "test", root=FIXTURES, transform="eval")
    conf = predict_confusions(model, test, 11, SEG_IGNORE, stride=16, batch_size=2)
    scored = torch.stack([(test[i][1] != SEG_IGNORE).sum() for i in range(len(test))])
    assert seen == [(2, 3, 192, 240)] and conf.shape == (2, 11, 11)
    assert torch.equal(torch.from_numpy(conf.sum((1, 2))), scored)  # every labelled pixel, none of the padding


def test_the_unet_block_really_has_the_width_asked_for():
    full, narrow = unet_resnet18(11), unet_resnet18(11, block_width=64)
    assert block_width(full) == 256 and block_width(narrow) == 64 and output_stride(full) == 16
    assert not hasattr(full.encoder, "layer4")
    removed = 2 * 256 * (256 - 64) * 9 + 2 * (256 - 64)  # conv1 and conv2 weights, bn1 weight and bias
    assert sum(p.numel() for p in full.parameters()) - sum(p.numel() for p in narrow.parameters()) == removed
    assert dict(narrow.named_modules())[BLOCK].conv1.out_channels == 64
    assert narrow(torch.randn(1, 3, 64, 96)).shape == (1, 11, 64, 96)


def test_the_data_fingerprint_tells_copies_apart():
    fixtures = label_map_source("camvid", FIXTURES)
    assert fixtures.startswith("camvid: 4 train + 2 val + 2 test images, files sha256 ")
    assert label_map_source("camvid", FIXTURES / "missing") == "camvid: not present here"
    assert label_map_source("voc", FIXTURES) != fixtures
    with pytest.raises(ValueError, match="no segmentation dataset"):
        label_map_source("cifar10", FIXTURES)


def test_a_killed_segmentation_run_resumes_to_the_same_weights(tmp_path, monkeypatch):
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.segmentation import models
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path))
    P = resolve_profile("smoke", {"data_root": str(FIXTURES), "seg_epochs": 2})

    class Stop(Exception):
        pass

    def stop_after_first(epoch):
        if epoch == 1:
            raise Stop

    train, held_out, _ = models.datasets(P)
    classes, ignore = models.labels(P)
    from neumeta.training.segmentation import train_segmenter
    run = (lambda path, hook=None: train_segmenter(models.build(P), train, held_out, models.train_config(P), path,
                                                  classes, ignore, 16, on_epoch_end=hook))
    with pytest.raises(Stop):
        run(tmp_path / "killed.pt", stop_after_first)
    resumed, info = run(tmp_path / "killed.pt")
    whole, _ = run(tmp_path / "whole.pt")
    assert [h["epoch"] for h in info["history"]] == [1, 2] and 0 <= info["held_out_miou"] <= 100
    for (name, a), b in zip(resumed.state_dict().items(), whole.state_dict().values()):
        assert torch.equal(a, b), name
    assert np.isfinite(info["history"][-1]["train_loss"])


def test_a_slimmable_unet_at_a_trained_width_is_the_plain_unet_of_that_width():
    from neumeta.experiments.segmentation.slimmable import (plain_unet, recalibrate, slimmable_objective,
                                                            slimmable_unet)
    slim = slimmable_unet(unet_resnet18(11, decoder_channels=(16, 8, 8, 8)), (128, 256))
    x, y = torch.randn(2, 3, 32, 48), torch.randint(0, 11, (2, 32, 48))
    objective = slimmable_objective(lambda m, a, b: (torch.nn.functional.cross_entropy(m(a), b), m(a)))
    loss, logits = objective(slim.train(), x, y)
    loss.backward()
    assert logits.shape == (2, 11, 32, 48) and slim.encoder.layer3[1].width == 256
    conv1 = slim.encoder.layer3[1].conv1.weight.grad
    assert conv1[:128].abs().sum() > 0 and conv1[128:].abs().sum() > 0  # both widths trained the shared weight
    slim.eval()
    for width in (128, 256):
        slim.encoder.layer3[1].width = width
        plain = plain_unet(slim, width)
        assert block_width(plain) == width
        assert torch.allclose(plain(x), slim(x), atol=1e-5)
    unseen = recalibrate(plain_unet(slim, 64), torch.randn(4, 3, 32, 48))
    assert block_width(unseen) == 64 and unseen.encoder.layer3[1].bn1.num_batches_tracked == 1
    with pytest.raises(ValueError, match="wider than the shared weights"):
        plain_unet(slim, 320)


def test_neumeta_generates_the_unet_block_and_runs_it_in_bfloat16(tmp_path, monkeypatch):
    """The base U-Net goes through the public API: its BNs fold and its channels permute without changing its
    function, the generated block has the width asked for, and the bfloat16 target agrees with float32."""
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.segmentation import inr
    from neumeta.method.channels import function_change
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path))
    P = resolve_profile("smoke", {"data_root": str(FIXTURES), "seg_bf16": True})
    base = unet_resnet18(11, decoder_channels=(16, 8, 8, 8)).eval()
    meta = inr.metamorph(P, base, "bfloat16")
    assert isinstance(meta.target, inr.Bfloat16Target)
    assert meta.describe()[0]["layer"] == f"{BLOCK}.conv1" and meta.describe()[0]["full_width"] == 256
    x = torch.randn(1, 3, 48, 64)
    full = meta.target.net
    assert function_change(base, full.state_dict(), x, other=full) < 1e-4  # folded and permuted, same function
    generated = meta.weights(64, samples=1)
    assert generated[f"{BLOCK}.conv1.weight"].shape == (64, 256, 3, 3)
    plain = meta.network(64, samples=1)
    assert block_width(plain) == 64
    with torch.no_grad():
        exact, fast = plain(x), meta.target(x, generated)
    assert fast.dtype == torch.float32 and (fast - exact).abs().max() < 0.05 * exact.abs().max()


@pytest.mark.parametrize("has_bf16", [True, False])
def test_a_fresh_unet_inr_runs_in_bfloat16_only_where_the_cpu_has_it(tmp_path, monkeypatch, has_bf16):
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.segmentation import inr
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path))
    monkeypatch.setattr(inr, "bf16_in_hardware", lambda: has_bf16)
    P = resolve_profile("smoke", {"data_root": str(FIXTURES), "seg_bf16": True})
    assert inr.run_precision(P) == ("bfloat16" if has_bf16 else "float32")
    assert inr.run_precision(dict(P, seg_bf16=False)) == "float32"


def test_the_unet_inr_resumes_in_its_own_precision_and_refuses_another_base(tmp_path, monkeypatch):
    """Stopped after one epoch in float32, the run resumes in float32 on a CPU with bfloat16 and ends equal to an
    uninterrupted run; its checkpoint is reused, and refused for a base U-Net with other weights."""
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.segmentation import inr
    from neumeta.api.metamorph import CheckpointMismatchError
    from neumeta.store.checkpoints import partial_path
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path))
    P = resolve_profile("smoke", {"data_root": str(FIXTURES), "seg_bf16": True, "seg_inr_epochs": 2})
    base = inr.train_model(P)[0]
    monkeypatch.setattr(inr, "bf16_in_hardware", lambda: False)
    whole, _ = inr.train_neumeta(P, base)
    inr.inr_path(P).unlink()
    with pytest.raises(KeyboardInterrupt):
        inr.train_neumeta(P, base, on_epoch_end=lambda epoch: _stop())
    assert partial_path(inr.inr_path(P)).exists()
    monkeypatch.setattr(inr, "bf16_in_hardware", lambda: True)
    assert inr.run_precision(P) == "float32"
    resumed, info = inr.train_neumeta(P, base)
    assert [h.get("precision") for h in info["history"]] == ["float32", "float32"]
    assert all(torch.equal(a, b) for a, b in zip(whole.inr.state_dict().values(), resumed.inr.state_dict().values()))
    assert inr.train_neumeta(P, base)[1]["reused"]
    other = copy.deepcopy(base)
    with torch.no_grad():
        other.segmentation_head[0].bias.add_(0.1)
    with pytest.raises(CheckpointMismatchError, match="another base U-Net"):
        inr.train_neumeta(P, other)


def _stop():
    raise KeyboardInterrupt


@pytest.mark.parametrize("depth,cache_bytes", [(4, 2**30), (5, 2**30), (4, 0)])
def test_the_trunk_gives_the_whole_networks_predictions_at_every_width(depth, cache_bytes):
    """Scoring through the shared trunk equals running each whole network (both channels-last), for the base and a
    narrowed one, with the split's features kept and (a split too large to keep) recomputed per network."""
    from neumeta.hardware.layout import channels_last_copy
    from neumeta.models.unet import set_block_width
    from neumeta.segmentation.trunk import UNetTrunk
    test = get_dataset("camvid", "test", root=FIXTURES, transform="eval")
    decoder = (16, 8, 8, 8) if depth == 4 else (16, 16, 8, 8, 8)
    base = unet_resnet18(11, encoder_depth=depth, decoder_channels=decoder).eval()
    stride = output_stride(base)
    trunk = UNetTrunk(base, test, stride, SEG_IGNORE, batch_size=1, cache_bytes=cache_bytes)
    assert (trunk.cached is None) == (cache_bytes == 0)
    narrow = set_block_width(copy.deepcopy(base), 64).eval()
    for net in (base, narrow):
        whole = predict_confusions(channels_last_copy(net), test, 11, SEG_IGNORE, stride, batch_size=1)
        assert np.array_equal(trunk.confusions(net, 11, SEG_IGNORE), whole)
    assert not base.encoder.conv1.weight.is_contiguous(memory_format=torch.channels_last)  # copies only


def test_one_trunk_is_built_per_trunk_weights_and_split():
    """The base, its pruned networks and its block off share one trunk; other trunk weights get their own, and
    only the last two are kept."""
    from neumeta.models.unet import set_block_width
    from neumeta.segmentation import trunk as trunks
    test = get_dataset("camvid", "test", root=FIXTURES, transform="eval")
    nets = [unet_resnet18(11, decoder_channels=(16, 8, 8, 8)).eval() for _ in range(3)]
    with torch.no_grad():
        for i, net in enumerate(nets):
            net.encoder.layer1[0].conv1.weight.mul_(1 + i)  # three trunks
    stride = output_stride(nets[0])
    trunks._SHARED.clear()
    first = trunks.shared_trunk(nets[0], test, stride, SEG_IGNORE)
    narrow = set_block_width(copy.deepcopy(nets[0]), 64).eval()  # the same trunk, another block
    assert trunks.shared_trunk(narrow, test, stride, SEG_IGNORE) is first
    assert trunks.shared_trunk(nets[1], test, stride, SEG_IGNORE) is not first
    trunks.shared_trunk(nets[2], test, stride, SEG_IGNORE)
    assert trunks.shared_trunk(nets[0], test, stride, SEG_IGNORE) is not first  # dropped: two kept
    trunks._SHARED.clear()


def test_images_of_different_sizes_are_scored_pixel_for_pixel():
    """VOC's images differ in size: a batch pads them, and only their own labelled pixels are scored."""
    val = get_dataset("voc", "val", root=FIXTURES, transform="eval")
    sizes = {tuple(val[i][1].shape) for i in range(len(val))}
    assert len(sizes) > 1
    net = unet_resnet18(21, decoder_channels=(16, 8, 8, 8)).eval()
    conf = predict_confusions(net, val, 21, SEG_IGNORE, output_stride(net), batch_size=len(val))
    labelled = [int((val[i][1] != SEG_IGNORE).sum()) for i in range(len(val))]
    assert conf.sum((1, 2)).tolist() == labelled


def test_the_tables_score_compare_and_lay_out_the_models_on_known_confusions():
    """Three images, two classes. NeuMeta@128 is perfect, Individual@128 wrong on every class-1 pixel, so their
    mIoU are 100 and 25 (class 0: 4 / 8 hits; class 1: 0) and the paired difference is 75 at every resample."""
    from neumeta.experiments.segmentation import tables
    perfect = np.array([[[4, 0], [0, 4]]] * 3)
    wrong = np.array([[[4, 0], [4, 0]]] * 3)
    confusions = {"NeuMeta@128": perfect, "Individual@128": wrong, "NeuMeta GL@128": perfect, "NeuMeta@64": perfect}
    scores = tables.scores(confusions, {"NeuMeta": range(128, 257), "Individual": [128, 256]})
    by = scores.set_index(["method", "width"])
    assert by.loc[("NeuMeta", 128), "miou"] == pytest.approx(100) and by.loc[("Individual", 128), "miou"] == 25
    assert by.loc[("NeuMeta", 128), "trained"] and not by.loc[("NeuMeta", 64), "trained"]
    assert by.loc[("NeuMeta", 128), "gamma"] == 50
    compared = tables.comparisons(confusions, resamples=200)
    assert list(compared.b) == ["Individual"]  # the GL sweep is not a method of its own
    assert compared["diff"].iloc[0] == pytest.approx(75) and compared.ci_low.iloc[0] == pytest.approx(75)
    assert compared.verdict.iloc[0] == "A > B"
    layout = tables.paper_layout(scores)
    row = layout[(layout.method == "NeuMeta") & (layout.gamma == 50)]
    assert row.miou.iloc[0] == pytest.approx(100) and row.paper_micro_iou.iloc[0] == pytest.approx(81.93)
    classes = tables.per_class({"Individual@128": wrong}, "no such dataset")
    assert list(classes.cls) == ["0", "1"] and list(classes.iou) == [50, 0]


def test_the_results_page_says_whether_the_never_trained_width_holds_and_reads_the_paper_by_its_drops():
    import pandas as pd
    from neumeta.experiments.segmentation.report import _against_paper, _unseen_holds
    from neumeta.experiments.segmentation.tables import PAPER_TABLE3
    scores = pd.DataFrame(dict(method=["NeuMeta"] * 3, width=[256, 128, 64], trained=[True, True, False]))
    comparisons = pd.DataFrame(dict(width=[64, 64, 128], b=["Individual", "Slimmable", "Individual"],
                                    verdict=["A < B", "A > B", "A < B"]))
    (line,) = _unseen_holds(scores, comparisons)
    assert "h = 64" in line and "75 %" in line and "not** hold against Individual" in line and "2 method" in line
    (line,) = _unseen_holds(scores, comparisons.assign(verdict="no difference"))
    assert "it holds" in line
    layout = PAPER_TABLE3.assign(miou=[60.0, 59.0, 50.0] * 3, micro_iou=[80.0, 78.0, 70.0] * 3)
    lines = _against_paper(layout)
    assert len(lines) == 3 and "1.91" in lines[0] and "ours 10.00 (mIoU 10.00)" in lines[0]


def test_the_paper_drops_are_read_over_the_gammas_both_measured():
    from neumeta.experiments.segmentation.report import _against_paper
    from neumeta.experiments.segmentation.tables import PAPER_TABLE3
    layout = PAPER_TABLE3.assign(miou=[None, 59.0, 50.0] * 3, micro_iou=[None, 78.0, 70.0] * 3)
    lines = _against_paper(layout)
    assert "γ = 50 → 75 %" in lines[0] and "0.35" in lines[0] and "ours 8.00" in lines[0]


def test_the_block_off_passes_its_input_through_and_changes_nothing_else():
    from neumeta.experiments.segmentation.diagnosis import block_off
    torch.manual_seed(0)
    net = unet_resnet18(11).eval()
    with torch.no_grad():
        net.get_submodule(BLOCK).bn2.bias.fill_(0.1)  # as trained: a fresh BatchNorm's shift is already 0
    off = block_off(net)
    block, block_of_off = net.get_submodule(BLOCK), off.get_submodule(BLOCK)
    x = torch.relu(torch.randn(2, 256, 4, 6))  # the block's input has been through a ReLU
    with torch.no_grad():
        assert torch.equal(block_of_off(x), x) and not torch.allclose(block(x), x)
    changed = [k for k, v in off.state_dict().items() if not torch.equal(v, net.state_dict()[k])]
    assert changed == [f"{BLOCK}.bn2.weight", f"{BLOCK}.bn2.bias"]


def test_neumeta_is_compared_with_the_block_off_on_the_same_images():
    """Three images, two classes: NeuMeta@128 perfect (mIoU 100), the base perfect, the block off wrong on every
    class-1 pixel (mIoU 25): both lie 75 points above it at every resample."""
    from neumeta.experiments.segmentation.diagnosis import against_block_off
    perfect, wrong = np.array([[[4, 0], [0, 4]]] * 3), np.array([[[4, 0], [4, 0]]] * 3)
    table = against_block_off({"NeuMeta@128": perfect, "NeuMeta GL@128": perfect, "Individual@256": perfect},
                              {"block off@0": wrong}, resamples=200)
    assert list(table.model) == ["block off", "NeuMeta", "base U-Net"] and list(table.width) == [0, 128, 256]
    assert table.miou.tolist() == pytest.approx([25, 100, 100])
    assert table["diff"].iloc[1:].tolist() == pytest.approx([75, 75]) and (table.verdict.iloc[1:] == "A > B").all()


def test_the_results_page_places_neumeta_between_the_block_off_and_the_base():
    import pandas as pd
    from neumeta.experiments.segmentation.report import _base_level, _diagnosis, _summary
    off = pd.DataFrame(dict(model=["block off", "NeuMeta", "NeuMeta", "base U-Net"], width=[0, 256, 64, 256],
                            miou=[30.0, 35.0, 30.5, 40.0], diff=[float("nan"), 5.0, 0.5, 10.0],
                            ci_low=[float("nan"), 4.0, -0.5, 9.0], ci_high=[float("nan"), 6.0, 1.5, 11.0],
                            verdict=["", "A > B", "within noise", "A > B"]))
    reconstruction = pd.DataFrame(dict(tensor=["encoder.layer3.1.conv1.weight"], warm_start=[0.95], trained=[0.9]))
    lines = _diagnosis(off, reconstruction)
    assert "scores 30.00 mIoU" in lines[0] and "+10.00 [+9.00, +11.00]" in lines[0]
    assert "h = 256: +5.00 [+4.00, +6.00] against the block off (above it), 50 %" in lines[1]
    assert "h = 64" in lines[2] and "within noise" in lines[2] and "5 %" in lines[2]
    assert "`conv1.weight` 0.950 after its warm start, 0.900 after training" in lines[3]
    P = dict(seg_inr_hidden=128, seg_inr_freqs=9, seg_inr_epochs=40)
    assert "adds only 5 %-50 %" not in _summary(off, reconstruction, P, P)  # 50 % is not "only"
    low = off.assign(miou=[30.0, 32.0, 31.0, 40.0])
    assert "adds only 10 %-20 %" in _summary(low, reconstruction, P, P) and "not the base block's" in _summary(
        low, reconstruction, P, P)
    scores = pd.DataFrame(dict(method=["Individual", "Individual", "Slimmable", "NeuMeta"], width=[256, 128, 256, 256],
                               trained=[True, True, True, True], miou=[43.0, 44.0, 45.0, 36.0]))
    training = pd.DataFrame(dict(network=["base U-Net (Individual at 256)", "Individual"], held_out_miou=[56.0, 58.0]))
    per_class = pd.DataFrame(dict(method=["Individual"] * 4, width=[256] * 4, cls=["sky", "pole", "fence", "car"],
                                  iou=[90.0, 5.0, 10.0, 70.0]))
    text = _base_level(training, scores, per_class)
    assert "43.00 % mIoU on the test split" in text and "56.00 % on the validation split" in text
    assert "pole 5.0, fence 10.0, car 70.0" in text and "span 43.00-45.00 %" in text and "the lowest of them" in text
