"""Notebook 10's measurements of one channel ordering: the permuted network, its logits beside the unpermuted
network's (float32 and float64), total variation and one weight matrix."""
import copy
import time

import torch

from neumeta.data import get_dataset
from neumeta.experiments.pretrained.base_models import INPUT_SHAPES, resolve_data_root
from neumeta.experiments.pretrained.specs import folded_network
from neumeta.experiments.pretrained.targets import permuted_target
from neumeta.method.channels import permute_network
from neumeta.method.permute import network_tv

FLOAT64_IMAGES = 1000  # float64 logits on the first images only: the permutation is exact, float32 rounds
# The generated block's second conv (ResNet-20) and LeNet's second conv: the weight matrix drawn per ordering
MATRIX_TENSOR = {"resnet20": "layer3.2.conv2.weight", "lenet": "conv_2.weight"}


def probe_images(dataset, P):
    """The first ``permute_eval_images`` test images of ``dataset`` (eval transform) and their labels."""
    test = get_dataset(dataset, "test", root=resolve_data_root(P), transform="eval")
    x = torch.stack([test[i][0] for i in range(min(P["permute_eval_images"], len(test)))])
    y = torch.stack([test[i][1] for i in range(len(x))])
    return x, y


@torch.no_grad()
def logits_32_and_64(model, x, batch_size=500):
    """``(float32 logits of x in batches, float64 logits of its first FLOAT64_IMAGES)``; ``model`` is left as it is
    (the float64 pass runs on a copy)."""
    out = torch.cat([model(b) for b in x.split(batch_size)])
    out64 = copy.deepcopy(model).double()(x[:FLOAT64_IMAGES].double())
    return out, out64


def variant_logits(arch, folded, state, x, reference):
    """``logits_32_and_64`` of the network ``arch`` holding ``state``; an order that left every tensor bitwise as it
    was (``none``) is the unpermuted network itself, whose logits are ``reference``: not computed twice."""
    unchanged = folded.state_dict()
    if state.keys() == unchanged.keys() and all(torch.equal(state[k], unchanged[k]) for k in state):
        return reference
    return logits_32_and_64(folded_network(arch, state), x)


def permute_with(variant, folded, arch, dataset, P):
    """``(state_dict, solver seconds)`` of the BN-folded base model under ``variant``; ``shp`` is the stored
    target of notebook 20 (its solver time as recorded when it was built)."""
    t0 = time.perf_counter()
    if variant == "shp":
        state, info = permuted_target(arch, dataset, P)
        return state, info["solver_seconds"]
    state, _ = permute_network(folded, torch.zeros(1, *INPUT_SHAPES[dataset]), variant, P["permute_runs"], P["seed"])
    return state, time.perf_counter() - t0


def ordering_metrics(state, logits, reference, labels, seconds):
    """Total variation, the largest logit change against the unpermuted network (``logits`` and ``reference``:
    ``logits_32_and_64``'s pairs), both accuracies, the solver time and the number of images."""
    (out, out64), (ref, ref64) = logits, reference
    return dict([("total_tv", sum(network_tv(state).values())),
                 ("max_abs_logit_diff", (out - ref).abs().max().item()),
                 ("max_abs_logit_diff_float64", (out64 - ref64).abs().max().item()),
                 ("accuracy", 100.0 * (out.argmax(1) == labels).float().mean().item()),
                 ("accuracy_unpermuted", 100.0 * (ref.argmax(1) == labels).float().mean().item()),
                 ("solver_seconds", seconds), ("n_images", len(out))])


def weight_matrix_rows(arch, variant, state):
    """Mean |kernel| of every (output, input) channel pair of ``MATRIX_TENSOR[arch]``, one row each."""
    name = MATRIX_TENSOR[arch]
    w = state[name].abs().flatten(2).mean(2)
    return [dict(arch=arch, variant=variant, tensor=name, row=r, col=c, value=w[r, c].item())
            for r in range(w.shape[0]) for c in range(w.shape[1])]
