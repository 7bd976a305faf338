"""The image-generation experiment: VAEs, their metrics, permutation, NeuMeta's decoder and the baselines,
on the committed MNIST subset (real images) and the generated CelebA fixture."""
import math

import pytest
import torch

from neumeta.method.engine import TargetNetwork
from neumeta.method.folding import fuse_bn
from neumeta.method.inr import NeuMetaINR
from neumeta.method.channels import find_channels, permute_network
from neumeta.method.spec import VAE_CELEBA_DECODER, VAE_MNIST_DECODER
from neumeta.models import build_model
from neumeta.store.checkpoints import partial_path
from neumeta.experiments.vae.baselines import calibration_images, prune_vae
from neumeta.experiments.vae.images import as_float, vae_images
from neumeta.experiments.vae.objective import iwae_nll, neg_elbo, recon_nll
from neumeta.experiments.vae.training import VAETrainConfig, train_vae

FIXTURES = "tests/fixtures/data"


@pytest.fixture(scope="module")
def mnist():
    return vae_images("mnist", "train", FIXTURES), vae_images("mnist", "test", FIXTURES)


@pytest.fixture(scope="module")
def trained_vae(mnist, tmp_path_factory):
    """A VAE trained for 3 epochs on the 1000 real MNIST training images of the fixture."""
    train, test = mnist
    torch.manual_seed(0)
    model = build_model("vae-mnist")
    path = tmp_path_factory.mktemp("ck") / "vae.pt"
    model, info = train_vae(model, train, test, VAETrainConfig(epochs=3, batch_size=50), path)
    return model.eval(), info


def _elbo(model, x, seed=0):
    return neg_elbo(model(x, torch.Generator().manual_seed(seed)), x)


def test_training_lowers_the_negative_elbo(mnist, trained_vae):
    model, info = trained_vae
    torch.manual_seed(0)
    untrained = build_model("vae-mnist").eval()
    x = as_float(mnist[1][:200])
    assert _elbo(model, x).mean() < _elbo(untrained, x).mean() - 100  # 540+ nats untrained
    assert info["history"][-1]["train_neg_elbo"] < info["history"][0]["train_neg_elbo"]


def test_a_killed_run_continues_to_bitwise_the_same_weights(mnist, tmp_path, monkeypatch):
    train, test = mnist
    cfg = VAETrainConfig(epochs=2, batch_size=50, limit_train=300)
    torch.manual_seed(0)
    straight, _ = train_vae(build_model("vae-mnist"), train, test, cfg, tmp_path / "a.pt")

    class Stop(Exception):
        pass

    import neumeta.training.loop as loop  # the one trainer writes every checkpoint
    saved = loop.save_checkpoint

    def stop_after_first_partial(path, payload):
        saved(path, payload)
        if path.name.endswith(".partial.pt"):
            raise Stop
    with monkeypatch.context() as patch:
        patch.setattr(loop, "save_checkpoint", stop_after_first_partial)
        torch.manual_seed(0)
        with pytest.raises(Stop):
            train_vae(build_model("vae-mnist"), train, test, cfg, tmp_path / "b.pt")
    assert partial_path(tmp_path / "b.pt").exists()
    torch.manual_seed(123)
    resumed, info = train_vae(build_model("vae-mnist"), train, test, cfg, tmp_path / "b.pt")
    for (k, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k
    assert len(info["history"]) == 2


def test_iwae_with_one_draw_is_the_elbo_and_more_draws_are_tighter(mnist, trained_vae):
    """In expectation IWAE-1 equals the one-sample negative ELBO and IWAE-k <= it. Tolerance: 3 standard
    errors of the mean over the 500 images (the estimates are means of independent per-image draws)."""
    model, _ = trained_vae
    x = as_float(mnist[1][:500])
    g = torch.Generator().manual_seed(0)
    elbo = torch.stack([_elbo(model, x, seed) for seed in range(4)]).mean(0)  # 4 draws per image: a steadier yardstick
    se = elbo.std() / math.sqrt(len(x))
    iwae1 = torch.stack([iwae_nll(model, x, 1, g) for _ in range(4)]).mean(0)
    assert abs(iwae1.mean() - elbo.mean()) < 3 * se
    iwae = iwae_nll(model, x, 200, g)
    assert iwae.mean() < elbo.mean() - 3 * se  # strictly tighter here, by more than the noise
    assert iwae.mean() <= iwae_nll(model, x, 20, g).mean() + 3 * se


def test_the_likelihoods_are_normalised_densities():
    """The Bernoulli term is BCE; the Gaussian one integrates to 1 over the reals (variance 1/2)."""
    logits = torch.randn(3, 5)
    x = torch.rand(3, 5)
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
    assert torch.allclose(recon_nll(logits, x), bce, atol=1e-5)
    grid = torch.linspace(-6, 7, 20001)
    density = torch.exp(-recon_nll(torch.zeros(len(grid), 1), grid[:, None], "gaussian"))
    assert abs(torch.trapezoid(density, grid).item() - 1) < 1e-3
    with pytest.raises(ValueError, match="unknown likelihood"):
        recon_nll(logits, x, "poisson")


@pytest.mark.parametrize("arch,shape", [("vae-mnist", (8, 1, 28, 28)), ("vae-celeba", (2, 3, 64, 64))])
def test_the_permuted_vae_computes_the_same_function(arch, shape):
    torch.manual_seed(0)
    model = build_model(arch, width=32).eval()
    for m in model.modules():  # non-trivial BN statistics, so that folding matters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    x = torch.rand(shape)
    folded = fuse_bn(model)
    state, groups = permute_network(folded, x[:1], "shp", runs=1, seed=0)
    permuted = fuse_bn(build_model(arch, width=32))
    permuted.load_state_dict(state)
    moved = sum(not torch.equal(state[k], v) for k, v in folded.state_dict().items())
    assert moved > 0 and groups["permuted"]  # something was reordered
    ref = model(x, torch.Generator().manual_seed(0))
    out = permuted.eval()(x, torch.Generator().manual_seed(0))
    for a, b in zip(ref, out):
        assert (a - b).abs().max() < 1e-4 * max(1.0, a.abs().max().item())


def test_a_linear_layer_reshaped_into_channels_keeps_its_order():
    """CelebA's decoder_input (32 -> 8192, viewed as 512 channels of 4 x 4): a reader sees 16 of its outputs per
    channel, so its outputs are a fixed set (ordering 8,192 of them would also take the path solver minutes)."""
    found = find_channels(fuse_bn(build_model("vae-celeba", width=32)).eval(), torch.zeros(1, 3, 64, 64))
    unflattened = [c for c in found if c.root == "decoder_input"]
    assert len(unflattened) == 1 and unflattened[0].fixed and unflattened[0].size == 8192


class OracleINR(NeuMetaINR):
    """Heads that return given values (in head units): the INR's plumbing with a perfect fit."""

    def __init__(self, spec, values):
        super().__init__(spec, hidden=4, num_layers=1, num_freqs=0)
        self.values = values

    def head_output(self, name, features):
        assert features.shape[:2] == (1, len(self.values[name]))  # one draw, one chunk: every row of the tensor
        return self.values[name][None]


def _oracle(spec, state):
    full = dict(spec.shapes(spec.full_width))
    values = {n: state[n].reshape(full[n][0] * (full[n][1] if len(full[n]) > 1 else 1), -1) * spec.fan_in(n, full[n])
              for n in spec.names}
    return OracleINR(spec, values)


@pytest.mark.parametrize("spec,shape", [(VAE_MNIST_DECODER, (16, 1, 28, 28)), (VAE_CELEBA_DECODER, (2, 3, 64, 64))])
def test_the_generated_decoder_at_full_width_is_the_permuted_pretrained_one(spec, shape):
    """Generating the full width from a perfect fit of the permuted pretrained layers gives back the permuted
    VAE's function (<= 1e-4 relative), while the same numbers in the *un*-permuted channel order, a wrong
    layer for this target, change the output by far more than that."""
    torch.manual_seed(0)
    base = fuse_bn(build_model(spec.arch).eval())
    x = torch.rand(shape)
    state, _ = permute_network(base, x[:1], "shp", runs=1, seed=0)
    target = TargetNetwork(spec, state)
    ref = target.net(x, torch.Generator().manual_seed(0))[0]
    tolerance = 1e-4 * ref.abs().max().item()
    made = target.materialise(_oracle(spec, state).weights(spec.full_width), spec.full_width)
    assert (made(x, torch.Generator().manual_seed(0))[0] - ref).abs().max() < tolerance
    wrong = target.materialise(_oracle(spec, base.state_dict()).weights(spec.full_width), spec.full_width)
    assert (wrong(x, torch.Generator().manual_seed(0))[0] - ref).abs().max() > 100 * tolerance


def test_transposed_weights_are_scaled_by_their_input_channels():
    shapes = VAE_CELEBA_DECODER.shapes(40)
    assert shapes["decoder.3.weight"] == (256, 80, 4, 4) and shapes["decoder.9.weight"] == (40, 3, 4, 4)
    assert VAE_CELEBA_DECODER.fan_in("decoder.3.weight", shapes["decoder.3.weight"]) == 256
    assert VAE_CELEBA_DECODER.fan_in("decoder.9.weight", shapes["decoder.9.weight"]) == 40
    assert VAE_MNIST_DECODER.fan_in("fc6.weight", (784, 40)) == 40


def test_folding_transposed_convolutions_is_exact():
    torch.manual_seed(0)
    model = build_model("vae-celeba", width=16).eval()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    folded = fuse_bn(model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    z = torch.randn(3, 32)
    assert torch.allclose(model.decode(z), folded.decode(z), atol=1e-5)


@pytest.mark.parametrize("criterion", ["random", "l1", "l2", "taylor", "hessian"])
def test_every_pruning_criterion_hits_the_exact_width(mnist, trained_vae, criterion):
    model, _ = trained_vae
    calib = calibration_images(mnist[0], 2, 16, seed=0)
    for width in (63, 48, 38, 32, 17, 8, 1):
        pruned = prune_vae(model, "vae-mnist", width, criterion, calib, "bernoulli", iterative_steps=5, seed=0)
        assert pruned.fc5.out_features == width and pruned.fc6.in_features == width
        build_model("vae-mnist", width=width).load_state_dict(pruned.state_dict())  # the plain VAE of that width
    assert model.fc5.out_features == 64  # the pretrained model is left alone


def test_celeba_pruning_resizes_both_decoder_layers():
    torch.manual_seed(0)
    model = build_model("vae-celeba").eval()
    x = vae_images("celeba", "train", FIXTURES)
    calib = calibration_images(x, 1, 4, seed=0)
    pruned = prune_vae(model, "vae-celeba", 24, "taylor", calib, "gaussian", iterative_steps=2, seed=0)
    build_model("vae-celeba", width=24).load_state_dict(pruned.state_dict())


def test_bad_input_gets_one_clear_error():
    with pytest.raises(ValueError, match="unknown VAE dataset"):
        vae_images("cifar10", "train", FIXTURES)
    with pytest.raises(ValueError, match="positive integer"):
        build_model("vae-mnist", width=0)
    with pytest.raises(ValueError, match="epochs"):
        VAETrainConfig(epochs=0)
