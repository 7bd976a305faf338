"""Table 2's training cost on one yardstick: epochs x the base model's measured epoch time x the method's
step-time ratio to a plain ResNet-20 step (``speed.py``). The baselines trained at different times, some two at a
time on one core each, so the hours as they were run are kept beside, not compared."""
from neumeta.experiments.table2.speed import PLAIN


def step_ratio(ratio, method, width, full_width):
    """The step-time ratio of ``method`` at ``width`` (``ratio``: ratio_to_plain indexed by the speed table's
    method); an Individual network at full width is the plain ResNet-20. NaN for a method not timed."""
    if method == "Individual":
        return ratio[PLAIN if width == full_width else f"Individual d={width:.0f}"]
    return ratio.get(method, float("nan"))


def on_one_yardstick(training, speed, full_width):
    """A copy of the training table with ``train_hours`` on the yardstick for every method but NeuMeta (its base
    model and INR were both measured alone) and the hours as run in ``train_hours_as_run``."""
    training = training.copy()
    ratio = speed.set_index("method").ratio_to_plain
    training["train_hours_as_run"] = training.train_hours
    for dataset in training.dataset.unique():
        rows = training.dataset == dataset
        base = training[rows & (training.method == "Individual") & (training.width == full_width)].iloc[0]
        base_epoch_hours = base.train_hours / base.epochs
        for i in training.index[rows & (training.method != "NeuMeta")]:
            r = training.loc[i]
            training.loc[i, "train_hours"] = (r.epochs * base_epoch_hours
                                              * step_ratio(ratio, r.method, r.width, full_width))
    return training
