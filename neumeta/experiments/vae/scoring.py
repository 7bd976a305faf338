"""Scoring every VAE of notebook 50 the same way: per-image metrics with the same random draws (so that models
compare image by image), the summary rows of Figure 7 and the images of Figure 6."""
from neumeta.experiments.vae.comparison import summary_rows
from neumeta.experiments.vae.evaluate import decoded_images, latent_grid, per_image_metrics, reconstructions
from neumeta.experiments.vae.experiment import SPECS, likelihood
from neumeta.metrics import count_parameters
from neumeta.store.run_cache import fingerprint


def iwae_label(dataset, method, width):
    """The name of one model's per-image IWAE array in ``iwae_per_image.npz``."""
    return f"{dataset}|{method}|h={width}"


def scoring_context(dataset, base, test, P):
    """What every model of ``dataset`` is scored against: its test images and likelihood, the pretrained VAE's
    parameters, the widths compared image by image (those of the baselines), the widths with an IWAE estimate
    (``vae_iwae_widths``), the widths Figure 6 shows (0, 25 and 50 % compression) and Figure 6's fixed latent
    grid."""
    full = SPECS[dataset].full_width
    return dict(dataset=dataset, test=test, likelihood=likelihood(dataset), full=full,
                base_params=count_parameters(base),
                compared=set(P["vae_baseline_widths"]) | set(P["vae_individual_widths"]),
                iwae_at=set(P["vae_iwae_widths"]),
                shown=sorted({full, round(0.75 * full), round(0.5 * full)}, reverse=True),
                z=latent_grid(P["vae_grid_size"], base.latent_dim, seed=P["seed"]))


def score(context, method, width, model, out, P):
    """Score ``model`` (``method`` at decoder ``width``) on ``context``'s test images and add to ``out``: its summary
    rows to ``out["rows"]`` (the IWAE row at ``vae_iwae_widths`` only), its per-image metrics to ``out["per_image"]``
    at a compared width, its per-image IWAE (where estimated) to ``out["iwae"]``, and for NeuMeta and L1 at a shown
    width its samples and reconstructions to ``out["figure6"]``."""
    dataset, test = context["dataset"], context["test"]
    # the IWAE estimate (a thousand decoder passes per image) at the widths of vae_iwae_widths (the paper's, in the cpu
    # profile: most of the notebook's time); every other width keeps the two one-draw metrics
    iwae_images = P["vae_iwae_images"] if width in context["iwae_at"] else 0
    metrics = _metrics_once(context, model, iwae_images, P)
    out["rows"].extend(summary_rows(dataset, method, width, context["full"], count_parameters(model),
                                    context["base_params"], metrics))
    if width in context["compared"]:
        out["per_image"][(dataset, method, width)] = metrics
    if "iwae" in metrics:  # stored per image: the seed study reads seed 0's instead of scoring it again
        out.setdefault("iwae", {})[iwae_label(dataset, method, width)] = metrics["iwae"]
    if width in context["shown"] and method in ("NeuMeta", "l1"):
        out["figure6"][f"{dataset}|{method}|d={width}|samples"] = decoded_images(model, context["z"])
        out["figure6"][f"{dataset}|{method}|d={width}|recon"] = reconstructions(model, test[:P["vae_grid_size"]])


def _metrics_once(context, model, iwae_images, P):
    """``per_image_metrics`` of ``model``, computed once per distinct network: its draws come from its own seeded
    generators, so a network met again (every criterion at full width is the base VAE; L1 and L2 often keep the
    same channels) gets the same numbers, copied instead of recomputed (an IWAE estimate is seconds)."""
    memo = context.setdefault("scored", {})
    key = fingerprint([repr(model), model.state_dict(), iwae_images])
    if key not in memo:
        memo[key] = per_image_metrics(model, context["test"], context["likelihood"], P["vae_iwae_k"], iwae_images,
                                      seed=P["seed"])
    return {name: values.copy() for name, values in memo[key].items()}
