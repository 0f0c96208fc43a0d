"""A VAE's training step in bf16 where the CPU multiplies bf16 natively: what runs in bf16, what stays fp32, and
that it trains as the fp32 step does."""
import json
from pathlib import Path

import pytest
import torch

from genlib.devices import bf16_is_native, resolve_step_precision
from genlib.errors import ConfigError
from genlib.models import VAEConfig
from genlib.training.configs import VAETrainConfig
from genlib.training.fit import fit
from genlib.training.trainers import VAETrainer

CPU = torch.device("cpu")


def cpu_flags() -> set[str]:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


@pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="reads the CPU's flags from Linux's /proc/cpuinfo")
def test_auto_is_bf16_exactly_on_cpus_that_multiply_bf16():
    """torch names its CPU probes privately: this catches a rename that would silently drop every CPU to fp32."""
    native = bool({"avx512_bf16", "amx_bf16"} & cpu_flags())
    assert bf16_is_native(CPU) == native
    assert resolve_step_precision("auto", CPU) == ("bf16" if native else "fp32")
    assert resolve_step_precision("auto", torch.device("cuda")) == "fp32"  # not measured on a GPU: fp32 stays
    assert resolve_step_precision("fp32", CPU) == "fp32" and resolve_step_precision("bf16", CPU) == "bf16"


def test_bf16_where_autocast_cannot_run_it_is_a_config_error():
    with pytest.raises(ConfigError, match="step_precision bf16 runs on cpu or cuda") as err:
        resolve_step_precision("bf16", torch.device("mps"))
    assert err.value.setting == "step_precision"
    with pytest.raises(ConfigError, match="step_precision must be one of auto, fp32, bf16"):
        VAETrainConfig(step_precision="fp16").validate()


def test_a_bf16_step_multiplies_in_bf16_and_evaluates_in_fp32():
    trainer = VAETrainer(VAEConfig(latent_dim=8, hidden=64),
                         VAETrainConfig(train_limit=256, step_precision="bf16", device="cpu"), CPU)
    seen = []
    for layer in (trainer.model.encoder[1], trainer.model.decoder[2]):  # the two 784-wide products
        layer.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    losses = trainer.step(1, 1, torch.arange(128), torch.Generator().manual_seed(0))
    assert seen == [torch.bfloat16] * 2
    assert all(loss.dtype == torch.float32 for loss in losses)  # the loss is computed on fp32 outputs
    assert not torch.is_autocast_enabled("cpu")  # the autocast ends with the forward pass
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    seen.clear()
    trainer.end_epoch({name: [0.0] for name in trainer.series})
    assert set(seen) == {torch.float32}  # the evaluation the page shows is fp32


def test_bf16_and_fp32_steps_train_to_the_same_test_loss(tmp_path):
    """Two epochs of the pytorch/examples VAE on 4,096 digits each way; the run records the precision it used."""
    model = VAEConfig(latent_dim=20, hidden=400)
    loss = {}
    for precision in ("fp32", "bf16"):
        cfg = VAETrainConfig(epochs=2, train_limit=4096, metric_samples=0, device="cpu", step_precision=precision)
        last = fit("vae", model, cfg, tmp_path / precision).epochs[-1]
        loss[precision] = last["test_recon"] + last["test_kl"]
        provenance = json.loads((tmp_path / precision / "config.json").read_text())["provenance"]
        assert provenance["step_precision"] == precision
    assert 150 < loss["fp32"] < 220  # two short epochs: well on the way from 543 nats (784 log 2)
    assert abs(loss["bf16"] - loss["fp32"]) < 1.0
