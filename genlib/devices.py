"""Which device to train on (cuda, then mps, then cpu, unless the user says otherwise) and how it computes."""
from __future__ import annotations

import contextlib
import platform
from pathlib import Path

import torch

from .errors import ConfigError


def available_devices() -> list[str]:
    """The devices this machine has, the one "auto" picks first."""
    found = {"cuda": torch.cuda.is_available(), "mps": _mps_available(), "cpu": True}
    return [name for name, present in found.items() if present]


def pick_device(name: str | None = None) -> torch.device:
    if name in (None, "", "auto"):
        return torch.device(available_devices()[0])
    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise ConfigError(f"Unknown device {name!r}; use cpu, cuda, cuda:N, mps or auto.") from err
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"Device {name!r} was asked for but no CUDA GPU is available here; use cpu or auto.")
    if device.type == "mps" and not _mps_available():
        raise ConfigError(f"Device {name!r} was asked for but MPS is not available here; use cpu or auto.")
    return device


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"cpu ({threads} thread{'s' if threads != 1 else ''})"
    return device.type


def cpu_name() -> str:
    """The processor's model name as Linux reports it (platform.processor() is often empty there)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mps_available() -> bool:
    return getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()


@contextlib.contextmanager
def flush_denormals():
    """Compute with denormal floats flushed to zero, in this thread and the compute threads it starts from now on.

    A VAE drives the decoder's logits for MNIST's always-blank border ever more negative; their sigmoids and
    gradients sink below 1.2e-38, where this CPU's arithmetic is many times slower. Flushed, an epoch's steps
    stay at the first epoch's pace (third epoch on this 2-core CPU: 1.79 -> 1.43 s) and the losses are the
    same to the printed digit. The CPU keeps the flag per thread, and torch's compute threads copy it when
    they start, so it is set before a thread's first computation. GPUs flush in their kernels already.
    The calling thread's own setting is restored afterwards (other code in it, numpy's and hypothesis's
    floats for one, expects IEEE denormals).
    """
    was_flushing = torch.tensor([1e-39]).mul(1.0).item() == 0.0
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(was_flushing)


STEP_PRECISIONS = ("auto", "fp32", "bf16")


def bf16_is_native(device: torch.device) -> bool:
    """Whether this device multiplies bf16 matrices in hardware, so that a bf16 step beats an fp32 one: a CPU
    with AVX512-BF16 or AMX (torch.cpu names its probes privately, hence the guards). GPUs answer no: a small
    model's step there waits on kernel launches, not arithmetic, and none has been measured."""
    if device.type != "cpu":
        return False
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, probe, lambda: False)() for probe in probes)


def resolve_step_precision(setting: str, device: torch.device) -> str:
    """"fp32" or "bf16": the precision of a training step's matrix products; "auto" is bf16 where it is native."""
    if setting == "auto":
        return "bf16" if bf16_is_native(device) else "fp32"
    if setting == "bf16" and device.type not in ("cpu", "cuda"):
        raise ConfigError(f"step_precision bf16 runs on cpu or cuda, not {device.type}; use fp32 or auto.",
                          "step_precision")
    return setting


def step_autocast(precision: str, device: torch.device):
    """The context of a training step's forward pass: bf16 autocast, or none for fp32. Autocast is thread-local:
    the app's page threads beside a training thread keep computing in fp32."""
    return torch.autocast(device.type, dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()
