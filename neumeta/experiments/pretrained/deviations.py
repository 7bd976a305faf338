"""What each base model of notebook 00 does differently from the paper, in words stored beside its numbers."""

# The data each base model reads, where it differs from the paper's
DATA_DEVIATIONS = {
    "cifar10": "CIFAR-10 stored as JPEG q75 (PSNR 27-33 dB), train and test",
    "cifar100": "",
    "mnist": "LeNet reads the mean of its 3x3 map, not position (0,0)",
}
REFERENCE_EPOCHS = {"resnet20": 200, "lenet": None}  # the paper does not state LeNet's pretraining


def schedule_of(arch, info):
    """The training schedule a base model had (``info``: ``train_base_model``'s), with the reference recipe's
    epochs where there is one and the precision where it was not float32."""
    stages = info.get("stage_epochs")
    schedule = (" + ".join(map(str, stages)) + f" epochs (cosine, {len(stages) - 1} warm restart(s))"
                if stages else f"{info['epochs']} epochs")
    schedule += f" (chenyaofo recipe: {REFERENCE_EPOCHS[arch]})" if REFERENCE_EPOCHS[arch] else ""
    schedule += " with bfloat16 autocast" if info["config"]["bf16"] else ""
    return schedule


def deviation(arch, dataset, info):
    """Every deviation of the base model of ``arch`` on ``dataset`` from the paper, joined by "; "."""
    return "; ".join(d for d in [DATA_DEVIATIONS[dataset], schedule_of(arch, info)] if d)
