"""Rules that tie several profile values together, checked with the schema before any work (``schema.check_profile``).
Each returns the problems it finds, one line each."""

# where another notebook reads notebook 20's sweep as the paper's method (profile keys of those widths)
READ_AS_PAPER = {"resnet20": ("table2_widths", "similarity_widths", "prune_resnet20_widths"),
                 "lenet": ("prune_lenet_widths",)}


# the widths notebook 70's ablation table reads (its SHOWN): they keep the K-sample merge
ABLATION_TABLE_WIDTHS = {"resnet20": (64, 48, 32, 16), "lenet": (32, 24, 16, 8)}


def _unkept_widths(values, prefix, points_key, read_at, what):
    """Problems where a width ``read_at[arch]`` holds, within ``<prefix>_<arch>_widths``, is missing from
    ``<prefix>_<arch>_kmerge_widths`` while ``points_key`` > 0 (the deterministic merge elsewhere)."""
    if not values.get(points_key):
        return []
    problems = []
    for arch, read in read_at.items():
        kept, swept = values.get(f"{prefix}_{arch}_kmerge_widths"), values.get(f"{prefix}_{arch}_widths")
        if not isinstance(kept, list) or not isinstance(swept, list):
            continue
        missing = sorted(set(read) & set(swept) - set(kept))
        if missing:
            problems.append(f"{prefix}_{arch}_kmerge_widths = {kept!r}: must hold every swept width {what}; "
                            f"missing {missing}")
    return problems


def kmerge_problems(values):
    """A width read as a paper number (within notebook 20's sweep) must keep the K-sample merge."""
    read = {arch: {w for key in keys for w in (values.get(key) or []) if isinstance(w, int)}
            for arch, keys in READ_AS_PAPER.items()}
    return _unkept_widths(values, "inr", "inr_sweep_merge_points", read,
                          "another notebook reads as a paper number (" +
                          "; ".join(f"{arch}: {', '.join(keys)}" for arch, keys in READ_AS_PAPER.items()) + ")")


def ablation_kmerge_problems(values):
    """A width the ablation table reads (within its sweep) must keep the K-sample merge."""
    return _unkept_widths(values, "ablation", "ablation_sweep_merge_points", ABLATION_TABLE_WIDTHS,
                          "the ablation table reads")


def vae_iwae_problems(values):
    """The IWAE widths must be compared ones (a baseline's or an Individual VAE's) and hold Figure 6's 64, 48, 32."""
    iwae_at, compared = values.get("vae_iwae_widths"), values.get("vae_baseline_widths")
    if not (isinstance(iwae_at, list) and isinstance(compared, list)):
        return []
    if set(iwae_at) <= set(compared) | set(values.get("vae_individual_widths") or []) and {64, 48, 32} <= set(iwae_at):
        return []
    return [f"vae_iwae_widths = {iwae_at!r}: every width must be a compared one (vae_baseline_widths or "
            "vae_individual_widths), and 64, 48 and 32 (Figure 6's) must be there"]


def relation_problems(values):
    """Every cross-value problem of a profile."""
    return vae_iwae_problems(values) + kmerge_problems(values) + ablation_kmerge_problems(values)
