"""The machine a run is on: its CPU, whether bfloat16 runs in hardware, and a summary for the records."""
import functools
import os
import platform
from pathlib import Path

import torch

BF16_CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # CPU instructions that make bfloat16 autocast fast


def one_torch_thread(fn):
    """``fn`` run with one intra-op torch thread, the count restored after. A chaotic computation (an SGD
    fine-tune amplifies every rounding difference) then gives the same bits whatever thread count the process
    runs with; on another CPU model its kernels still round differently."""
    @functools.wraps(fn)
    def with_one_thread(*args, **kwargs):
        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(before)
    return with_one_thread


def default_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cpu_description():
    """The CPU's model name and the flags that decide reduced precision (Linux; empty elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {"model": None, "flags": []}
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")), None)
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    wanted = BF16_CPU_FLAGS + ("avx2", "avx512f", "amx_tile")
    return {"model": model, "flags": sorted(f for f in flags if f in wanted)}


def bf16_in_hardware(device=None):
    """Whether bfloat16 autocast runs in hardware here: on a CPU without AVX512-BF16 or AMX it is
    emulated and many times slower than float32."""
    device = torch.device(device) if device is not None else default_device()
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return any(flag in cpu_description()["flags"] for flag in BF16_CPU_FLAGS)


def describe_machine():
    """What a result or a timing records about the machine that made it (no paths, no host names)."""
    cpu = cpu_description()
    return {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_model": cpu["model"], "cpu_flags": cpu["flags"], "bf16_in_hardware": bf16_in_hardware("cpu"),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
