"""The settings that keep training at its pace: denormals flushed in every training thread, a server heap that
keeps a step's buffers, the app's training threads on every core; and the server's memory: freed memory handed back after a page run,
no Triton without a GPU."""
import os
import subprocess
import sys

import torch
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from genlib.bench.bench import in_fresh_thread
from genlib.models import GANConfig, VAE, VAEConfig
from genlib.training.configs import GANTrainConfig, VAETrainConfig
from genlib.training.fit import fit
from genlib.training.trainers import GANTrainer, gan_update
from labui.serve import MALLOC_SETTINGS

DENORMAL = 1e-39  # below float32's smallest normal number (1.18e-38)


def denormal_survives() -> tuple[bool, bool, bool]:
    """Whether a denormal survives a multiply in this thread, a reduction big enough for torch's compute threads,
    and a matrix product (whose every entry sums 784 products of 1e-20 and 1.3e-23: a denormal 1e-40)."""
    alone = torch.tensor([DENORMAL]).mul(1.0).item() != 0.0
    spread = torch.full((1 << 20,), DENORMAL).mul(1.0).sum().item() != 0.0
    product = torch.full((256, 784), 1e-20) @ torch.full((784, 400), 1e-20 / 784)
    return alone, spread, bool(product.any())


def test_a_training_thread_and_its_compute_threads_flush_denormals_while_training():
    def train_then_look():
        # a one-element multiply: the compute threads must not start before fit() does (they keep the flag they
        # start with, so a thread's earlier large computation is beyond fit's reach)
        before, during = torch.tensor([DENORMAL]).mul(1.0).item() != 0.0, []
        fit("vae", VAEConfig(latent_dim=2, hidden=16), VAETrainConfig(epochs=1, train_limit=256, metric_samples=0,
                                                                      device="cpu"),
            report=lambda progress: during.append(denormal_survives()))
        return before, during, denormal_survives()[0]

    before, during, after = in_fresh_thread(train_then_look)
    assert before
    assert during and set(during) == {(False, False, False)}
    assert after  # the thread's own setting is back (numpy and hypothesis expect IEEE denormals)


def test_the_servers_heap_keeps_every_buffer_of_a_training_step():
    """Blocks at or above the mmap threshold are mapped afresh on every allocation: a step's tensors must stay
    below it (a 64 KiB threshold made an in-app GAN epoch take twice the CLI's)."""
    threshold = int(MALLOC_SETTINGS["MALLOC_MMAP_THRESHOLD_"])
    sizes = []

    def record(module, inputs, output):
        if isinstance(output, torch.Tensor):  # leaf layers; the models' own outputs are tuples of those
            sizes.append(output.nbytes)

    trainer = GANTrainer(GANConfig(arch="small"), GANTrainConfig(train_limit=256, device="cpu"), torch.device("cpu"))
    vae = VAE(VAEConfig(latent_dim=20, hidden=400))
    for module in [*trainer.G.modules(), *trainer.D.modules(), *vae.modules()]:
        module.register_forward_hook(record)
    gan_update(trainer.pair, [trainer.x_train[:64]], torch.Generator().manual_seed(0))
    vae.loss(x := torch.rand(128, 1, 28, 28), vae(x), 1.0).total.backward()
    params = [p.nbytes for m in (trainer.G, trainer.D, vae) for p in m.parameters()]
    assert max(sizes + params) < threshold
    assert int(MALLOC_SETTINGS["MALLOC_TRIM_THRESHOLD_"]) >= threshold  # the heap's top is not handed back each step


def test_the_app_leaves_training_every_core():
    torch.set_num_threads(os.cpu_count())
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert torch.get_num_threads() == os.cpu_count()


def test_freed_heap_memory_goes_back_after_a_page_run():
    """In a process started with the server's malloc settings: 1 MiB blocks (under the mmap threshold, so from
    the heap) held, freed, then released."""
    script = """
import torch
from labui.memory import release_freed_memory

def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

held = [torch.ones(1 << 18) for _ in range(400)]  # 400 blocks of 1 MiB
held = held[1::2]  # free every other block: holes glibc cannot hand back by shrinking the heap's top
peak = rss_mib()
release_freed_memory()
print(peak - rss_mib())
"""
    env = {**os.environ, **MALLOC_SETTINGS, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert float(res.stdout) > 150  # of the 200 MiB freed in holes


def test_without_a_gpu_the_server_trains_without_importing_triton():
    """In a fresh process as the server starts it: an optimiser's first step (which imports torch._dynamo)."""
    script = """
import sys
import torch
from labui.serve import preload

preload()
layer = torch.nn.Linear(4, 1)
optimiser = torch.optim.Adam(layer.parameters())
layer(torch.ones(2, 4)).sum().backward()
optimiser.step()
print("torch._dynamo" in sys.modules, sys.modules.get("triton", "absent"))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""}
    res = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["True", "None"]  # dynamo imported, Triton never loaded
