import subprocess
import sys

from conftest import ROOT


def test_genlib_never_imports_streamlit():
    modules = sorted(p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
                     for p in (ROOT / "genlib").rglob("*.py") if p.name != "__main__.py")
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules) +
            "bad = [m for m in sys.modules if m.split('.')[0] == 'streamlit']\nprint(bad)\nassert not bad")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(modules) > 10
    for path in (ROOT / "genlib").rglob("*.py"):
        assert "import streamlit" not in path.read_text(), path


def test_importing_genlib_does_no_work():
    code = ("import sys, torch\nstate = torch.get_rng_state().clone()\nimport genlib, genlib.training.fit, genlib.evaluation.evaluate, genlib.__main__\n"
            "assert torch.equal(state, torch.get_rng_state())\n"
            "assert 'genlib.data' not in sys.modules or not genlib.data._mnist_split.cache_info().currsize\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_pages_build_no_losses_optimizers_or_layers():
    for path in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "labui").glob("*.py")]:
        text = path.read_text()
        for forbidden in ("torch.optim", "nn.Linear", "nn.Conv", "binary_cross_entropy", ".backward("):
            assert forbidden not in text, f"{path.name} uses {forbidden}"


def test_the_suite_trains_into_a_folder_of_its_own():
    from conftest import CHECKOUT_RUNS_DIR, TEST_RUNS_DIR
    from genlib.runs.store import user_runs_dir

    assert user_runs_dir() == TEST_RUNS_DIR != CHECKOUT_RUNS_DIR
    child = subprocess.run([sys.executable, "-c", "from genlib.runs.store import user_runs_dir; print(user_runs_dir())"],
                           cwd=ROOT, capture_output=True, text=True)
    assert child.stdout.strip() == str(TEST_RUNS_DIR)  # child processes (the CLI, served apps) inherit it


def test_runs_imports_nothing_from_the_layers_above_it():
    """runs/ is the store the other layers use: it may lean on genlib's errors alone, not on training/,
    evaluation/ or models/ (the pretrain plan, which trains and scores, lives above them in genlib/pretrain.py)."""
    import re

    for path in (ROOT / "genlib" / "runs").rglob("*.py"):
        imports = re.findall(r"^\s*from (\.\.?[\w.]*) import", path.read_text(), re.MULTILINE)
        outside = [m for m in imports if m.startswith("..") and m != "..errors"]
        assert not outside, f"{path.name} imports {outside}"
