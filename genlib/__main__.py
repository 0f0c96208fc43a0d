"""The command line: python -m genlib train|sample|list|eval ...

Bad input ends with exit status 2 and one line on stderr saying what was wrong.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from .errors import GenlibError


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _train_options(p: argparse.ArgumentParser, with_model=True) -> None:
    p.add_argument("--epochs", type=str, default=None)
    p.add_argument("--out", required=True, help="run folder to create (or continue with --resume)")
    p.add_argument("--batch-size", type=str, default=None)
    p.add_argument("--lr", type=str, default=None)
    p.add_argument("--seed", type=str, default=None)
    p.add_argument("--device", type=str, default=None, help="auto (default), cpu, cuda, mps")
    p.add_argument("--train-limit", type=str, default=None, help="use only the first N training images")
    p.add_argument("--dataset", type=str, default=None, help="mnist (default) or fashion-mnist")
    p.add_argument("--resume", action="store_true", help="continue a stopped run from its last epoch")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m genlib", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    train = commands.add_parser("train", help="train a VAE, a GAN or the judge classifier")
    kinds = train.add_subparsers(dest="kind", required=True, parser_class=OneLineParser)
    vae = kinds.add_parser("vae")
    _train_options(vae)
    vae.add_argument("--kl-weight", type=str, default=None)
    vae.add_argument("--kl-warmup-epochs", type=str, default=None)
    vae.add_argument("--latent-dim", type=str, default=None)
    vae.add_argument("--arch", type=str, default=None, help="mlp (default) or conv")
    vae.add_argument("--hidden", type=str, default=None)
    gan = kinds.add_parser("gan")
    _train_options(gan)
    gan.add_argument("--arch", type=str, default=None, help="small (default, CPU) or seed (GPU)")
    gan.add_argument("--noise", type=str, default=None, help="uniform (default, as the seed) or normal")
    gan.add_argument("--metric-samples", type=str, default=None, help="samples the judge scores each epoch")
    clf = kinds.add_parser("classifier")
    _train_options(clf)

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

    bench = commands.add_parser("bench", help="time our loops beside the classic loops, in one run")
    bench.add_argument("--device", default=None)
    bench.add_argument("--quick", action="store_true", help="a few iterations each: checks it runs and matches")

    lister = commands.add_parser("list", help="print one JSON object per run found")
    lister.add_argument("--root", default=None, help="folder to search (default: checkpoints/)")
    return parser


def _given(args, names: dict[str, str]) -> dict:
    """Config values the user passed, keyed by config field name."""
    return {field: getattr(args, attr) for attr, field in names.items() if getattr(args, attr, None) is not None}


TRAIN_FIELDS = {"epochs": "epochs", "batch_size": "batch_size", "seed": "seed", "device": "device",
                "train_limit": "train_limit", "dataset": "dataset"}


def cmd_train(args) -> int:
    import torch
    from .cli_progress import TerminalProgress
    from .checkpoints import Run
    from .config import ClassifierTrainConfig, GANTrainConfig, VAETrainConfig, parse_config
    from .evaluate import epoch_metrics_hook
    from .models import GANConfig, VAEConfig
    from .train import fit_gan, fit_vae

    torch.set_num_threads(os.cpu_count() or 1)  # the CLI owns the machine: use every core
    stop = threading.Event()  # Ctrl-C finishes cleanly: the partial epoch is dropped, the run stays resumable
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise GenlibError(f"--out {out} is a file; give a folder for the run.")
    if (out / "config.json").exists() and not args.resume:
        raise GenlibError(f"{out} already holds a run; pass --resume to continue it or choose another --out.")
    if args.resume and (not (out / "config.json").is_file() or Run(out).resume_state_path() is None):
        raise GenlibError(f"{out} holds no resumable run; train it without --resume.")
    saved = Run(out).expect_kind(args.kind) if args.resume else {"model": {}, "train": {}}
    given = {**saved["train"], **_given(args, TRAIN_FIELDS)}  # on resume, what is given overrides what was saved
    if args.kind == "vae":
        model = parse_config(VAEConfig, {**saved["model"], **_given(args, {"latent_dim": "latent_dim", "arch": "arch",
                                                                           "hidden": "hidden"})})
        train = parse_config(VAETrainConfig, {**given, **_given(args, {"lr": "lr", "kl_weight": "kl_weight",
                                                                        "kl_warmup_epochs": "kl_warmup_epochs"})})
        result = fit_vae(model, train, out, TerminalProgress(), stop, epoch_metrics_hook("vae", 2000))
    elif args.kind == "gan":
        model = parse_config(GANConfig, {**saved["model"], **_given(args, {"arch": "arch", "noise": "noise"})})
        lr = {"lr_g": args.lr, "lr_d": args.lr} if args.lr is not None else {}
        train = parse_config(GANTrainConfig, {**given, **lr, **_given(args, {"metric_samples": "metric_samples"})})
        result = fit_gan(model, train, out, TerminalProgress(), stop,
                         epoch_metrics_hook("gan", train.metric_samples))
    else:
        from .judge import fit_classifier
        train = parse_config(ClassifierTrainConfig, {**given, **_given(args, {"lr": "lr"})})
        result = fit_classifier(train, out, TerminalProgress(), stop)
    if result.status != "complete":
        print(f"error: {result.message}", file=sys.stderr)
        return 1
    print(f"saved {len(result.epochs)} epoch(s) to {out}", file=sys.stderr)
    return 0


def cmd_sample(args) -> int:
    import numpy as np
    from .restore import sample_run

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
    import torch
    from .evaluate import evaluate_run

    if not 100 <= args.n <= 100_000:
        raise GenlibError(f"--n must be between 100 and 100000, got {args.n}.")
    torch.set_num_threads(os.cpu_count() or 1)
    print(json.dumps(evaluate_run(args.run_dir, args.epoch, args.n)))
    return 0


def cmd_pretrain(args) -> int:
    import time
    import torch
    from .cli_progress import TerminalProgress
    from .pretrain import SHIPPED_DIR, pretrain

    torch.set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    made = pretrain(Path(args.root) if args.root else SHIPPED_DIR, args.device, args.force, TerminalProgress(),
                    announce=lambda text: print(text, file=sys.stderr, flush=True))
    print(f"made {len(made)} run(s) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


def cmd_bench(args) -> int:
    import torch
    from .bench import run_bench, table

    torch.set_num_threads(os.cpu_count() or 1)
    rows = run_bench(args.device, args.quick, report=lambda text: print(text, file=sys.stderr, flush=True))
    print(table(rows))
    print(json.dumps(rows))
    mismatched = [r["task"] for r in rows if not r["match"]]
    if mismatched:
        print(f"error: results differ from the reference for: {', '.join(mismatched)}", file=sys.stderr)
        return 1
    return 0


def cmd_list(args) -> int:
    from .checkpoints import scan_runs

    runs, problems = scan_runs(args.root)
    for run in runs:
        print(json.dumps(run.as_dict()))
    for path, problem in problems:
        print(f"skipped {path}: {problem}", file=sys.stderr)
    return 0


COMMANDS = {"train": cmd_train, "sample": cmd_sample, "eval": cmd_eval, "pretrain": cmd_pretrain, "bench": cmd_bench,
            "list": cmd_list}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
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
