"""Machine-hours a finished checkpoint cost: its own training time plus that of every earlier stage of its recipe
(a warm-restart chain stores each stage's time in ``earlier_stages``; a stage's own ``train_seconds`` is its alone)."""
from neumeta.store.checkpoints import load_checkpoint


def training_hours(path):
    """Hours of training behind the finished checkpoint ``path``, every stage of its recipe included."""
    meta = load_checkpoint(path)["meta"]
    # "first_stage": how the two-stage checkpoints made before recipe chains store stage one
    stages = meta.get("earlier_stages") or ([meta["first_stage"]] if "first_stage" in meta else [])
    earlier = sum(stage.get("train_seconds", 0.0) for stage in stages)
    return (meta.get("train_seconds", 0.0) + earlier) / 3600
