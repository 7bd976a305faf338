"""The segmentation experiment's trained networks: the base U-Net, the Slimmable U-Net and the Individual U-Nets
whose block ``encoder.layer3.1`` really has inner width h, each trained from scratch through the one resumable
trainer and keyed by everything that made it (structure, recipe, the data copy's fingerprint)."""
import dataclasses

from neumeta.data import NUM_CLASSES, SEG_IGNORE, get_dataset
from neumeta.data.label_maps import label_map_source
from neumeta.experiments.pretrained.base_models import resolve_data_root
from neumeta.models.unet import FULL_WIDTH, output_stride, unet_resnet18
from neumeta.store.checkpoints import checkpoint_path
from neumeta.training.classifier import TrainConfig
from neumeta.experiments.segmentation.slimmable import slimmable_objective, slimmable_unet
from neumeta.training.segmentation import combo_objective, train_segmenter


def datasets(P):
    """``(train, held-out, test)`` of the profile's dataset: CamVid's val split is the held-out one; VOC has
    none apart from its val split, which is then also the test split (as in the paper)."""
    name, root = P["seg_dataset"], resolve_data_root(P)
    held_out = "val"
    test = "test" if name == "camvid" else "val"
    return (get_dataset(name, "train", root=root), get_dataset(name, held_out, root=root, transform="eval"),
            get_dataset(name, test, root=root, transform="eval"))


def labels(P):
    """``(classes, ignore)`` of the profile's dataset."""
    return NUM_CLASSES[P["seg_dataset"]], SEG_IGNORE


def structure(P, block_width=FULL_WIDTH):
    return {"model": "smp-unet-resnet18", "encoder_depth": P["seg_encoder_depth"],
            "decoder_channels": list(P["seg_decoder_channels"]), "classes": labels(P)[0], "block_width": block_width}


def build(P, block_width=FULL_WIDTH, seed=None):
    """A fresh U-Net of the profile's structure whose block has inner width ``block_width``."""
    return unet_resnet18(labels(P)[0], P["seg_encoder_depth"], P["seg_decoder_channels"], block_width,
                         seed=P["seed"] if seed is None else seed)


def train_config(P):
    """The recipe, as the profile asks for it: the same key on every machine, so a checkpoint trained where the
    CPU has bfloat16 is found everywhere. Where it has not, training runs in float32 (emulated bfloat16 is many
    times slower) and each epoch's history records which ran."""
    return TrainConfig(epochs=P["seg_epochs"], batch_size=P["seg_batch_size"], lr=P["seg_lr"],
                       weight_decay=P["seg_weight_decay"], warmup_epochs=P["seg_warmup_epochs"],
                       bf16=bool(P["seg_bf16"]), channels_last=bool(P["seg_bf16"]),
                       seed=P["seed"], limit_train=P["seg_limit_train"], eval_every=P["seg_eval_every"])


def model_key(P, block_width=FULL_WIDTH):
    data = label_map_source(P["seg_dataset"], resolve_data_root(P))
    return {**structure(P, block_width), "data": data, "loss": "0.5 CE + 0.5 softmax Dice",
            **dataclasses.asdict(train_config(P))}


def model_path(P, block_width=FULL_WIDTH):
    name = "unet-base" if block_width == FULL_WIDTH else f"unet-individual-h{block_width}"
    return checkpoint_path(P["profile"], name, model_key(P, block_width))


def train_model(P, block_width=FULL_WIDTH):
    """The U-Net whose block has inner width ``block_width``, trained (or reused): ``(model, info)``. At 256 it
    is the base U-Net NeuMeta starts from; below, an Individual baseline."""
    train, held_out, _ = datasets(P)
    net = build(P, block_width)
    classes, ignore = labels(P)
    desc = "base U-Net" if block_width == FULL_WIDTH else f"Individual U-Net h={block_width}"
    return train_segmenter(net, train, held_out, train_config(P), model_path(P, block_width), classes, ignore,
                           output_stride(net), meta={"structure": structure(P, block_width)}, desc=desc)


def slimmable_path(P):
    key = {**model_key(P), "slimmable_widths": list(P["seg_slimmable_widths"]), "objective": "summed over widths"}
    return checkpoint_path(P["profile"], "unet-slimmable", key)


def train_slimmable(P):
    """The Slimmable U-Net (``slimmable.py``), trained (or reused): ``(model, info)``."""
    train, held_out, _ = datasets(P)
    net = slimmable_unet(build(P), P["seg_slimmable_widths"])
    classes, ignore = labels(P)
    return train_segmenter(net, train, held_out, train_config(P), slimmable_path(P), classes, ignore,
                           output_stride(net), meta={"widths": list(P["seg_slimmable_widths"])},
                           desc="Slimmable U-Net", objective=slimmable_objective(combo_objective(ignore)))
