"""The command line: python -m genlib train|sample|list|eval ...

Bad input ends with exit status 2 and one line on stderr saying what was wrong.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import sys
import threading
from pathlib import Path

from .errors import ConfigError, GenlibError


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


ALIASES = {"gan": {"lr": ("lr_g", "lr_d")}}  # --lr sets both GAN learning rates


def config_classes(kind: str) -> tuple[type, type]:
    from .training.configs import MODEL_CONFIGS, TRAIN_CONFIGS
    return MODEL_CONFIGS[kind], TRAIN_CONFIGS[kind]


def flag(setting: str) -> str:
    return "--" + setting.replace("_", "-")


def add_config_flags(parser: argparse.ArgumentParser, kind: str) -> None:
    """One flag per config field, its help the field's comment and its default the dataclass's.

    Flags default to None here, so a resumed run can tell what was given (it overrides what was saved)."""
    from .training.configs import setting_help

    for cls in config_classes(kind):
        helps = setting_help(cls)
        for f in dataclasses.fields(cls):
            default = "none" if f.default is None else f.default
            parser.add_argument(flag(f.name), dest=f.name, default=None, metavar=f.name.upper(),
                                help=f"{helps.get(f.name, '')} (default: {default})")
    for alias, settings in ALIASES.get(kind, {}).items():
        parser.add_argument(flag(alias), dest=alias, default=None, metavar=alias.upper(),
                            help=f"sets {' and '.join(map(flag, settings))} together")


def add_engine_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
                        help="train on Ray: alone, a Ray started here for this command; with host:port, that cluster "
                             "(default: threads of this process, one run per core)")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m genlib", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    train = commands.add_parser("train", help="train a VAE, a GAN or the judge classifier")
    train_kinds = train.add_subparsers(dest="kind", required=True, parser_class=OneLineParser)
    sweep = commands.add_parser("sweep", help="train one run per value (--kl-weight 0,0.1,1), in parallel")
    sweep_kinds = sweep.add_subparsers(dest="kind", required=True, parser_class=OneLineParser)
    from .training.configs import TRAIN_CONFIGS
    for kind in TRAIN_CONFIGS:
        train_kind = train_kinds.add_parser(kind, help=f"train a {kind}")
        train_kind.add_argument("--out", required=True, help="run folder to create (or continue with --resume)")
        train_kind.add_argument("--resume", action="store_true", help="continue a stopped run from its last epoch")
        add_config_flags(train_kind, kind)
        sweep_kind = sweep_kinds.add_parser(kind, help=f"a sweep of {kind} runs; a setting may list values: 0,0.1,1")
        sweep_kind.add_argument("--out", required=True, help="folder for the sweep: one run folder per combination")
        add_config_flags(sweep_kind, kind)
        add_engine_flag(sweep_kind)

    sample = commands.add_parser("sample", help="write samples of a run to a .npy file")
    sample.add_argument("run_dir")
    sample.add_argument("--n", type=int, default=64)
    sample.add_argument("--out", required=True)
    sample.add_argument("--epoch", type=int, default=None)
    sample.add_argument("--seed", type=int, default=0)

    evaluate = commands.add_parser("eval", help="print one JSON object of quality metrics for a run")
    evaluate.add_argument("run_dir")
    evaluate.add_argument("--epoch", type=int, default=None, help="GAN epoch (default: the last)")
    evaluate.add_argument("--n", type=int, default=5000, help="samples to score")

    pre = commands.add_parser("pretrain", help="regenerate the shipped runs under checkpoints/shipped/")
    pre.add_argument("--device", default="auto")
    pre.add_argument("--force", action="store_true", help="retrain runs that already exist")
    pre.add_argument("--root", default=None, help="where to write (default: checkpoints/shipped)")
    add_engine_flag(pre)

    bench = commands.add_parser("bench", help="time our loops beside the classic loops, in one run")
    bench.add_argument("--device", default=None)
    bench.add_argument("--quick", action="store_true", help="a few iterations each: checks it runs and matches")

    lister = commands.add_parser("list", help="print one JSON object per run found")
    lister.add_argument("--root", default=None, help="folder to search (default: checkpoints/)")

    export = commands.add_parser("export", help="write a run as one zip file, to keep or share")
    export.add_argument("run_dir")
    export.add_argument("--out", required=True, help="the .zip file to write")
    opener = commands.add_parser("import", help="open a zip written by export (checked first) as a new run")
    opener.add_argument("zip_file")
    opener.add_argument("--runs-dir", default=None, help="where the run goes (default: GENLIB_RUNS_DIR, else "
                        "checkpoints/user)")
    return parser


def given_settings(args, cls) -> dict:
    """The settings of cls the user passed, with aliases spread over the settings they stand for."""
    names = {f.name for f in dataclasses.fields(cls)}
    given = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    for alias, settings in ALIASES.get(args.kind, {}).items():
        if getattr(args, alias, None) is not None:
            given.update({s: getattr(args, alias) for s in settings if s in names})
    return given


def parsed(cls, values: dict):
    """A config from the flags' values; a bad value's message names its flag."""
    from .training.configs import parse_config

    try:
        return parse_config(cls, values)
    except ConfigError as err:
        raise GenlibError(err.named(flag)) from None


def cmd_train(args) -> int:
    from .cli_progress import TerminalProgress
    from .runs.store import Run
    from .training.fit import fit

    stop = threading.Event()  # Ctrl-C finishes cleanly: the partial epoch is dropped, the run stays resumable
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    run = Run(args.out)
    if run.path.exists() and not run.path.is_dir():
        raise GenlibError(f"--out {run.path} is a file; give a folder for the run.")
    if run.exists() and not args.resume:
        raise GenlibError(f"{run.path} already holds a run; pass --resume to continue it or choose another --out.")
    if args.resume and (not run.exists() or run.resume_state_path() is None):
        raise GenlibError(f"{run.path} holds no resumable run; train it without --resume.")
    saved = run.expect_kind(args.kind) if args.resume else {"model": {}, "train": {}}
    model_cls, train_cls = config_classes(args.kind)
    # on resume, what is given overrides what was saved
    model = parsed(model_cls, {**saved["model"], **given_settings(args, model_cls)})
    train = parsed(train_cls, {**saved["train"], **given_settings(args, train_cls)})
    result = fit(args.kind, model, train, run.path, TerminalProgress(), stop)
    if "command" not in run.config()["provenance"]:  # how the run was made, in its own record (not its resumes)
        run.add_provenance(command=" ".join(["python -m genlib", *sys.argv[1:]]))
    if result.status != "complete":
        print(f"error: {result.message}", file=sys.stderr)
        return 1
    print(f"saved {len(result.epochs)} epoch(s) to {run.path}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def batch_engine(args, batch: int):
    """The engine a batch command trains on; a Ray started here for it is stopped at the end."""
    if args.ray is None:
        import torch
        from .training.jobs import ThreadEngine
        slots = min(batch, os.cpu_count() or 1)
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // slots))  # parallel runs share the cores
        engine = ThreadEngine(slots=slots)
    else:
        from .training.ray_engine import RayEngine, start_local
        if args.ray == "local":
            start_local()
        engine = RayEngine(None if args.ray == "local" else args.ray)
    try:
        yield engine
    finally:
        if args.ray == "local":
            import ray
            ray.shutdown()


def follow(batch_stop: threading.Event):
    """Terminal output for a batch of runs, and Ctrl-C that stops all of them."""
    from .training.sweep import describe

    signal.signal(signal.SIGINT, lambda *_: batch_stop.set())
    return lambda jobs: print(" | ".join(describe(j) for j in jobs), file=sys.stderr, flush=True)


def cmd_sweep(args) -> int:
    from .training.sweep import Planned, expand, run_all, run_name

    model_cls, train_cls = config_classes(args.kind)
    given = {**given_settings(args, model_cls), **given_settings(args, train_cls)}
    model_names = {f.name for f in dataclasses.fields(model_cls)}
    planned = []
    for combo in expand(given):
        varied = {k: v for k, v in combo.items() if "," in str(given[k])}
        model = parsed(model_cls, {k: v for k, v in combo.items() if k in model_names})
        train = parsed(train_cls, {k: v for k, v in combo.items() if k not in model_names})
        planned.append(Planned(run_name(varied), args.kind, model, train))
    taken = [p.name for p in planned if (Path(args.out) / p.name).exists()]
    if taken:
        raise GenlibError(f"{args.out} already holds {', '.join(taken)}; choose another --out.")
    stop = threading.Event()
    with batch_engine(args, len(planned)) as engine:
        ended = run_all(engine, f"sweep-{os.getpid()}", planned, args.out, follow(stop), stop)
    failed = [j for j in ended if j.status != "complete"]
    print(f"{len(ended) - len(failed)} of {len(ended)} run(s) complete under {args.out}", file=sys.stderr)
    return 1 if failed else 0


def cmd_sample(args) -> int:
    import numpy as np
    from .loading import sample_run

    if args.n < 1:
        raise GenlibError(f"--n must be at least 1, got {args.n}.")
    if not str(args.out).endswith(".npy"):
        raise GenlibError(f"--out must name a .npy file, got {args.out!r}.")
    images = sample_run(args.run_dir, args.n, args.epoch, args.seed)[:, 0].numpy().astype(np.float32)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    np.save(args.out, images)
    print(f"wrote {images.shape} to {args.out}", file=sys.stderr)
    return 0


def cmd_eval(args) -> int:
    from .evaluation.evaluate import evaluate_run

    if not 100 <= args.n <= 100_000:
        raise GenlibError(f"--n must be between 100 and 100000, got {args.n}.")
    print(json.dumps(evaluate_run(args.run_dir, args.epoch, args.n)))
    return 0


def cmd_pretrain(args) -> int:
    import time
    from .pretrain import plan, pretrain
    from .runs.store import SHIPPED_DIR

    started, stop = time.perf_counter(), threading.Event()
    with batch_engine(args, len(plan(args.device))) as engine:
        made = pretrain(engine, Path(args.root) if args.root else SHIPPED_DIR, args.device, args.force, follow(stop),
                        announce=lambda text: print(text, file=sys.stderr, flush=True), stop=stop)
    print(f"made {len(made)} run(s) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    from .bench.bench import run_bench, table

    rows = run_bench(args.device, args.quick, report=lambda text: print(text, file=sys.stderr, flush=True))
    print(table(rows))
    print(json.dumps(rows))
    mismatched = [r["task"] for r in rows if not r["match"]]
    if mismatched:
        print(f"error: results differ from the reference for: {', '.join(mismatched)}", file=sys.stderr)
        return 1
    return 0


def cmd_list(args) -> int:
    from .runs.store import scan_runs

    runs, problems = scan_runs(args.root)
    for run in runs:
        print(json.dumps(run.as_dict()))
    for path, problem in problems:
        print(f"skipped {path}: {problem}", file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from .runs.archive import export_run

    if not str(args.out).endswith(".zip"):
        raise GenlibError(f"--out must name a .zip file, got {args.out!r}.")
    export_run(args.run_dir, args.out)
    print(f"wrote {args.run_dir} to {args.out}", file=sys.stderr)
    return 0


def cmd_import(args) -> int:
    from .transfer import import_run

    path = import_run(args.zip_file, args.runs_dir)
    print(path)  # the new run's folder, for scripts
    print(f"opened {args.zip_file} as {path}", file=sys.stderr)
    return 0


COMMANDS = {"train": cmd_train, "sweep": cmd_sweep, "sample": cmd_sample, "eval": cmd_eval, "pretrain": cmd_pretrain, "bench": cmd_bench,
            "list": cmd_list, "export": cmd_export, "import": cmd_import}


# glibc's malloc, for the commands that train: read at process start, so the CLI starts again with them. By
# default it hands freed blocks back to the system and maps them afresh (zeroed, page by page) when the next step
# asks: an infogan step allocates and frees gradients of 25 MiB (its 6272x1024 layers') several times, and those
# page faults took a third of the CPU here (a step 270-326 -> 199-224 ms, docs/benchmarks.md). Blocks up to
# 32 MiB (glibc's largest threshold) come from the heap, and up to 1 GiB of freed heap stays mapped.
TRAINING_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 30),
                   "MALLOC_TOP_PAD_": str(64 << 20)}
TRAINING_COMMANDS = ("train", "sweep", "pretrain")


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if argv is None and args.command in TRAINING_COMMANDS and not TRAINING_MALLOC.items() <= os.environ.items():
        os.environ.update(TRAINING_MALLOC)
        os.execv(sys.executable, [sys.executable, "-m", "genlib", *sys.argv[1:]])
    import torch
    torch.set_num_threads(os.cpu_count() or 1)  # the CLI owns the machine: use every core
    try:
        return COMMANDS[args.command](args)
    except GenlibError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # an unwritable --out, a full disk: say which file, not a traceback
        print(f"error: {err.strerror or err}: {err.filename or ''}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
