"""What every profile value may be: its type and allowed range, checked before any work starts.

``check_profile(values)`` raises one ``ProfileValueError`` naming every bad value and what is allowed;
``check_unknown(names, profile)`` refuses parameters no profile knows (papermill only warns about them
and runs on with the defaults). A test keeps this table and the profile files in step.
"""
from dataclasses import dataclass

from neumeta.config.relations import relation_problems

DATASETS_CIFAR = ("cifar10", "cifar100")
PANELS = ("mnist", "cifar10", "cifar100", "imagenet")
CRITERIA = ("random", "l1", "l2", "taylor", "hessian", "lamp", "fpgm")
VARIANTS = ("none", "random", "greedy", "per-tensor", "shp")
VAE_DATASETS = ("mnist", "celeba")
ABLATION_ROWS = ("reference", "no-permutation", "random-order", "greedy-order", "no-reconstruction",
                 "reconstruction-10", "reconstruction-100", "no-weight-norm", "no-noise")  # neumeta/experiments/ablations/grid.py


class ProfileValueError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    kind: str                  # int, float, bool, str, choice, path
    lo: float = None           # inclusive bounds for numbers
    hi: float = None
    choices: tuple = ()
    many: bool = False         # a list of such values
    nullable: bool = False     # null allowed (means "unset" / "no expectation")
    one_or_many: bool = False  # a single value or a list of them
    min_len: int = 0

    def describe(self):
        base = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string",
                "path": "a path (or null)", "choice": f"one of {list(self.choices)}"}[self.kind]
        if self.lo is not None or self.hi is not None:
            base += f" in [{'-inf' if self.lo is None else self.lo}, {'inf' if self.hi is None else self.hi}]"
        if self.many:
            base = f"a list of {base}" + (f" (at least {self.min_len})" if self.min_len else "")
        elif self.one_or_many:
            base = f"{base}, or a list of them"
        return base + (", or null" if self.nullable and self.kind != "path" else "")

    def ok_scalar(self, v):
        if self.kind == "bool":
            return isinstance(v, bool)
        if self.kind in ("str", "path"):
            return isinstance(v, str)
        if self.kind == "choice":
            return v in self.choices
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        if self.kind == "int" and not isinstance(v, int):
            return False
        return (self.lo is None or v >= self.lo) and (self.hi is None or v <= self.hi)

    def ok(self, v):
        if v is None:
            return self.nullable or self.kind == "path"
        if self.many or (self.one_or_many and isinstance(v, list)):
            return isinstance(v, list) and len(v) >= self.min_len and all(self.ok_scalar(x) for x in v)
        return self.ok_scalar(v)


def _int(lo=None, hi=None, **kw):
    return Rule("int", lo, hi, **kw)


def _num(lo=None, hi=None, **kw):
    return Rule("float", lo, hi, **kw)


WIDTH = dict(lo=1, hi=4096)
SCHEMA = {
    "data_root": Rule("path"),
    "seed": _int(0),
    "inr_seed": _int(0, nullable=True),
    "base_cifar_datasets": Rule("choice", choices=DATASETS_CIFAR, many=True),
    "base_resnet20_epochs": _int(1, 10_000),
    "base_lenet_epochs": _int(1, 10_000),
    "base_batch_size": _int(1, 65_536),
    "base_lr": _num(0, 10, ),
    "base_lenet_lr": _num(0, 10),
    "base_weight_decay": _num(0, 1),
    "base_warmup_epochs": _num(0, 10_000),
    "base_bf16": Rule("bool"),
    "base_channels_last": Rule("bool"),
    "base_limit_train": _int(0),
    "base_num_workers": _int(0, 256),
    "base_eval_every": _int(0),
    "base_restart_epochs": _int(0, 10_000, one_or_many=True, nullable=True),
    "base_restart_lr": _num(0, 10, one_or_many=True, nullable=True),
    "expect_base_acc": _num(0, 100, many=True, nullable=True),
    "quickstart_base_epochs": _int(1, 1000),
    "quickstart_limit_train": _int(0),
    "quickstart_widths": _int(1, 64, many=True, min_len=2),
    "quickstart_eval_widths": _int(1, 64, many=True, min_len=1),
    "quickstart_inr_epochs": _int(1, 1000),
    "quickstart_inr_hidden": _int(1, 4096),
    "quickstart_rec_warmup_steps": _int(0),
    "quickstart_samples": _int(1, 1000),
    "permute_runs": _int(1, 1000),
    "permute_variants": Rule("choice", choices=VARIANTS, many=True, min_len=1),
    "permute_eval_images": _int(1),
    "inr_hidden": _int(1, 8192),
    "inr_resnet20_hidden": _int(1, 8192, nullable=True),
    "inr_layers": _int(1, 64),
    "inr_freqs": _int(0, 12),
    "inr_epochs": _int(1, 10_000),
    "inr_batch_size": _int(1, 65_536),
    "inr_lr": _num(0, 10),
    "inr_weight_decay": _num(0, 10),
    "inr_milestones": _int(1, 10_000, many=True),
    "inr_resnet20_epochs": _int(1, 10_000, nullable=True),
    "inr_resnet20_milestones": _int(1, 10_000, many=True, nullable=True),
    "inr_clip": _num(0),
    "inr_ema": _num(0, 1),
    "inr_noise": _num(0, 10),
    "inr_lambda_rec": _num(0),
    "inr_lambda_reg": _num(0),
    "inr_rec_warmup_steps": _int(0),
    "inr_rec_warmup_lr": _num(0, 10),
    "inr_limit_train": _int(0),
    "inr_eval_samples": _int(1, 10_000),
    "inr_resnet20_widths": _int(many=True, min_len=1, **WIDTH),
    "inr_lenet_widths": _int(many=True, min_len=1, **WIDTH),
    "bench_steps": _int(1, 10_000),
    "expect_inr_gap": _num(0, 100, many=True, nullable=True),
    "expect_step_ratio": _num(0, 1000, nullable=True),
    "inr_sweep_merge_points": _int(0, 16),
    "inr_resnet20_kmerge_widths": _int(many=True, lo=1, hi=64),
    "inr_lenet_kmerge_widths": _int(many=True, lo=1, hi=32),
    "inr_merge_points": _int(1, 16, many=True),
    "prune_criteria": Rule("choice", choices=CRITERIA, many=True, min_len=1),
    "prune_resnet20_widths": _int(many=True, min_len=1, **WIDTH),
    "prune_lenet_widths": _int(many=True, min_len=1, **WIDTH),
    "prune_resnet18_widths": _int(many=True, min_len=1, **WIDTH),
    "prune_imagenet_base": Rule("choice", choices=("torchvision", "trained")),
    "prune_calib_batches": _int(1, 10_000),
    "prune_calib_batch_size": _int(1, 65_536),
    "prune_iterative_steps": _int(1, 1000),
    "prune_finetune_steps": _int(0, 1_000_000),
    "prune_finetune_lr": _num(0, 10),
    "prune_finetune_batch_size": _int(1, 65_536),
    "prune_finetune_compressions": _num(0, 1, many=True),
    "prune_panels": Rule("choice", choices=PANELS, many=True),
    "table2_datasets": Rule("choice", choices=DATASETS_CIFAR, many=True),
    "table2_widths": _int(many=True, min_len=1, lo=1, hi=64),
    "table2_slim_widths": _int(many=True, min_len=1, lo=1, hi=64),
    "table2_inn_grid": _int(2, 4096),
    "table2_inn_train_widths": _int(many=True, min_len=2, lo=1, hi=64),
    "table2_bn_calib_images": _int(1),
    "table2_sweep_widths": _int(many=True, min_len=1, lo=1, hi=64),
    "similarity_widths": _int(many=True, min_len=2, lo=1, hi=64),
    "similarity_trained_widths": _int(many=True, min_len=1, lo=1, hi=64),
    "similarity_images": _int(1),
    "similarity_batch_size": _int(2, 65_536),
    "similarity_bootstrap": _int(10, 1_000_000),
    "ablation_archs": Rule("choice", choices=("resnet20", "lenet"), many=True),
    "ablation_rows": Rule("choice", choices=ABLATION_ROWS, many=True),
    "ablation_epochs": _int(1, 10_000),
    "ablation_milestones": _int(1, 10_000, many=True),
    "ablation_inr_sizes": Rule("str", many=True),
    "ablation_resnet20_widths": _int(many=True, min_len=1, **WIDTH),
    "ablation_lenet_widths": _int(many=True, min_len=1, **WIDTH),
    "ablation_k_values": _int(1, 10_000, many=True, min_len=1),
    "ablation_sweep_merge_points": _int(0, 16),
    "ablation_resnet20_kmerge_widths": _int(many=True, lo=1, hi=64),
    "ablation_lenet_kmerge_widths": _int(many=True, lo=1, hi=32),
    "sampling_resnet20_widths": _int(many=True, min_len=1, **WIDTH),
    "sampling_lenet_widths": _int(many=True, min_len=1, **WIDTH),
    "kd_temperature": _num(0.01, 1000),
    "kd_alpha": _num(0, 1),
    "vae_datasets": Rule("choice", choices=VAE_DATASETS, many=True),
    "vae_epochs": _int(1, 10_000),
    "vae_limit_train": _int(0),
    "vae_inr_hidden": _int(1, 8192),
    "vae_inr_layers": _int(1, 64),
    "vae_inr_freqs": _int(0, 12),
    "vae_inr_epochs": _int(1, 10_000),
    "vae_inr_batch_size": _int(1, 65_536),
    "vae_inr_lr": _num(0, 10),
    "vae_inr_milestones": _int(1, 10_000, many=True),
    "vae_inr_clip": _num(0),
    "vae_inr_ema": _num(0, 1),
    "vae_inr_noise": _num(0, 10),
    "vae_inr_lambda_rec": _num(0),
    "vae_inr_lambda_reg": _num(0),
    "vae_inr_rec_warmup_steps": _int(0),
    "vae_widths": _int(many=True, min_len=1, lo=1, hi=64),
    "vae_paper_widths": _int(many=True, min_len=1, lo=1, hi=64),
    "vae_baseline_widths": _int(many=True, min_len=1, lo=1, hi=64),
    "vae_individual_widths": _int(many=True, lo=1, hi=64),
    "vae_prune_criteria": Rule("choice", choices=CRITERIA, many=True, min_len=1),
    "vae_finetune_steps": _int(0, 1_000_000),
    "vae_iwae_k": _int(1, 1_000_000),
    "vae_iwae_images": _int(1),
    "vae_iwae_widths": _int(many=True, min_len=1, lo=1, hi=64),
    "vae_grid_size": _int(2, 32),
    "seg_dataset": Rule("choice", choices=("camvid", "voc")),
    "seg_encoder_depth": _int(4, 5),
    "seg_decoder_channels": _int(1, 4096, many=True, min_len=4),
    "seg_epochs": _int(1, 10_000),
    "seg_batch_size": _int(1, 4096),
    "seg_lr": _num(0, 10),
    "seg_weight_decay": _num(0, 1),
    "seg_warmup_epochs": _num(0, 10_000),
    "seg_bf16": Rule("bool"),
    "seg_limit_train": _int(0),
    "seg_eval_every": _int(0, 10_000),
    "seg_individual_widths": _int(many=True, lo=1, hi=256),
    "seg_slimmable_widths": _int(many=True, min_len=2, lo=1, hi=256),
    "seg_inr_widths": _int(many=True, min_len=2, lo=1, hi=256),
    "seg_inr_hidden": _int(1, 4096),
    "seg_inr_layers": _int(1, 32),
    "seg_inr_freqs": _int(1, 32),
    "seg_inr_epochs": _int(1, 10_000),
    "seg_inr_lr": _num(0, 10),
    "seg_inr_milestones": _int(many=True, lo=0),
    "seg_inr_warm_start": _int(0, 1_000_000),
    "seg_inr_lambda_rec": _num(0, 1e6),
    "seg_inr_lambda_reg": _num(0, 10),
    "seg_eval_samples": _int(1, 100_000),
    "seg_merge_points": _int(1, 16),
    "seg_prune_criteria": Rule("choice", choices=CRITERIA, many=True, min_len=1),
    "seg_prune_batches": _int(1, 1000),
    "seg_finetune_steps": _int(0, 1_000_000),
    "seg_finetune_lr": _num(0, 10),
    "seg_recalibration_images": _int(1, 100_000),
    "seg_mask_images": _int(many=True, min_len=1, lo=0),
    "seg_eval_widths": _int(many=True, min_len=1, lo=1, hi=256),
    "seg_sweep_step": _int(1, 256),
    "seed_study_seeds": _int(many=True, min_len=1, lo=1),
    "seed_study_iwae_k": _int(many=True, min_len=2, lo=1, hi=1_000_000),
    "seed_study_iwae_images": _int(0),
    "seed_study_criteria": Rule("choice", choices=CRITERIA, many=True, min_len=1),
    "whole_arch": Rule("choice", choices=("resnet20", "resnet56")),
    "whole_dataset": Rule("choice", choices=DATASETS_CIFAR),
    "whole_blocks": Rule("choice", choices=("all", "followup")),
    "whole_thin_gammas": _num(0, 0.99, many=True),
    "whole_train_gamma": _num(0, 0.99),
    "whole_eval_gammas": _num(0, 0.99, many=True, min_len=1),
    "whole_inr_hidden": _int(1, 4096),
    "whole_inr_layers": _int(1, 32),
    "whole_inr_freqs": _int(0, 12),
    "whole_inr_epochs": _int(1, 10_000),
    "whole_inr_rec_warmup_steps": _int(0),
    "whole_inr_milestones": _int(many=True, lo=0),
    "whole_followup_scale_lr": _num(0, 1),
    "whole_followup_head_lr": _num(0, 1),
    "whole_followup_weight_decay": _num(0, 1),
    "whole_prune_criteria": Rule("choice", choices=CRITERIA, many=True, min_len=1),
    "whole_limit_train": _int(0),
    "whole_test_images": _int(0),
    "whole_merge_points": _int(0, 16),
}


def check_profile(values):
    """Raise one ``ProfileValueError`` listing every value outside what ``SCHEMA`` allows."""
    bad = []
    for key, value in values.items():
        if key == "profile":
            continue
        rule = SCHEMA.get(key)
        if rule is None:
            bad.append(f"{key}: not a known profile value (known: see neumeta/config/schema.py)")
        elif not rule.ok(value):
            bad.append(f"{key} = {value!r}: must be {rule.describe()}")
    for lo_key, hi_key in [("inr_milestones", "inr_epochs"), ("inr_resnet20_milestones", "inr_resnet20_epochs"),
                           ("vae_inr_milestones", "vae_inr_epochs"), ("ablation_milestones", "ablation_epochs")]:
        epochs = values.get(hi_key) or values.get("inr_epochs")
        if values.get(lo_key) and epochs and isinstance(epochs, int) and any(
                isinstance(m, int) and m > epochs for m in values[lo_key]):
            bad.append(f"{lo_key} = {values[lo_key]!r}: every milestone must be <= the epochs ({epochs})")
    quick = values.get("quickstart_widths")
    if isinstance(quick, list) and (len(quick) != 2 or quick[0] > quick[1]):
        bad.append(f"quickstart_widths = {quick!r}: must be [lowest, highest] training widths, lowest <= highest")
    widths, trained = values.get("similarity_widths"), values.get("similarity_trained_widths")
    if isinstance(widths, list) and isinstance(trained, list) and not set(trained) <= set(widths) | {64}:
        bad.append(f"similarity_trained_widths = {trained!r}: every width must be one of similarity_widths {widths!r}")
    bad += relation_problems(values)
    sizes_at = values.get("ablation_resnet20_widths")  # the INR-size frontier reads every size row at d = 64 and 16
    if isinstance(sizes_at, list) and "resnet20" in (values.get("ablation_archs") or []) and not {16, 64} <= set(sizes_at):
        bad.append(f"ablation_resnet20_widths = {sizes_at!r}: must include 64 and 16 (the INR-size frontier's widths)")
    if bad:
        name = values.get("profile", "?")
        raise ProfileValueError(f"profile {name}: " + "; ".join(bad))
    return values


def check_unknown(names, known):
    """Refuse parameter names that are not profile values (papermill would only warn and use the defaults)."""
    unknown = sorted(set(names) - set(known) - {"profile"})
    if unknown:
        close = {u: [k for k in known if k.split("_")[0] == u.split("_")[0]][:8] for u in unknown}
        raise ProfileValueError(f"unknown parameter(s) {unknown}: a notebook's parameters are its profile's values "
                                f"(profiles/<name>.yaml, the notebook's parameters cell); similar: {close}")
