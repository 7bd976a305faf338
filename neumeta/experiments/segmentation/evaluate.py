"""Every segmentation model of the table, scored on the test split as per-image confusion matrices.

``{"<method>@<width>": [n, C, C]}``: one array gives the dataset-level mean IoU, per-class IoU, pixel accuracy
and the paper's per-image micro scores, and resampling its images gives paired intervals (``tables.py``).
Networks that share the base's computation up to the block (NeuMeta's generated ones, the pruned ones before a
fine-tune) are scored through one ``UNetTrunk`` each (the base's is shared by the base, its pruned networks and its
block off; the Slimmable U-Net's by its widths, whose BatchNorm re-estimation touches the block only: ``shared_trunk``
finds them by their weights); the others run whole. Every network runs on a channels-last copy (``channels_last_copy``: faster on a CPU, see ``trunk.py``).
"""
import torch

from neumeta.baselines.pruning import calibration_batches
from neumeta.experiments.segmentation import pruning
from neumeta.experiments.segmentation.models import datasets, labels
from neumeta.experiments.segmentation.slimmable import plain_unet, recalibrate
from neumeta.hardware.layout import channels_last_copy
from neumeta.models.unet import FULL_WIDTH
from neumeta.progress import progress
from neumeta.segmentation.predict import predict_confusions, predict_masks
from neumeta.segmentation.trunk import UNetTrunk, shared_trunk
from neumeta.training.segmentation import combo_loss


def sweep_widths(P):
    """The deterministic merge's widths: the narrowest evaluated width to 256 in the profile's step."""
    lo = min(P["seg_eval_widths"])
    return sorted(set(range(lo, FULL_WIDTH + 1, P["seg_sweep_step"])) | {FULL_WIDTH})


def score_neumeta(P, meta, test, stride):
    """NeuMeta with the paper's K-sample merge at the evaluated widths (``NeuMeta@w``) and the deterministic
    Gauss-Legendre merge across the sweep (``NeuMeta GL@w``): ``(confusions, the K-sample networks)``."""
    classes, ignore = labels(P)
    trunk = UNetTrunk(meta.target.net, test, stride, ignore, desc="NeuMeta trunk")
    rule = ("gauss-legendre", P["seg_merge_points"])
    jobs = [(f"NeuMeta@{w}", w, {"samples": P["seg_eval_samples"]}) for w in P["seg_eval_widths"]]
    jobs += [(f"NeuMeta GL@{w}", w, {"rule": rule}) for w in sweep_widths(P)]
    out, networks = {}, {}
    for name, width, merge in progress(jobs, desc="NeuMeta widths"):
        net = meta.network(width, **merge)
        out[name] = trunk.confusions(net, classes, ignore)
        if "samples" in merge:
            networks[name] = net  # the figure's masks
    return out, networks


def score_whole(P, nets, test, stride):
    """``{name: [n, C, C]}`` of networks run whole (``nets``: ``{name: network}``)."""
    classes, ignore = labels(P)
    return {name: predict_confusions(channels_last_copy(net), test, classes, ignore, stride, desc=name)
            for name, net in progress(nets.items(), desc="networks")}


def score_individual(P, nets, test, stride):
    """``{"Individual@w": [n, C, C]}``: the base U-Net (``nets[FULL_WIDTH]``) through its trunk, the thinner ones
    (``{width: network}``) whole."""
    classes, ignore = labels(P)
    base = shared_trunk(nets[FULL_WIDTH], test, stride, ignore, desc="base trunk")
    out = {f"Individual@{FULL_WIDTH}": base.confusions(nets[FULL_WIDTH], classes, ignore)}
    out.update(score_whole(P, {f"Individual@{w}": net for w, net in nets.items() if w != FULL_WIDTH}, test, stride))
    return {f"Individual@{w}": out[f"Individual@{w}"] for w in nets}


def score_slimmable(P, slim, stride):
    """The Slimmable U-Net at every evaluated width: its own BatchNorms at the trained widths, and at the others
    BatchNorm statistics re-estimated on training crops (the US-Nets practice)."""
    train, _, test = datasets(P)
    gen = torch.Generator().manual_seed(P["seed"])
    pick = torch.randperm(len(train), generator=gen)[:P["seg_recalibration_images"]]
    torch.manual_seed(P["seed"])  # the crops
    crops = torch.stack([train[int(i)][0] for i in pick])
    classes, ignore = labels(P)
    out = {}
    for width in progress(P["seg_eval_widths"], desc="Slimmable widths"):
        net = plain_unet(slim, width)
        if width not in P["seg_slimmable_widths"]:
            net = recalibrate(net, crops)
        trunk = shared_trunk(net, test, stride, ignore, desc="Slimmable trunk")  # one for all widths: same weights
        out[f"Slimmable@{width}"] = trunk.confusions(net, classes, ignore)
    return out


def score_pruning(P, base, stride):
    """The base U-Net's block pruned to every evaluated width below full by each criterion (``<criterion>@w``),
    and the first criterion's networks fine-tuned (``<criterion> + fine-tune@w``)."""
    train, _, test = datasets(P)
    classes, ignore = labels(P)
    # the training crops' augmentation draws from the global generator: seeded here, these rows do not depend on
    # what was scored before them (data loaders draw from it too)
    torch.manual_seed(P["seed"])
    calibration = calibration_batches(train, P["seg_prune_batches"], P["seg_batch_size"] // 2, P["seed"])
    example = calibration[0][0][:1]
    trunk = shared_trunk(base, test, stride, ignore, desc="base trunk")
    out, tuned = {}, {}
    widths = [w for w in P["seg_eval_widths"] if w < FULL_WIDTH]
    for criterion in P["seg_prune_criteria"]:
        for width in progress(widths, desc=f"{criterion} pruning"):
            pruned = pruning.prune_block(base, width, criterion, example, calibration, ignore, seed=P["seed"])
            out[f"{criterion}@{width}"] = trunk.confusions(pruned, classes, ignore)
            if criterion == P["seg_prune_criteria"][0] and P["seg_finetune_steps"]:
                tuned[f"{criterion} + fine-tune@{width}"] = pruning.fine_tune(
                    pruned, train, P["seg_finetune_steps"], P["seg_finetune_lr"], P["seg_batch_size"], P["seed"],
                    combo_loss(ignore), desc=f"fine-tune {width}")
    out.update(score_whole(P, tuned, test, stride))
    return out


def check_trunk_matches(P, meta, test, stride, width):
    """The trunk's confusions of NeuMeta at ``width`` against the whole network's (one clear error if not):
    a guard that the shared computation is the whole network's."""
    classes, ignore = labels(P)
    net = meta.network(width, samples=1)
    few = torch.utils.data.Subset(test, range(min(4, len(test))))
    trunk = UNetTrunk(meta.target.net, few, stride, ignore)
    whole = predict_confusions(channels_last_copy(net), few, classes, ignore, stride)
    if not (trunk.confusions(net, classes, ignore) == whole).all():
        raise RuntimeError("the U-Net trunk's predictions differ from the whole network's")
    return True


def masks_of(P, nets, test, stride):
    """``{"images", "labels", "<name>": uint8 [k, H, W]}`` of the profile's mask images (those in the split)."""
    index = [i for i in P["seg_mask_images"] if i < len(test)]
    out = {}
    for name, net in nets.items():
        images, label_maps, pred = predict_masks(channels_last_copy(net), test, index, stride)
        out.update(images=images.numpy(), labels=label_maps.numpy(), **{name: pred.numpy()})
    return out

