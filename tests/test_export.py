import torch

from neumeta.method.engine import TargetNetwork
from neumeta.method.export import export_width, unfold_state_dict
from neumeta.method.folding import fuse_bn
from neumeta.method.inr import NeuMetaINR
from neumeta.models import build_model
from neumeta.models.resnet_cifar import CifarResNet
from neumeta.method.spec import LENET_ALL, RESNET20_LAST_BLOCK


def test_unfolded_state_dict_computes_the_folded_function():
    torch.manual_seed(0)
    model = build_model("resnet20")
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_var.uniform_(0.5, 2)
            m.running_mean.normal_(0, 0.1)
    folded = fuse_bn(model)
    plain = build_model("resnet20")
    plain.load_state_dict(unfold_state_dict(folded.state_dict(), "resnet20", 64))
    x = torch.randn(4, 3, 32, 32)
    assert torch.allclose(plain.eval()(x), folded(x), atol=1e-5)


def test_exported_width_loads_into_the_plain_class(tmp_path):
    torch.manual_seed(0)
    target = TargetNetwork(RESNET20_LAST_BLOCK, fuse_bn(build_model("resnet20")).state_dict())
    inr = NeuMetaINR(RESNET20_LAST_BLOCK, hidden=16, num_layers=2, num_freqs=4)
    export_width(inr, target, 24, tmp_path / "d24.pt", "resnet20", samples=3)
    state = torch.load(tmp_path / "d24.pt", weights_only=True)
    plain = CifarResNet(3, num_classes=10, width=24)  # the standard class, chenyaofo keys
    plain.load_state_dict(state)
    x = torch.randn(2, 3, 32, 32)
    generated = inr.weights(24, noise=1.0, samples=3, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(plain.eval()(x), target(x, generated), atol=1e-4)


def test_lenet_export_has_no_bn_to_unfold(tmp_path):
    target = TargetNetwork(LENET_ALL, build_model("lenet").state_dict())
    inr = NeuMetaINR(LENET_ALL, hidden=16, num_layers=2, num_freqs=4)
    state = export_width(inr, target, 6, tmp_path / "lenet6.pt", "lenet", samples=1)
    build_model("lenet", width=6).load_state_dict(state)
