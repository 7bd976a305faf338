"""Figure 5's pruning runs: one panel's data and base model, and one criterion at one width, scored.

The criteria are ``neumeta.baselines.pruning``'s; here they run on the part NeuMeta resizes, from the same base
model, without fine-tuning (the paper's protocol) or, for the labelled extra variant, with a short fine-tune.
"""

import torch

from neumeta.baselines.pruning import calibration_batches, fine_tune, full_width, prune_to_width, trunk_batches
from neumeta.data import DatasetNotFoundError, get_dataset
from neumeta.evaluation.eval_sets import eval_set
from neumeta.evaluation.trunk import TrunkFeatures, has_shared_trunk
from neumeta.experiments.pretrained.base_models import (INPUT_SHAPES, TEST_SPLIT, WeightsNotAvailableError,
                                                        imagenet_resnet18, resolve_data_root, train_base_model)
from neumeta.hardware.layout import channels_last_copy
from neumeta.metrics import accuracy_of, count_flops, count_parameters, predict
from neumeta.seed import seed_everything
from neumeta.store.run_cache import fingerprint


def load_panel(dataset, arch, P):
    """``(panel, None)``, or ``(None, reason)`` where the panel's data or base model cannot be had here.

    ``panel``: the test set (decoded once), the training set with (``train_aug``) and without augmentation, and
    the base model in eval mode (notebook 00's, reused; ImageNet: torchvision's weights, in smoke trained on the
    fixture), drawn after seeding every generator with ``seed``."""
    try:
        root = resolve_data_root(P)
        test = eval_set(dataset, TEST_SPLIT.get(dataset, "test"), root)
        train_plain = get_dataset(dataset, "train", root=root, transform="eval")
        train_aug = get_dataset(dataset, "train", root=root)
    except DatasetNotFoundError as err:
        return None, str(err).splitlines()[0]
    seed_everything(P["seed"])
    try:
        base, _ = imagenet_resnet18(P) if dataset == "imagenet" else train_base_model(arch, dataset, P)
    except WeightsNotAvailableError as err:
        return None, str(err)
    base.eval()
    return dict(dataset=dataset, arch=arch, test=test, train_plain=train_plain, train_aug=train_aug, base=base), None


def prepare_panel(panel, P):
    """Adds what every run of the panel shares: the base model's full width, size and FLOPs, the calibration
    batches of the gradient criteria and, where pruning only resizes the last block (CIFAR ResNet-20), the trunk's
    activations on the test images and on the calibration batches, computed once."""
    base, dataset, shape = panel["base"], panel["dataset"], INPUT_SHAPES[panel["dataset"]]
    panel.update(shape=shape, full=full_width(base, panel["arch"]), example=torch.zeros(1, *shape),
                 base_params=count_parameters(base), base_flops=count_flops(base, shape))
    panel["batches"] = calibration_batches(panel["train_plain"], P["prune_calib_batches"], P["prune_calib_batch_size"],
                                           P["seed"])
    panel["shared"] = shared = has_shared_trunk(base)
    panel["trunk"] = TrunkFeatures(base, panel["test"], desc=f"{dataset} trunk") if shared else None
    panel["trunk_calibration"] = trunk_batches(base, panel["batches"]) if shared else None
    return panel


def fine_tuned_widths(widths, full, P):
    """The widths of ``widths`` the labelled fine-tuned variant runs at: those at ``prune_finetune_compressions``
    of ``full`` (its fine-tune costs a training run per width; the paper's protocol has none)."""
    wanted = {round((1 - c) * full) for c in P["prune_finetune_compressions"]}
    return [d for d in widths if d in wanted]


def prune_and_score(panel, d, criterion, tuned, P):
    """``(predicted classes, labels, [(metric, value)])`` of the base model pruned to width ``d`` by ``criterion``
    in ``prune_iterative_steps`` steps, fine-tuned where ``tuned``. The metrics: accuracy, the block-local
    compression 1 - d / d_full, the whole network's parameters and FLOPs and their reduction. Predictions run
    on the trunk's stored activations, except for a fine-tuned network (its trunk changed: a full pass)."""
    shared = panel["shared"]
    pruned = prune_to_width(panel["base"], panel["arch"], d, criterion, panel["example"],
                            panel["trunk_calibration"] if shared else panel["batches"], P["prune_iterative_steps"],
                            P["seed"], calibration_from_trunk=shared)
    if tuned:
        pruned = fine_tune(pruned, panel["train_aug"], P["prune_finetune_steps"], P["prune_finetune_lr"],
                           P["prune_finetune_batch_size"], P["seed"])
    params, flops = count_parameters(pruned), count_flops(pruned, panel["shape"])
    preds, labels = _predictions(panel, pruned, shared and not tuned)
    full = panel["full"]
    return preds, labels, [("accuracy", accuracy_of(preds, labels)), ("block_compression", 1 - d / full),
                           ("network_params", params), ("network_param_reduction", 1 - params / panel["base_params"]),
                           ("network_flops", flops), ("network_flop_reduction", 1 - flops / panel["base_flops"])]


def _predictions(panel, network, from_trunk):
    """``(predicted classes, labels)`` of ``network`` on the panel's test set, each distinct network once: criteria
    often reach the same network (every one at full width, L1 and L2 at many widths), which is scored once."""
    memo = panel.setdefault("predicted", {})
    key = fingerprint([repr(network), network.state_dict()])
    if key not in memo:  # a full pass runs on a channels-last copy: faster on a CPU, the same predictions
        memo[key] = panel["trunk"].predict(network) if from_trunk else predict(
            channels_last_copy(network), panel["test"])
    return memo[key]
