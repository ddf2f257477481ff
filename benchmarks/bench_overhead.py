"""Estimator overhead: AffectCNNClassifier vs a plain PyTorch loop, same model and data.

For each built-in backbone, in one run: train the same module (same init, same
data, same epochs, AdamW + one-cycle, batch 64, label smoothing 0.1, no
augmentation) once through ``AffectCNNClassifier.fit`` and once with a
hand-written loop over in-memory tensors, ``--repeat`` times, alternating which
goes first, and report the median of the per-repeat wall-time ratios (goal <=
1.05) and images/s. Then time inference at batch 1 and batch 256 both ways.

Usage::

    python benchmarks/bench_overhead.py                 # all built-in backbones
    python benchmarks/bench_overhead.py --backbones compact --n-samples 4096

Results go to ``benchmarks/results/bench_overhead.json``.
"""

from __future__ import annotations

import argparse
import copy
import math
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import take_turns, write_result  # noqa: E402

from affect_sklearn import AffectCNNClassifier  # noqa: E402
from affect_sklearn.datasets import make_faces  # noqa: E402


def plain_train(module, X, y, epochs, batch_size, lr, seed):
    """The loop a user would write: shuffled batches of in-memory tensors."""
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(module.parameters(), lr=lr, weight_decay=1e-4)
    steps = math.ceil(len(X) / batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=epochs * steps
    )
    Xt = torch.from_numpy(X).float().div_(255).unsqueeze(1)
    yt = torch.from_numpy(y)
    for _ in range(epochs):
        module.train()
        perm = torch.randperm(len(Xt))
        for i in range(0, len(Xt), batch_size):
            idx = perm[i : i + batch_size]
            # label smoothing 0.1: the estimator's default loss
            loss = F.cross_entropy(module(Xt[idx]), yt[idx], label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return module


def time_inference(fn, n_images, repeat=3):
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n_images / best


def bench_backbone(name, X, y, args):
    params = dict(
        backbone=name,
        max_epochs=args.epochs,
        batch_size=64,
        augment=False,
        random_state=0,
        device="cpu",
        lr=3e-3,
    )
    # warm-up (first oneDNN calls, imports) outside the timings
    # (its module is also the architecture the plain loop trains)
    warm = AffectCNNClassifier(**{**params, "max_epochs": 1}).fit(X[:128], y[:128])

    ours_s, plain_s = [], []
    clf = None

    def train_ours():
        nonlocal clf
        clf = AffectCNNClassifier(**params)
        t = time.perf_counter()
        clf.fit(X, y)
        ours_s.append(time.perf_counter() - t)

    def train_plain():
        # the same architecture, freshly initialised, trained by hand
        module = copy.deepcopy(warm.net_.module_)
        for m in module.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
        t = time.perf_counter()
        plain_train(module, X, y, args.epochs, 64, 3e-3, 0)
        plain_s.append(time.perf_counter() - t)

    take_turns([train_ours, train_plain], args.repeat)
    ours, plain = statistics.median(ours_s), statistics.median(plain_s)
    # each repeat's ratio, and their median: robust to a noisy neighbour
    pair_ratios = [o / p for o, p in zip(ours_s, plain_s, strict=True)]
    n_train = len(X) * args.epochs

    # inference: our predict_proba vs module(x) under no_grad
    module = clf.net_.module_.eval()
    Xt = torch.from_numpy(X[:256]).float().div_(255).unsqueeze(1)
    clf.net_.batch_size = 256  # predict in batches of 256

    def plain_batch():
        with torch.no_grad():
            torch.softmax(module(Xt), 1)

    def plain_single():
        with torch.no_grad():
            for i in range(32):
                torch.softmax(module(Xt[i : i + 1]), 1)

    def ours_single():
        for i in range(32):
            clf.predict_proba(X[i : i + 1])

    inf = {
        "ours_batch256": time_inference(lambda: clf.predict_proba(X[:256]), 256),
        "plain_batch256": time_inference(plain_batch, 256),
        "ours_batch1": time_inference(ours_single, 32),
        "plain_batch1": time_inference(plain_single, 32),
    }
    row = {
        "backbone": name,
        "params": sum(p.numel() for p in module.parameters()),
        "train_ours_s": round(ours, 2),
        "train_plain_s": round(plain, 2),
        "train_ratio": round(statistics.median(pair_ratios), 3),
        "train_ratio_all": [round(r, 3) for r in pair_ratios],
        "train_ours_all_s": [round(v, 2) for v in ours_s],
        "train_plain_all_s": [round(v, 2) for v in plain_s],
        "train_images_per_s_ours": round(n_train / ours, 1),
        "train_images_per_s_plain": round(n_train / plain, 1),
        **{f"infer_{k}_images_per_s": round(v, 1) for k, v in inf.items()},
        "infer_ratio_batch256": round(inf["plain_batch256"] / inf["ours_batch256"], 3),
        "infer_ratio_batch1": round(inf["plain_batch1"] / inf["ours_batch1"], 3),
    }
    print(row, flush=True)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backbones",
        nargs="*",
        default=["basic", "compact", "xception", "resnet", "vgg"],
    )
    parser.add_argument("--n-samples", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    faces = make_faces(n_samples=args.n_samples, random_state=0)
    X, y = faces.images, faces.target
    rows = [bench_backbone(b, X, y, args) for b in args.backbones]
    print(
        f"\n{'backbone':10s} {'ratio':>6s} {'ours img/s':>10s} {'plain img/s':>11s} "
        f"{'inf b256':>9s} {'inf b1':>7s}"
    )
    for r in rows:
        print(
            f"{r['backbone']:10s} {r['train_ratio']:6.3f} "
            f"{r['train_images_per_s_ours']:10.1f} "
            f"{r['train_images_per_s_plain']:11.1f} "
            f"{r['infer_ours_batch256_images_per_s']:9.1f} "
            f"{r['infer_ours_batch1_images_per_s']:7.1f}"
        )
    path = write_result(
        "bench_overhead",
        {
            "settings": {
                "n_samples": args.n_samples,
                "epochs": args.epochs,
                "repeat": args.repeat,
                "image_size": 48,
                "batch_size": 64,
                "note": "ratio = our fit wall time / plain loop wall time, same run",
            },
            "results": rows,
        },
        args.output,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
