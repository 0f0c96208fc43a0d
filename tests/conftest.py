import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The runs every test trains (in-process, in child processes, in a served app) go to a folder of the suite's own,
# never the checkout's checkpoints/user where a user's runs live: set before any test module is imported, so
# module-level user_runs_dir() calls see it too
TEST_RUNS_DIR = Path(tempfile.mkdtemp(prefix="genlib-test-runs-"))
os.environ["GENLIB_RUNS_DIR"] = str(TEST_RUNS_DIR)
CHECKOUT_RUNS_DIR = ROOT / "checkpoints" / "user"

from genlib.training.configs import GANTrainConfig, VAETrainConfig  # noqa: E402
from genlib.models import GANConfig, VAEConfig  # noqa: E402
from genlib.training.fit import fit  # noqa: E402


# every training test runs on the CPU, and on CUDA where a GPU is present (skipped, and said so, where not)
DEVICES = ["cpu", pytest.param("cuda", marks=[pytest.mark.gpu, pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA GPU on this machine")])]


def folder_snapshot(folder: Path) -> list[tuple[str, int, int]]:
    """Every file under folder with its size and modification time."""
    return sorted((str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
                  for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


@pytest.fixture(scope="session", autouse=True)
def the_checkouts_runs_stay_untouched():
    """Fails the suite (an error at its end) if any test wrote into, or deleted from, checkpoints/user."""
    before = folder_snapshot(CHECKOUT_RUNS_DIR)
    yield
    shutil.rmtree(TEST_RUNS_DIR, ignore_errors=True)
    assert folder_snapshot(CHECKOUT_RUNS_DIR) == before, f"a test changed {CHECKOUT_RUNS_DIR}"


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def runs_root(tmp_path_factory):
    """A folder holding only the shared tiny runs."""
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="session")
def tiny_vae_run(runs_root):
    """A 2-epoch VAE run on 512 images (seconds on a CPU)."""
    path = runs_root / "vae"
    fit("vae", VAEConfig(latent_dim=4, hidden=64), VAETrainConfig(metric_samples=0, epochs=2, train_limit=512, device="cpu"), path)
    return path


@pytest.fixture(scope="session")
def tiny_gan_run(runs_root):
    """A 3-epoch small GAN run on 256 images."""
    path = runs_root / "gan"
    fit("gan", GANConfig(arch="small"), GANTrainConfig(epochs=3, train_limit=256, device="cpu", metric_samples=0), path)
    return path


@pytest.fixture(scope="session")
def ray_cluster():
    """Two Ray nodes on this machine, one declaring a GPU, started from pytest's main thread (never from a
    Streamlit thread) and always shut down. Each node has one CPU, so two jobs at once land on both."""
    pytest.importorskip("ray")
    import ray
    from ray.cluster_utils import Cluster

    from genlib.training.ray_engine import connect

    small = {"num_cpus": 1, "object_store_memory": 100 * 2**20}
    cluster = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False})
    gpu_node = cluster.add_node(**small, num_gpus=1)
    try:
        connect(cluster.address)
        yield {"cluster": cluster, "gpu_node_id": gpu_node.node_id, "head_node_id": cluster.head_node.node_id}
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.fixture(scope="session")
def app_url():
    """The app, served once for all the browser tests (each test opens its own page: its own session)."""
    from browser import streamlit_server

    with streamlit_server() as (url, _):
        yield url


@pytest.fixture
def page():
    from browser import browser_page

    with browser_page() as p:
        yield p
