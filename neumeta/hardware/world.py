"""The process group: who we are among the processes ``torchrun`` started, and the few collectives we use.

Not launched by ``torchrun`` (no ``WORLD_SIZE`` above 1 in the environment) everything here is the
one-process identity: rank 0 of 1, ``is_main()`` true, collectives return their input.
"""
import os
import sys

import torch
import torch.distributed as dist


def launched():
    """Whether this process is one of several started by ``torchrun``."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def device():
    """This process's device: its own GPU (``LOCAL_RANK``) where there are GPUs, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device("cpu")


def setup():
    """Join the process group once (NCCL on GPUs, gloo on CPUs); a no-op for one process. Every command line
    of the project calls it first (through ``neumeta.parallel.launch.cli_profile``). Ranks other than 0 print nothing to stdout (errors
    still reach stderr), so a log reads as one run's."""
    if launched() and not dist.is_initialized():
        dev = device()
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
        if not is_main():
            sys.stdout = open(os.devnull, "w")


def active():
    """Whether training should split batches over processes (a process group of more than one)."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank():
    return dist.get_rank() if active() else 0


def world_size():
    return dist.get_world_size() if active() else 1


def is_main():
    return rank() == 0


def barrier():
    if active():
        dist.barrier()


def all_sum(values):
    """Element-wise sum over processes of a list of numbers (float64); the list itself for one process."""
    if not active():
        return list(values)
    t = torch.tensor(list(values), dtype=torch.float64)
    dist.all_reduce(t)
    return t.tolist()


def shard(items):
    """This process's share of ``items`` (every world_size-th, from its rank): the whole list for one process."""
    return list(items)[rank()::world_size()]


def gather(values):
    """Every process's list ``values``, concatenated in rank order, on every process."""
    if not active():
        return list(values)
    out = [None] * world_size()
    dist.all_gather_object(out, list(values))
    return [v for part in out for v in part]
