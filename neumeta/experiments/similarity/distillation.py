"""KD baseline of Figure 9: one ResNet-20 student per width, distilled from the full-width base model.

Standard soft-target distillation (Hinton et al. 2015): the student minimises

    (1 - alpha) * CE(student, labels) + alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T))

with the teacher (the base model, d = 64, the one NeuMeta starts from) fixed in eval mode. The T^2 keeps
the soft term's gradients on the scale of the hard one's. Every student trains with the profile's base
recipe (``train_with_recipe``), from the same initialisation as the Individual model of its width, so KD
and Individual differ only in the loss. The reference advertises KD but ships no code for it.

    python -m neumeta.experiments.similarity.distillation cpu              # every student the profile's notebook 60 needs
    OMP_NUM_THREADS=1 python -m neumeta.experiments.similarity.distillation cpu --skip-busy &   # twice, side by side
    python -m neumeta.experiments.similarity.distillation cpu --status     # epochs done per stage; trains nothing
"""
import torch
import torch.nn.functional as F

from neumeta.data import NUM_CLASSES
from neumeta.models import build_model, check_width
from neumeta.seed import seed_everything
from neumeta.experiments.pretrained.base_models import (data_identity, recipe_checkpoint_paths, stage_checkpoint_paths,
                                         train_base_model, train_with_recipe)


def distillation_loss(student_logits, teacher_logits, labels, temperature, alpha):
    """The KD objective above, averaged over the batch (float32 whatever the autocast)."""
    s, t = student_logits.float(), teacher_logits.float()
    hard = F.cross_entropy(s, labels)
    soft = F.kl_div(F.log_softmax(s / temperature, 1), F.log_softmax(t / temperature, 1),
                    reduction="batchmean", log_target=True)
    return (1 - alpha) * hard + alpha * temperature ** 2 * soft


def kd_objective(teacher, temperature, alpha):
    """``objective(model, x, y) -> (loss, logits)`` for ``train_classifier``; the teacher runs without
    gradients and never leaves eval mode."""
    teacher.eval().requires_grad_(False)

    def objective(model, x, y):
        if next(teacher.parameters()).device != x.device:  # the trainer moves only the student and the batches
            teacher.to(x.device)
        with torch.no_grad():
            teacher_logits = teacher(x)
        logits = model(x)
        return distillation_loss(logits, teacher_logits, y, temperature, alpha), logits
    return objective


def kd_paths(dataset, width, P):
    """Stage checkpoints of the width-``width`` student; the key names its teacher's checkpoint."""
    teacher = stage_checkpoint_paths("resnet20", dataset, P)[-1]
    # keys name the width "hidden_dim", as every committed artifact's key does
    key = dict(arch="resnet20", dataset=dataset, data=data_identity(dataset, P), method="kd", hidden_dim=width,
               teacher=teacher.name, temperature=float(P["kd_temperature"]), alpha=float(P["kd_alpha"]))
    return recipe_checkpoint_paths("resnet20", P, f"kd-resnet20-d{width}-{dataset}", key)


def train_student(dataset, width, P):
    """Train (or reuse) the KD student of ``width``; returns ``(model, info)``."""
    width = check_width(width, "width")
    teacher, _ = train_base_model("resnet20", dataset, P)  # reused from its checkpoint
    teacher = teacher.to(memory_format=torch.channels_last if P["base_channels_last"] else torch.contiguous_format)
    seed_everything(P["seed"])  # the same initial weights as the Individual model of this width
    model = build_model("resnet20", num_classes=NUM_CLASSES[dataset], width=width)
    meta = {"method": "KD", "dataset": dataset, "profile": P["profile"], "hidden_dim": width,
            "temperature": P["kd_temperature"], "alpha": P["kd_alpha"]}
    return train_with_recipe(model, "resnet20", dataset, P, kd_paths(dataset, width, P), meta,
                             desc=f"kd d={width}/{dataset}",
                             objective=kd_objective(teacher, P["kd_temperature"], P["kd_alpha"]))


def student_widths(P):
    """The widths that get a student: the trained similarity widths below the full one (at d = 64 the
    KD model is the teacher itself)."""
    return [d for d in P["similarity_trained_widths"] if d != 64]


if __name__ == "__main__":
    import argparse

    from neumeta.experiments.table2.jobs import _print_status, training_status_of
    from neumeta.training.queue import train_in_turn
    from neumeta.parallel.launch import cli_profile
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.similarity.distillation",
                                     description="Train the KD students of Figure 9.")
    parser.add_argument("profile", nargs="?")
    parser.add_argument("--skip-busy", action="store_true",
                        help="pass over a student another process is training instead of stopping")
    parser.add_argument("--status", action="store_true", help="list every stage's epochs done; train nothing")
    args = parser.parse_args()
    P = cli_profile(parser, args.profile)
    dataset = "cifar10"
    if args.status:
        _print_status(training_status_of([("KD", d, kd_paths(dataset, d, P)) for d in student_widths(P)], dataset))
        raise SystemExit(0)
    train_in_turn([(f"KD d={d}", lambda d=d: train_student(dataset, d, P)[1],
                    lambda info: f"{info['test_acc']:.2f} % in {info['train_seconds'] / 60:.1f} min")
                   for d in student_widths(P)], args.skip_busy)
