"""FER-2013: train on Training; PublicTest accuracy, macro F1, per-class recall.

Each configuration gets the same wall-clock training budget (default 15 minutes):
a short calibration fit measures images/s, and the number of epochs is set so the
full fit fits the budget (one-cycle schedules need the epoch count up front). The
hand-written PyTorch baseline (``--baseline``) is the bar of issue #3: a plain
584k-parameter CNN, one-cycle LR, flip + shift augmentation, label smoothing 0.1,
flip test-time augmentation; it is measured in the same run, on the same budget.

Usage::

    python benchmarks/bench_fer2013.py \
        --data ../shared/data/fer2013/fer2013_train_publictest.npz --baseline
    python benchmarks/bench_fer2013.py --data ... --backbones compact basic \
        --budget-min 5
    python benchmarks/bench_fer2013.py --data ... --config '{"tta": true}'
    # training speed only (sets a fair epoch count when the machine is busy):
    python benchmarks/bench_fer2013.py --data ... --speed \
        --output benchmarks/results/bench_fer2013_speed.json

Results go to ``benchmarks/results/bench_fer2013.json``. Exits 0 with a message
when ``--data`` does not exist (the data set is not part of the repository).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import take_turns, write_result  # noqa: E402

from affect_sklearn import AffectCNNClassifier  # noqa: E402
from affect_sklearn.datasets import load_fer2013, make_split  # noqa: E402
from affect_sklearn.metrics import affect_report  # noqa: E402


def load(path):
    data = load_fer2013(path)
    usage = np.char.lower(np.asarray(data.usage).astype(str))
    tr = np.isin(usage, ["training", "train"])
    te = np.isin(usage, ["publictest", "test"])
    return (
        data.images[tr],
        data.target[tr],
        data.images[te],
        data.target[te],
        list(data.target_names),
    )


def summarise(name, y_true, proba, names, train_s, epochs, n_params, ips):
    y_pred = proba.argmax(1)
    rep = affect_report(y_true, y_pred, y_proba=proba, labels=np.arange(len(names)))
    recall = {names[i]: round(float(rep[f"recall_{i}"]), 4) for i in range(len(names))}
    return {
        "config": name,
        "epochs": epochs,
        "params": n_params,
        "train_seconds": round(train_s, 1),
        "train_images_per_s": round(ips, 1),
        "accuracy": round(float(rep["accuracy"]), 4),
        "f1_macro": round(float(rep["f1_macro"]), 4),
        "cohen_kappa": round(float(rep["cohen_kappa"]), 4),
        "recall": recall,
    }


# --------------------------------------------------------------------- ours
def run_estimator(backbone, X_tr, y_tr, X_te, y_te, names, budget_s, args):
    extra = json.loads(args.config) if args.config else {}
    params = dict(backbone=backbone, random_state=args.seed, device="cpu", **extra)
    if args.epochs:
        epochs = args.epochs
    else:
        # four short epochs, so that an epoch-dependent cost (progressive
        # resizing, augment={"resize_from": ...}) is averaged over its schedule
        n_cal, cal_epochs = min(len(X_tr), 1024), 4
        cal = AffectCNNClassifier(**{**params, "max_epochs": cal_epochs})
        t = time.perf_counter()
        cal.fit(X_tr[:n_cal], y_tr[:n_cal])
        ips = cal_epochs * n_cal / (time.perf_counter() - t)
        epochs = max(1, math.floor(budget_s * ips / len(X_tr)))
        print(
            f"[{backbone}] calibration: {ips:.0f} img/s -> {epochs} epochs", flush=True
        )
    clf = AffectCNNClassifier(
        **{**params, "max_epochs": epochs, "verbose": args.verbose}
    )
    t = time.perf_counter()
    clf.fit(X_tr, y_tr)
    train_s = time.perf_counter() - t
    if args.save_model:
        import joblib

        joblib.dump(clf, args.save_model)
        print(f"saved the fitted estimator to {args.save_model}", flush=True)
    proba = clf.predict_proba(X_te)
    n_params = sum(p.numel() for p in clf.net_.module_.parameters())
    label = backbone + (f" {json.dumps(extra, sort_keys=True)}" if extra else "")
    return summarise(
        label,
        y_te,
        proba,
        names,
        train_s,
        epochs,
        n_params,
        len(X_tr) * epochs / train_s,
    )


# --------------------------------------------------------------------- baseline
def _cbr(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


def plain_cnn(n_classes=7):
    """The plain 584k-parameter CNN of the hand-written baseline."""
    return nn.Sequential(
        _cbr(1, 32),
        _cbr(32, 32, 2),
        _cbr(32, 64),
        _cbr(64, 64, 2),
        _cbr(64, 128),
        _cbr(128, 128, 2),
        _cbr(128, 256),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(256, n_classes),
    )


def _augment(x, gen):
    """Random horizontal flip and shifts of up to 4 pixels, batch-wise."""
    flip = torch.rand(len(x), generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    pad = F.pad(x, (4, 4, 4, 4), mode="replicate")
    dx, dy = torch.randint(0, 9, (2,), generator=gen).tolist()
    return pad[:, :, dy : dy + x.shape[2], dx : dx + x.shape[3]]


def run_baseline(X_tr, y_tr, X_te, y_te, names, budget_s, args):
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    Xt = torch.from_numpy(X_tr).float().div_(255).unsqueeze(1)
    yt = torch.from_numpy(np.asarray(y_tr, dtype=np.int64))
    mean, std = Xt.mean(), Xt.std()
    Xt = ((Xt - mean) / std).contiguous(memory_format=torch.channels_last)
    Xe = (torch.from_numpy(X_te).float().div_(255).unsqueeze(1) - mean) / std
    bs = 64
    steps = math.ceil(len(Xt) / bs)

    def train(model, epochs, n=None):
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=3e-3, total_steps=epochs * steps
        )
        n = n or len(Xt)
        for _ in range(epochs):
            model.train()
            perm = torch.randperm(n, generator=gen)
            for i in range(0, n, bs):
                idx = perm[i : i + bs]
                xb = _augment(Xt[idx], gen)
                loss = F.cross_entropy(model(xb), yt[idx], label_smoothing=0.1)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()

    if args.epochs:
        epochs = args.epochs
    else:
        m = plain_cnn().to(memory_format=torch.channels_last)
        t = time.perf_counter()
        train(m, 1, n=2048)
        ips = 2048 / (time.perf_counter() - t)
        epochs = max(1, math.floor(budget_s * ips / len(Xt)))
        print(f"[baseline] calibration: {ips:.0f} img/s -> {epochs} epochs", flush=True)
    model = plain_cnn().to(memory_format=torch.channels_last)
    t = time.perf_counter()
    train(model, epochs)
    train_s = time.perf_counter() - t
    model.eval()
    with torch.no_grad():
        outs = []
        for i in range(0, len(Xe), 256):
            xb = Xe[i : i + 256]
            outs.append((model(xb).softmax(1) + model(xb.flip(-1)).softmax(1)) / 2)
        proba = torch.cat(outs).numpy()
    n_params = sum(p.numel() for p in model.parameters())
    return summarise(
        "hand-written PyTorch loop (plain CNN, LS 0.1, flip TTA)",
        y_te,
        proba,
        names,
        train_s,
        epochs,
        n_params,
        len(Xt) * epochs / train_s,
    )


def measure_speed(X_tr, y_tr, X_te, y_te, names, args, n=4096, repeat=4, epochs=4):
    """Training images/s of our estimator and of the loop, alternating, in one run.

    Each repeat fits ``epochs`` epochs of ``n / epochs`` Training faces both
    ways (``n`` images in all; several epochs, so that an epoch-dependent cost
    such as progressive resizing is averaged over its schedule), ours first on
    even repeats and the loop first on odd ones; the medians say how many
    epochs each side fits in the budget.
    """
    extra = json.loads(args.config) if args.config else {}
    params = dict(random_state=args.seed, device="cpu", max_epochs=epochs, **extra)
    n = min(n, len(X_tr)) // epochs * epochs
    m = n // epochs
    AffectCNNClassifier(**params).fit(X_tr[:256], y_tr[:256])  # warm-up
    loop_args = argparse.Namespace(seed=args.seed, epochs=epochs)
    speeds = {bb: [] for bb in args.backbones}
    speeds["baseline"] = []

    def time_ours(bb):
        t = time.perf_counter()
        AffectCNNClassifier(backbone=bb, **params).fit(X_tr[:m], y_tr[:m])
        speeds[bb].append(n / (time.perf_counter() - t))

    def time_loop():
        t = time.perf_counter()
        run_baseline(X_tr[:m], y_tr[:m], X_te[:64], y_te[:64], names, 0, loop_args)
        speeds["baseline"].append(n / (time.perf_counter() - t))

    take_turns(
        [lambda bb=bb: time_ours(bb) for bb in args.backbones] + [time_loop],
        repeat,
        after=lambda: print({k: round(v[-1]) for k, v in speeds.items()}, flush=True),
    )
    out = {"n_timed": m, "timed_epochs": epochs}
    for key, values in speeds.items():
        ips = float(np.median(values))
        out[key] = {
            "images_per_s": round(ips, 1),
            "all": [round(v, 1) for v in values],
            "epochs_in_budget": round(args.budget_min * 60 * ips / len(X_tr), 2),
        }
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        default=str(
            Path(__file__).resolve().parents[1]
            / ".."
            / "shared/data/fer2013/fer2013_train_publictest.npz"
        ),
    )
    parser.add_argument("--backbones", nargs="*", default=["compact"])
    parser.add_argument("--budget-min", type=float, default=15.0)
    parser.add_argument("--epochs", type=int, default=None, help="skip calibration")
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument(
        "--speed",
        action="store_true",
        help="only measure training images/s, ours and the loop, alternating",
    )
    parser.add_argument("--config", default=None, help="JSON of extra estimator params")
    parser.add_argument("--max-train", type=int, default=None)
    parser.add_argument(
        "--holdout",
        type=float,
        default=None,
        help="test on this stratified fraction of Training (seed 0), trained on "
        "the rest, instead of PublicTest: for choosing settings without "
        "looking at the test split",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--verbose", type=int, default=0)
    parser.add_argument("--output", default=None)
    parser.add_argument(
        "--save-model",
        default=None,
        help="joblib file for the fitted estimator (one backbone only)",
    )
    args = parser.parse_args(argv)
    if args.holdout is not None and not 0 < args.holdout < 1:
        parser.error(
            f"--holdout takes a fraction in (0, 1), e.g. 0.125; got {args.holdout}"
        )
    if not Path(args.data).exists():
        print(f"FER-2013 data not found at {args.data}; pass --data. Skipping.")
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    X_tr, y_tr, X_te, y_te, names = load(args.data)
    split_name = "train on Training, test on PublicTest"
    if args.holdout:
        part = make_split(y_tr, test_size=args.holdout, val_size=0, random_state=0)
        X_te, y_te = X_tr[part.test], y_tr[part.test]
        X_tr, y_tr = X_tr[part.train], y_tr[part.train]
        split_name = (
            f"train on {1 - args.holdout:.1%} of Training, test on the other "
            f"{args.holdout:.1%} (stratified, seed 0); PublicTest unused"
        )
    if args.max_train:
        X_tr, y_tr = X_tr[: args.max_train], y_tr[: args.max_train]
    if args.save_model and len(args.backbones) != 1:
        parser.error("--save-model takes one backbone")
    budget_s = args.budget_min * 60
    print(
        f"train {len(X_tr)}, test {len(X_te)}, budget {args.budget_min} min", flush=True
    )
    if args.speed:
        speed = measure_speed(X_tr, y_tr, X_te, y_te, names, args)
        n_timed, timed_epochs = speed.pop("n_timed"), speed.pop("timed_epochs")
        for key, v in speed.items():
            print(
                f"{key:10s} {v['images_per_s']:7.1f} img/s -> "
                f"{v['epochs_in_budget']:.2f} epochs in {args.budget_min} min"
            )
        settings = {
            "budget_min": args.budget_min,
            "train": len(X_tr),
            "n_timed": n_timed,
            "timed_epochs": timed_epochs,
            "config": args.config,
            "threads": torch.get_num_threads(),
        }
        path = write_result(
            "bench_fer2013", {"settings": settings, "speed": speed}, args.output
        )
        print(f"wrote {path}")
        return 0
    results = []
    if args.baseline:
        results.append(run_baseline(X_tr, y_tr, X_te, y_te, names, budget_s, args))
        print(json.dumps(results[-1]), flush=True)
    for bb in args.backbones:
        results.append(run_estimator(bb, X_tr, y_tr, X_te, y_te, names, budget_s, args))
        print(json.dumps(results[-1]), flush=True)
    print(f"\n{'config':58s} {'epochs':>6s} {'train s':>8s} {'acc':>6s} {'F1':>6s}")
    for r in results:
        print(
            f"{r['config'][:58]:58s} {r['epochs']:6d} {r['train_seconds']:8.0f} "
            f"{r['accuracy']:6.3f} {r['f1_macro']:6.3f}"
        )
    path = write_result(
        "bench_fer2013",
        {
            "settings": {
                "budget_min": args.budget_min,
                "train": len(X_tr),
                "test": len(X_te),
                "seed": args.seed,
                "split": split_name,
            },
            "results": results,
        },
        args.output,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
