"""Whole-network metamorphosis: the thin networks trained from scratch have, block by block, the structure the
public API derives from the base model for the same compression ratio; the setting (network, dataset, blocks)
comes from the profile, the follow-up's own one in the paper profile."""
import pytest
import torch

from neumeta.api.spec import NetworkSpec
from neumeta.experiments.whole.run import outside_generated
from neumeta.experiments.whole.setting import Setting, block_widths, residual_blocks, setting
from neumeta.experiments.whole.thin import thin_network
from neumeta.method.folding import fuse_bn
from neumeta.metrics import count_parameters
from neumeta.models import build_model


RESNET20 = Setting("resnet20", "cifar10", residual_blocks("resnet20"))
BLOCKS = RESNET20.blocks


def thin_resnet20(gamma):
    return thin_network(gamma, RESNET20)


def _layer_shapes(net):
    return {n: tuple(m.weight.shape) for n, m in net.named_modules()
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))}


@pytest.mark.parametrize("gamma", [0.25, 0.5, 0.75])
def test_a_thin_resnet20_is_the_structure_the_api_derives(gamma):
    widths = block_widths(gamma, RESNET20)
    assert widths["layer1.0"] == int((1 - gamma) * 16 + 0.5) and widths["layer3.2"] == int((1 - gamma) * 64 + 0.5)
    spec = NetworkSpec(fuse_bn(build_model("resnet20")).eval(), list(BLOCKS), (8, 16), torch.zeros(1, 3, 32, 32))
    derived = spec.model(widths)
    thin = thin_resnet20(gamma)
    assert _layer_shapes(thin) == _layer_shapes(derived)
    assert thin.layer2[0].conv1.stride == (2, 2)  # a downsampling block keeps its stride
    assert thin(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    full = sum(p.numel() for p in build_model("resnet20").parameters())
    assert sum(p.numel() for p in thin.parameters()) < full


def test_gamma_out_of_range_is_one_clear_error():
    with pytest.raises(ValueError, match="gamma must be in"):
        block_widths(1.0, RESNET20)


def test_stored_parameters_count_the_unfolded_base_outside_the_generated_blocks():
    """The generated (BN-folded) tensors stand for each block's convolutions and the BatchNorms folded into them;
    the rest is counted as the base model stores it, BatchNorms included; the classifier where asked."""
    base = build_model("resnet20")
    names = NetworkSpec(fuse_bn(base).eval(), list(BLOCKS), (8, 16), torch.zeros(1, 3, 32, 32)).names
    generated = sum(count_parameters(base.get_submodule(f"{b}.{m}")) for b in BLOCKS
                    for m in ("conv1", "bn1", "conv2", "bn2"))
    assert outside_generated(base, names) == count_parameters(base) - generated
    assert outside_generated(base, names, classifier=False) == count_parameters(base) - generated - 64 * 10 - 10


def test_the_whole_network_inr_trains_and_generates_the_thin_structure(tmp_path, monkeypatch):
    """One INR for all nine blocks, on the fixtures: trained, reused from its checkpoint, and at every gamma the
    generated network has the thin network's structure (a ratio of the widest stage gives the others)."""
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.whole import inr as whole
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path))
    P = resolve_profile("smoke", {})
    meta, info = whole.train_whole_neumeta(P)
    assert whole.inr_path(P).exists() and len(meta.describe()) == 9
    assert whole.train_range(P) == (32, 64) and meta.spec.train_widths == (32, 64)
    for gamma in P["whole_eval_gammas"]:
        generated = whole.network_at(meta, gamma, RESNET20, samples=1)
        assert _layer_shapes(generated) == _layer_shapes(thin_resnet20(gamma))
    again, reused = whole.train_whole_neumeta(P)
    assert reused["reused"]


def test_the_follow_up_recipe_trains_stage_by_stage_and_resumes(tmp_path, monkeypatch):
    """Nine stages front to back on the fixtures: heads passed on, SkipInit scalars trained from 0, the same INR
    epochs as the paper recipe's row; a run killed after a stage resumes to bitwise the same INR, scalars and
    classifier."""
    from neumeta.config.profiles import resolve_profile
    from neumeta.experiments.whole import followup
    from neumeta.training.loop import train_resumable
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(tmp_path))
    P = resolve_profile("smoke", {"whole_limit_train": 16})
    (meta, scales_and_head), info = followup.train_followup(P)
    assert [h["stage"] for h in info["history"]] == list(range(1, 10))
    assert (scales_and_head.scales != 0).all()  # every block's scalar moved away from its SkipInit 0
    net = followup.followup_network(meta, scales_and_head, 0.5, RESNET20, samples=1)
    assert _layer_shapes(net) == _layer_shapes(thin_resnet20(0.5))
    assert torch.equal(net.fc.weight, scales_and_head.fc.weight)

    class Stop(Exception):
        pass

    def stop_at(epoch):
        if epoch == 4:
            raise Stop
    path = tmp_path / "killed.pt"
    with pytest.raises(Stop):
        train_resumable(path, followup.FollowUpTrainee(followup.metamorph(P), _train(P), P), stop_at)
    (resumed, resumed_scales), _ = train_resumable(path, followup.FollowUpTrainee(followup.metamorph(P), _train(P), P))
    for again, once in ((resumed.inr, meta.inr), (resumed_scales, scales_and_head)):
        assert again.state_dict().keys() == once.state_dict().keys()
        for a, b in zip(again.state_dict().values(), once.state_dict().values()):
            assert torch.equal(a, b)
    with pytest.raises(ValueError, match="must be at least 9"):
        followup.stage_epochs(dict(P, whole_inr_epochs=8))


def _train(P):
    from neumeta.data import get_dataset
    from neumeta.experiments.pretrained.base_models import resolve_data_root
    return get_dataset("cifar10", "train", root=resolve_data_root(P))


def test_the_settings_blocks_and_the_follow_ups_own():
    """cpu: every block of ResNet-20 on CIFAR-10; paper: the follow-up's layer3.1-layer3.7 of ResNet-56 on CIFAR-100."""
    from neumeta.config.profiles import load_profile
    assert setting(load_profile("cpu")) == RESNET20 and len(BLOCKS) == 9
    paper = setting(load_profile("paper"))
    assert (paper.arch, paper.dataset, paper.num_classes) == ("resnet56", "cifar100", 100)
    assert paper.blocks == tuple(f"layer3.{i}" for i in range(1, 8)) and paper.widest == 64
    assert len(residual_blocks("resnet56")) == 27
    with pytest.raises(ValueError, match="whole_blocks"):
        setting({"whole_arch": "resnet20", "whole_dataset": "cifar10", "whole_blocks": "some"})


def test_a_thin_resnet56_in_the_follow_ups_setting_is_the_structure_the_api_derives():
    s = Setting("resnet56", "cifar100", tuple(f"layer3.{i}" for i in range(1, 8)))
    widths = block_widths(0.75, s)
    assert set(widths.values()) == {16}
    spec = NetworkSpec(fuse_bn(build_model("resnet56", 100)).eval(), list(s.blocks), (32, 64),
                       torch.zeros(1, 3, 32, 32))
    thin = thin_network(0.75, s)
    assert _layer_shapes(thin) == _layer_shapes(spec.model(widths))
    assert thin.layer3[0].conv1.out_channels == 64 and thin.layer3[8].conv1.out_channels == 64
    assert thin(torch.zeros(1, 3, 32, 32)).shape == (1, 100)


@pytest.mark.parametrize("epochs, blocks, expected", [(36, "all", [4] * 9), (9, "all", [1] * 9),
                                                      (350, "followup", [50] * 7),
                                                      (9, "followup", [1, 1, 1, 1, 1, 2, 2])])
def test_the_follow_up_stages_share_the_paper_recipes_epochs(epochs, blocks, expected):
    from neumeta.experiments.whole import followup
    arch = "resnet20" if blocks == "all" else "resnet56"
    P = {"whole_arch": arch, "whole_dataset": "cifar10", "whole_blocks": blocks, "whole_inr_epochs": epochs}
    assert followup.stage_epochs(P) == expected and sum(expected) == epochs
    firsts = [e for e in range(epochs) if followup.stage_of(e, P)[1]]
    assert [followup.stage_of(e, P)[0] for e in firsts] == list(range(len(expected)))
    with pytest.raises(ValueError, match="past"):
        followup.stage_of(epochs, P)


def test_our_rows_stand_beside_the_follow_ups_numbers_only_in_its_setting():
    import pandas as pd
    from neumeta.experiments.whole import tables
    scores = pd.DataFrame([dict(method=m, gamma=g, accuracy=50.0 + g) for m in
                           ("Individual", "NeuMeta (paper recipe)", "NeuMeta (follow-up recipe)")
                           for g in (0.0, 0.25, 0.5, 0.75)])
    theirs = Setting("resnet56", "cifar100", tuple(f"layer3.{i}" for i in range(1, 8)))
    beside = tables.beside_followup(scores, theirs, "followup")
    assert len(beside) == 16 and beside.our_accuracy.notna().all()
    row = beside[(beside.gamma == 0.0) & (beside.followup_series == "Individual")].iloc[0]
    assert (row.followup_reported, row.our_accuracy, row.difference) == (72.63, 50.0, 50.0 - 72.63)
    assert len(tables.beside_followup(scores, RESNET20, "all")) == 0


def test_both_recipes_are_compared_with_every_row_and_the_page_reads_the_follow_ups_claim():
    """Two gammas, 100 images: the paper recipe right on 80, the follow-up on 90, Individual on 95, a pruning row on
    50. Each recipe is compared with every other row once (paper minus follow-up, not both ways), and the page says
    the follow-up's two claims hold."""
    import numpy as np
    from neumeta.experiments.whole import tables
    from neumeta.experiments.whole.report import _followup_claim
    labels = np.zeros(100, dtype=int)
    right = {"NeuMeta (paper recipe)": 80, "NeuMeta (follow-up recipe)": 90, "Individual": 95, "pruning: l1": 50}
    predictions = {(m, g): np.where(np.arange(100) < n, 0, 1) for m, n in right.items() for g in (0.25, 0.5)}
    table = tables.comparisons(predictions, labels)
    pairs = set(zip(table.a, table.b))
    assert len(table) == 2 * 5 and ("NeuMeta (follow-up recipe)", "NeuMeta (paper recipe)") not in pairs
    assert ("NeuMeta (follow-up recipe)", "Individual") in pairs and list(table.a[:5]) == ["NeuMeta (paper recipe)"] * 5
    verdicts = tables.verdicts(table)
    assert list(verdicts.a) == ["NeuMeta (paper recipe)"] * 2 + ["NeuMeta (follow-up recipe)"] * 2
    short, better = _followup_claim(table)
    assert "at 2 of 2 γ" in short and short.endswith("holds here.") and better.endswith("holds here.")


def test_stage_by_stage_narrows_one_stage_and_keeps_the_others_at_full_width():
    from neumeta.experiments.whole.evaluate import stage_by_stage

    class Recording:
        asked = []

        def network(self, widths, **merge):
            self.asked.append(dict(widths))
            return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 32 * 32, 10))

    x, y = torch.zeros(8, 3, 32, 32), torch.arange(8) % 10
    meta = Recording()
    table = stage_by_stage(meta, RESNET20, torch.utils.data.TensorDataset(x, y), 0.5,
                           {"whole_merge_points": 0, "inr_eval_samples": 1})
    assert list(table.stage) == ["layer1", "layer2", "layer3"]
    full, narrow = block_widths(0.0, RESNET20), block_widths(0.5, RESNET20)
    for stage, widths in zip(table.stage, meta.asked):
        assert all(widths[b] == (narrow[b] if b.startswith(stage + ".") else full[b]) for b in BLOCKS)
    assert table.accuracy.between(0, 100).all()


def test_the_page_says_where_the_paper_recipe_loses_its_accuracy():
    import pandas as pd
    from neumeta.experiments.whole.report import _stage_line
    stages = pd.DataFrame(dict(stage=["layer1", "layer3"], gamma=[0.5, 0.5], accuracy=[80.0, 20.0]))
    scores = pd.DataFrame(dict(method=["NeuMeta (paper recipe)"] * 2, gamma=[0.0, 0.5], accuracy=[90.0, 15.0]))
    line = _stage_line(stages, scores)[0]
    assert "`layer1` only: 80.00 %; `layer3` only: 20.00 %" in line
    assert "every stage at once: 15.00 %" in line and "full width: 90.00 %" in line
    assert _stage_line(None, scores) == []


def test_a_test_subset_keeps_every_class_of_a_set_stored_class_by_class():
    from neumeta.experiments.whole.evaluate import spread_images
    sorted_set = torch.utils.data.TensorDataset(torch.arange(1000.0)[:, None], torch.arange(1000) // 100)
    subset = spread_images(sorted_set, 50)
    assert len(subset) == 50 and torch.bincount(subset.tensors[1]).tolist() == [5] * 10
    assert spread_images(sorted_set, 0) is sorted_set


def test_the_first_criterion_prunes_at_every_gamma_the_others_where_comparisons_are_made(monkeypatch):
    from neumeta.experiments.whole import evaluate
    pruned, tuned = [], []
    monkeypatch.setattr(evaluate, "calibration_batches", lambda *a: [])
    monkeypatch.setattr(evaluate, "prune_all_blocks", lambda base, g, s, c, *a: pruned.append((c, g)) or (c, g))
    monkeypatch.setattr(evaluate, "fine_tune", lambda net, *a: tuned.append(net) or net)
    monkeypatch.setattr(evaluate, "score", lambda net, test: ("predictions", net))
    monkeypatch.setattr(evaluate, "setting", lambda P: RESNET20)
    P = dict(whole_prune_criteria=["hessian", "taylor"], whole_eval_gammas=[0.0, 0.25, 0.5, 0.625, 0.75],
             whole_thin_gammas=[0.25, 0.75], prune_calib_batches=1, prune_calib_batch_size=1, seed=0,
             prune_iterative_steps=1, prune_finetune_steps=1, prune_finetune_lr=0.1, prune_finetune_batch_size=1)
    rows = evaluate.score_pruning({}, None, None, None, None, P)
    assert pruned == [("hessian", g) for g in P["whole_eval_gammas"]] + [("taylor", 0.25), ("taylor", 0.75)]
    assert tuned == [("hessian", 0.25), ("hessian", 0.75)]
    assert sorted(k for k in rows if k[0] == "pruning: hessian + fine-tune") == [
        ("pruning: hessian + fine-tune", 0.25), ("pruning: hessian + fine-tune", 0.75)]


def test_scoring_leaves_the_network_as_it_is_and_predicts_as_the_default_format_does():
    from neumeta.experiments.whole.evaluate import score
    from neumeta.metrics import predict
    torch.manual_seed(0)
    net = thin_resnet20(0.5).eval()
    test = torch.utils.data.TensorDataset(torch.randn(64, 3, 32, 32), torch.zeros(64, dtype=torch.long))
    preds, size = score(net, test)
    assert net.conv1.weight.is_contiguous()  # pruning and fine-tuning read it afterwards
    assert torch.equal(preds, predict(net, test)[0]) and size["params"] == count_parameters(net)
