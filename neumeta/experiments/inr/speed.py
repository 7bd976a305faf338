"""Notebook 20's timings: one NeuMeta training step against one plain ResNet-20 step at the same batch size
(interleaved, in one process), and materialising one width from K merged draws."""
import statistics
import time

import pandas as pd
import torch
import torch.nn.functional as F

from neumeta.experiments.inr.experiment import inr_train_config
from neumeta.method.training import inr_loss


def inr_step(inr, target, x, y, width, cfg, optimizer):
    """One NeuMeta training step at ``width``: the INR's loss, its gradient and the optimiser's update."""
    loss, _ = inr_loss(inr, target, x, y, width, cfg)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def plain_step(model, x, y, optimizer):
    """One plain classifier step: cross-entropy, its gradient and the optimiser's update."""
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def interleaved_times(steps, functions, warmup=2):
    """``{name: [seconds]}``: every function of ``functions`` (``{name: callable}``) run in turn, ``warmup`` + ``steps``
    times, the first ``warmup`` rounds not timed."""
    times = {name: [] for name in functions}
    for step in range(steps + warmup):
        for name, fn in functions.items():
            t0 = time.perf_counter()
            fn()
            if step >= warmup:
                times[name].append(time.perf_counter() - t0)
    return times


def step_times(inr, target, plain, P, width=48):
    """Seconds of ``bench_steps`` NeuMeta steps (at ``width``) and plain steps of ``plain`` on one random batch of
    ``inr_batch_size`` images, interleaved. Learning rates are 0: the updates are timed, the models not changed."""
    inr.train()
    cfg = inr_train_config(P)
    opt_inr = torch.optim.AdamW(inr.parameters(), lr=0)
    plain.train()
    opt_plain = torch.optim.SGD(plain.parameters(), lr=0)
    x = torch.randn(P["inr_batch_size"], 3, 32, 32)
    y = torch.randint(0, 10, (P["inr_batch_size"],))
    return interleaved_times(P["bench_steps"], {
        "neumeta_step": lambda: inr_step(inr, target, x, y, width, cfg, opt_inr),
        "plain_step": lambda: plain_step(plain, x, y, opt_plain)})


def materialise_seconds(inr, target, width, noise, samples=100):
    """Seconds to materialise the network at ``width`` from ``samples`` merged draws (the INR left in eval mode)."""
    inr.eval()
    t0 = time.perf_counter()
    with torch.no_grad():
        target.materialise(inr.weights(width, noise=noise, samples=samples), width)
    return time.perf_counter() - t0


def speed_table(times, materialise_k100, P):
    """The stored speed table: median step times, their ratio, the materialisation time and the settings."""
    neumeta, plain = statistics.median(times["neumeta_step"]), statistics.median(times["plain_step"])
    return pd.DataFrame([
        dict(metric="neumeta_step_seconds", value=neumeta),
        dict(metric="plain_step_seconds", value=plain),
        dict(metric="step_time_ratio", value=neumeta / plain),
        dict(metric="materialise_k100_seconds", value=materialise_k100),
        dict(metric="batch_size", value=P["inr_batch_size"]), dict(metric="steps", value=P["bench_steps"])])
