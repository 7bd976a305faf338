"""The seed study's per-image predictions: every seed of a run scored as its notebook scores seed 0.

Seed 0 of the classifiers is read from the notebook that made it (its stored per-image predictions: 20's NeuMeta
sweep, 30's Table 2, 40's pruning), so for them the study adds runs and never recomputes a committed number (where
that notebook has not run in the profile, seed 0 is scored here too); the VAE's seed 0 likewise from notebook 50's
per-image IWAE. The other seeds are scored here with the same protocol (the K-sample merge
with the same noise and draws, the same pruning settings). Every array is ``[seeds, images]`` on the same test
images, the order of ``seeds``.
"""
import numpy as np

from neumeta.evaluation.eval_sets import eval_set
from neumeta.evaluation.logits import width_logits
from neumeta.evaluation.trunk import TrunkFeatures, has_shared_trunk
from neumeta.experiments.inr.experiment import train_neumeta
from neumeta.experiments.pretrained.base_models import resolve_data_root
from neumeta.experiments.pruning.runs import load_panel, prepare_panel, prune_and_score
from neumeta.experiments.seeds.runs import seeded
from neumeta.experiments.table2.jobs import train_individual
from neumeta.experiments.vae import experiment as vae
from neumeta.experiments.vae.evaluate import per_image_metrics
from neumeta.experiments.vae.scoring import iwae_label
from neumeta.metrics import predict
from neumeta.progress import progress
from neumeta.seed import seed_everything
from neumeta.store.results import read_arrays, read_predictions


def stored_seed0_predictions(P):
    """The per-image predictions notebooks 20, 30 and 40 stored (seed 0 of the classifiers' runs); ``{}`` for a notebook
    that has not run in this profile."""
    saved = {}
    for key, name, notebook in (("20", "width_sweep_predictions", "20_neumeta"),
                                ("30", "table2_predictions", "30_table2"), ("40", "pruning_predictions", "40_pruning")):
        try:
            saved[key] = read_predictions(name, P["profile"], notebook=notebook)
        except FileNotFoundError as err:
            print(f"{err}: its seed 0 is scored here")
            saved[key] = {}
    return saved


def labels_of(P, dataset, saved=None):
    """The test labels of ``dataset``; one clear error if a stored seed-0 array (``saved``) is on other images, so
    every comparison stays paired image by image."""
    labels = eval_set(dataset, "test", resolve_data_root(P)).tensors[1].numpy()
    for notebook, stored in (saved or {}).items():
        theirs = stored.get(f"{dataset}|labels")
        if theirs is not None and not np.array_equal(theirs, labels):
            raise RuntimeError(f"notebook {notebook}'s stored {dataset} predictions are on other test images than "
                               f"this run's: rerun it first")
    return labels


def neumeta_widths(P, arch, dataset, run, seeds, widths, saved):
    """``{d: [seeds, images]}`` of NeuMeta's K-sample merge for each INR of ``run``."""
    out = {d: [] for d in widths}
    test = eval_set(dataset, "test", resolve_data_root(P))
    data = None
    for seed in seeds:
        if seed == 0 and all(f"{dataset}|acc_merged|d={d}" in saved["20"] for d in widths):
            for d in widths:
                out[d].append(saved["20"][f"{dataset}|acc_merged|d={d}"])
            continue
        Q = seeded(P, run, seed)
        seed_everything(Q["seed"])
        inr, target, _ = train_neumeta(arch, dataset, Q)
        if data is None or run == "lenet-chain":  # an INR seed shares its target; a chain seed has its own
            data = TrunkFeatures(target.net, test) if has_shared_trunk(target.net) else test
        for d in progress(widths, desc=f"{arch} seed {seed}"):
            # the merge's draws follow Q's ``seed``: a chain seed reseeds the whole chain, its draws included (an
            # INR seed keeps seed 0's draws)
            logits = width_logits(inr, target, data, d, samples=Q["inr_eval_samples"], noise=Q["inr_noise"],
                                  seed=Q["seed"])
            out[d].append(logits.argmax(1).numpy())
    return {d: np.stack(v) for d, v in out.items()}


def individual_d16(P, seeds, saved):
    """``[seeds, images]`` of the Individual ResNet-20 at d = 16."""
    test = eval_set("cifar10", "test", resolve_data_root(P))
    rows = []
    for seed in seeds:
        if seed == 0 and "cifar10|Individual|trained at d|d=16" in saved["30"]:
            rows.append(saved["30"]["cifar10|Individual|trained at d|d=16"])
            continue
        model, _ = train_individual("cifar10", 16, seeded(P, "resnet20-d16", seed))
        rows.append(predict(model.eval(), test)[0].numpy())
    return np.stack(rows)


def lenet_pruning(P, seeds, criteria, widths, saved):
    """``{(criterion, d): [seeds, images]}``: each chain seed's base LeNet pruned as notebook 40 prunes it."""
    out = {(c, d): [] for c in criteria for d in widths}
    for seed in seeds:
        if seed == 0 and all(f"mnist|{c}|d={d}" in saved["40"] for c, d in out):
            for c, d in out:
                out[c, d].append(saved["40"][f"mnist|{c}|d={d}"])
            continue
        Q = seeded(P, "lenet-chain", seed)
        panel, reason = load_panel("mnist", "lenet", Q)
        if panel is None:
            raise RuntimeError(f"the LeNet chain at seed {seed} cannot be scored: {reason}")
        prepare_panel(panel, Q)
        for c, d in progress(list(out), desc=f"LeNet pruning seed {seed}"):
            out[c, d].append(np.asarray(prune_and_score(panel, d, c, tuned=False, P=Q)[0]))
    return {k: np.stack(v) for k, v in out.items()}


def stored_seed0_iwae(P):
    """Notebook 50's per-image IWAE of every model it estimated (seed 0 of the VAE study: the same models, images,
    draws and k); ``{}`` where that notebook has not run in this profile."""
    try:
        return read_arrays("iwae_per_image", P["profile"], notebook="50_vae")
    except FileNotFoundError as err:
        print(f"{err}: the VAE's seed 0 is scored here")
        return {}


def _vae_models(P, seeds, widths, have):
    """``{(method, width, seed): model}``: NeuMeta's VAE decoder at ``widths`` for each INR seed, and the
    Individual VAEs (one seed; the full width is the pretrained VAE) at those of ``widths`` that exist; none of the
    keys in ``have`` (already scored)."""
    full = vae.SPECS["mnist"].full_width
    models = {}
    for seed in seeds:
        if all(("NeuMeta", w, seed) in have for w in widths):
            continue
        Q = seeded(P, "vae-inr", seed)
        inr, target, _ = vae.train_vae_neumeta("mnist", Q)
        for w in widths:
            if ("NeuMeta", w, seed) not in have:
                models["NeuMeta", w, seed] = vae.neumeta_vae(inr, target, w, Q)
    for w in widths:
        if (w == full or w in P["vae_individual_widths"]) and ("Individual", w, 0) not in have:
            models["Individual", w, 0] = vae.train_base_vae("mnist", P, width=None if w == full else w)[0]
    return models


def vae_iwae(P, seeds, widths, k=None, stored=None, images=None, draws_seed=None):
    """``{(method, width): [seeds, images]}`` of the importance-weighted -log p(x) with ``k`` draws (default
    ``vae_iwae_k``) on the first ``images`` (default ``vae_iwae_images``) test images, the same draws for every
    model (from ``draws_seed``, default the profile's ``seed``). Seed 0 at ``vae_iwae_k`` with the profile's draws is
    read from ``stored`` (``stored_seed0_iwae``: notebook 50's arrays) where it holds it, else scored here."""
    k, images = k or P["vae_iwae_k"], images or P["vae_iwae_images"]
    draws_seed = P["seed"] if draws_seed is None else draws_seed
    order = [("NeuMeta", w) for w in widths] + [("Individual", w) for w in widths]  # Figure 7's rows, seeds in order
    have = {}
    if k == P["vae_iwae_k"] and images == P["vae_iwae_images"] and draws_seed == P["seed"]:
        for method, w in order:
            values = (stored or {}).get(iwae_label("mnist", method, w))
            if values is not None and len(values) == images:
                have[method, w, 0] = values
    test_x = vae.images("mnist", "test", P)[:images]
    scored = dict(have)
    for (method, w, seed), model in progress(_vae_models(P, seeds, widths, have).items(), desc="VAE decoders"):
        scored[method, w, seed] = per_image_metrics(model, test_x, vae.likelihood("mnist"), k, images,
                                                    seed=draws_seed)["iwae"]
    return {(method, w): np.stack([scored[method, w, s] for s in seeds if (method, w, s) in scored])
            for method, w in order if any((method, w, s) in scored for s in seeds)}


def pooled_iwae(nll_a, k_a, nll_b, k_b):
    """The IWAE -log p(x) of ``k_a + k_b`` draws from two estimates on independent draws: each estimate is
    log k - logsumexp(log w) of its own draws, so their log-weight sums add exactly."""
    log_sum = np.logaddexp(np.log(k_a) - np.asarray(nll_a, np.float64), np.log(k_b) - np.asarray(nll_b, np.float64))
    return np.log(k_a + k_b) - log_sum


def vae_iwae_by_k(P, widths, ks, scored):
    """``{k: {(method, width): [1, images]}}`` of seed 0 at ``widths`` for each k of ``ks``, on the first
    ``seed_study_iwae_images`` of the IWAE's images (0: all). At ``vae_iwae_k`` the values are ``scored``'s
    (``vae_iwae``'s output, seed 0 first) rather than computed again: same models, images and draws, so the same
    numbers. Each larger k keeps the draws of the k before it and adds ``k - previous`` new ones (their own
    generator seed, so independent): nested estimates, as a convergence curve reads them, and the draws already
    made are not drawn again."""
    images = P["seed_study_iwae_images"] or P["vae_iwae_images"]
    if images > P["vae_iwae_images"]:
        raise ValueError(f"seed_study_iwae_images = {images} exceeds vae_iwae_images = {P['vae_iwae_images']}: the "
                         f"convergence check compares estimates on the IWAE's own images")
    by_k, previous = {}, None
    for step, k in enumerate(sorted(set(ks))):
        if k == P["vae_iwae_k"]:
            by_k[k] = {key: v[:1, :images] for key, v in scored.items() if key[1] in widths}
        else:  # every step's draws from their own seeds: 3 generators per seed (per_image_metrics)
            more = k - previous if previous else k
            extra = vae_iwae(P, [0], widths, k=more, images=images, draws_seed=P["seed"] + 3 * (step + 1))
            by_k[k] = extra if not previous else {
                key: pooled_iwae(by_k[previous][key], previous, extra[key], more) for key in extra}
        previous = k
    return by_k
