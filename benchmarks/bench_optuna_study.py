"""Optuna study vs GridSearchCV on one search space: trials and time to a score.

The space: backbone, learning rate, dropout, loss (cross-entropy or focal, with
its gamma) and per-class sampling weights. ``OptunaSearchCV`` draws trials with
TPE and prunes bad ones after any epoch (``EpochPruning`` on the validation
accuracy, ``MedianPruner``); ``GridSearchCV`` tries every point of a grid over
the same parameters. Both score macro F1 with the same cross-validation, one fit
at a time. The target is the best score both searches reached (the lower of the
two bests); the script reports how many trials and how many seconds each search
needed to reach it, and each one's best.

Synthetic faces with FER-2013's class proportions by default; ``--data`` uses a
stratified sample of FER-2013 Training (``--max-train``). Writes, under
``benchmarks/results/``:

- ``bench_optuna_study.json``: settings, both searches, the comparison;
- ``bench_optuna_study_trials.csv``: Optuna's trials table;
- ``bench_optuna_study_grid.csv``: GridSearchCV's ``cv_results_``;
- ``bench_optuna_study_history.png``, ``bench_optuna_study_importances.png``:
  Optuna's optimisation history and parameter importances;
- ``bench_optuna_study_vs_grid.png``: best score so far against time, both.

Usage::

    python benchmarks/bench_optuna_study.py --quick        # ~2 min on 2 cores
    python benchmarks/bench_optuna_study.py --n-trials 60
    python benchmarks/bench_optuna_study.py \
        --data ../shared/data/fer2013/fer2013_train_publictest.npz --max-train 6000
    # the FER-2013 figure of the README (16 trials, the 16-point quick grid):
    python benchmarks/bench_optuna_study.py \
        --data ../shared/data/fer2013/fer2013_train_publictest.npz --quick \
        --max-train 4000 --epochs 6 --width 16 --threads 1 \
        --name bench_optuna_study_fer2013
    # several processes (or machines, with a database URL) on one study:
    python benchmarks/bench_optuna_study.py --storage study.db --study-name s \
        --skip-grid
    # wall time of 1 vs 2 worker processes on the same 16-trial study in one
    # PostgreSQL database (writes bench_optuna_study_workers.json):
    python benchmarks/bench_optuna_study.py --quick --workers 2 \
        --storage postgresql://user@host/db

With ``--workers N`` (and a ``--storage`` that processes share), the script runs
the Optuna search twice on new studies: once in one worker process, then in N
worker processes started at once that split the ``--n-trials`` between them
(each with its own seed), and writes their wall times (process start to the
last one's exit), trial counts and best scores; no grid, no plots.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
import uuid
import warnings
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import torch
from optuna.distributions import CategoricalDistribution, FloatDistribution
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, write_result  # noqa: E402

from affect_sklearn import AffectCNNClassifier  # noqa: E402
from affect_sklearn.datasets import load_fer2013, make_faces  # noqa: E402
from affect_sklearn.model_selection import (  # noqa: E402
    EpochPruning,
    OptunaSearchCV,
    make_storage,
)

FER_COUNTS = np.array([3995, 436, 4097, 7215, 4830, 3171, 4965])


def load_data(args):
    if args.data:
        data = load_fer2013(args.data)
        usage = np.char.lower(np.asarray(data.usage).astype(str))
        tr = np.isin(usage, ["training", "train"])
        X, y = data.images[tr], data.target[tr]
        n = min(args.max_train, len(X))
    else:
        faces = make_faces(
            n_samples=args.n_samples,
            image_size=args.image_size,
            weights=FER_COUNTS / FER_COUNTS.sum(),
            random_state=args.seed,
        )
        X, y = faces.images, faces.target
        n = len(X)
    if n < len(X):
        X, _, y, _ = train_test_split(
            X, y, train_size=n, stratify=y, random_state=args.seed
        )
    return X, y


def spaces(quick):
    """The Optuna space and a grid over the same parameters."""
    backbones = ["basic", "compact"]
    dist = {
        "backbone": CategoricalDistribution(backbones),
        "lr": FloatDistribution(1e-3, 3e-2, log=True),
        "dropout": FloatDistribution(0.0, 0.5),
        "loss": CategoricalDistribution(["cross_entropy", "focal"]),
        "focal_gamma": FloatDistribution(0.5, 4.0),
        "class_sampling_weights": CategoricalDistribution([None, "balanced"]),
    }
    lrs = [3e-3, 1e-2] if quick else [1e-3, 3e-3, 1e-2, 3e-2]
    dropouts = [0.25] if quick else [0.1, 0.4]
    common = {
        "backbone": backbones,
        "lr": lrs,
        "dropout": dropouts,
        "class_sampling_weights": [None, "balanced"],
    }
    gammas = [2.0] if quick else [1.0, 3.0]
    grid = [
        {**common, "loss": ["cross_entropy"]},
        {**common, "loss": ["focal"], "focal_gamma": gammas},
    ]
    return dist, grid


def first_reach(scores, elapsed, target):
    """(trials, seconds) when the best-so-far first reached ``target``."""
    best = np.fmax.accumulate(np.nan_to_num(np.asarray(scores, float), nan=-np.inf))
    hit = np.flatnonzero(best >= target - 1e-12)
    if not len(hit):
        return None, None
    i = int(hit[0])
    return i + 1, round(float(elapsed[i]), 1)


def make_search(estimator, dist, cv, args, n_trials, study_name, seed):
    pruned_est = clone(estimator).set_params(
        net_kwargs={"callbacks": [("prune", EpochPruning("valid_acc"))]}
    )
    return OptunaSearchCV(
        pruned_est,
        dist,
        scoring="f1_macro",
        cv=cv,
        n_trials=n_trials,
        refit=False,
        storage=args.storage,
        study_name=study_name,
        load_if_exists=args.storage is not None,
        # no pruning before half of the first fold's epochs: early epochs are noisy
        pruner=optuna.pruners.MedianPruner(
            n_startup_trials=3, n_warmup_steps=args.epochs // 2
        ),
        random_state=seed,
    )


def _fit_worker(search, X, y, threads):
    """One worker process (spawned): its share of the trials of the study."""
    torch.set_num_threads(threads)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    search.fit(X, y)


def run_workers(estimator, dist, X, y, cv, args):
    """The same study size in 1 and in ``args.workers`` processes: wall times."""
    storage = make_storage(args.storage)
    ctx = multiprocessing.get_context("spawn")  # fresh processes, as on other hosts
    runs = []
    for n in sorted({1, args.workers}):
        name = f"{args.study_name or args.name}-{n}w-{uuid.uuid4().hex[:8]}"
        # create the study (and a new database's tables) before the workers
        optuna.create_study(storage=storage, study_name=name, direction="maximize")
        shares = [args.n_trials // n + (i < args.n_trials % n) for i in range(n)]
        procs = [
            ctx.Process(
                target=_fit_worker,
                args=(
                    make_search(estimator, dist, cv, args, k, name, args.seed + i),
                    X,
                    y,
                    args.threads or 1,
                ),
            )
            for i, k in enumerate(shares)
        ]
        t = time.perf_counter()
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        wall = time.perf_counter() - t
        if any(proc.exitcode != 0 for proc in procs):
            raise RuntimeError(f"a worker of study {name} failed")
        study = optuna.load_study(study_name=name, storage=storage)
        trials = [t for t in study.trials if t.datetime_complete is not None]
        states = [t.state.name for t in trials]
        span = max(t.datetime_complete for t in trials) - min(
            t.datetime_start for t in trials
        )
        runs.append(
            {
                "workers": n,
                "trials_per_worker": shares,
                "trials": len(trials),
                "complete": states.count("COMPLETE"),
                "pruned": states.count("PRUNED"),
                "failed": states.count("FAIL"),
                "wall_seconds": round(wall, 1),
                "study_seconds": round(span.total_seconds(), 1),
                "best_score": round(float(study.best_value), 4),
            }
        )
        print(
            f"{n} worker(s): {len(trials)} trials ({states.count('PRUNED')} pruned) "
            f"in {wall:.0f} s (trials {span.total_seconds():.0f} s), "
            f"best {study.best_value:.4f}"
        )
    return runs


def run_optuna(estimator, dist, X, y, cv, args):
    search = make_search(
        estimator, dist, cv, args, args.n_trials, args.study_name, args.seed
    )
    t = time.perf_counter()
    search.fit(X, y)
    wall = time.perf_counter() - t
    trials = [t for t in search.study_.trials if t.datetime_complete is not None]
    t0 = min(t.datetime_start for t in trials)
    elapsed = [(t.datetime_complete - t0).total_seconds() for t in trials]
    scores = [t.value if t.state.name == "COMPLETE" else np.nan for t in trials]
    return search, wall, np.asarray(scores, float), np.asarray(elapsed)


def run_grid(estimator, grid, X, y, cv):
    search = GridSearchCV(estimator, grid, scoring="f1_macro", cv=cv, refit=False)
    t = time.perf_counter()
    search.fit(X, y)
    wall = time.perf_counter() - t
    res = search.cv_results_
    n_splits = cv.get_n_splits()
    # one job: candidates run in order, each over all folds
    per = (res["mean_fit_time"] + res["mean_score_time"]) * n_splits
    elapsed = np.cumsum(per) * wall / per.sum()  # spread the overhead evenly
    return search, wall, np.asarray(res["mean_test_score"]), elapsed


def save_plots(study, curves, prefix):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as ovm

    paths = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        for name, plot in [
            ("history", ovm.plot_optimization_history),
            ("importances", ovm.plot_param_importances),
        ]:
            try:
                ax = plot(study)
            except (ValueError, RuntimeError) as exc:  # e.g. too few trials
                print(f"skipped the {name} plot: {exc}")
                continue
            fig = ax.figure
            fig.set_size_inches(7, 4.5)
            fig.tight_layout()
            paths.append(f"{prefix}_{name}.png")
            fig.savefig(paths[-1], dpi=110)
            plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, (scores, elapsed) in curves.items():
        best = np.fmax.accumulate(np.nan_to_num(scores, nan=-np.inf))
        best = np.where(np.isfinite(best), best, np.nan)
        ax.step(elapsed, best, where="post", label=label, marker="o", markersize=3)
    ax.set_xlabel("seconds (one fit at a time)")
    ax.set_ylabel("best cross-validated macro F1 so far")
    ax.legend()
    fig.tight_layout()
    paths.append(f"{prefix}_vs_grid.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="FER-2013 npz/CSV/folder")
    parser.add_argument("--quick", action="store_true", help="~2 minute run")
    parser.add_argument("--n-trials", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--cv", type=int, default=None)
    parser.add_argument("--n-samples", type=int, default=None)
    parser.add_argument("--image-size", type=int, default=48)
    parser.add_argument(
        "--width", type=int, default=None, help="backbone width (8 with --quick)"
    )
    parser.add_argument("--max-train", type=int, default=None)
    parser.add_argument("--storage", default=None, help="e.g. study.db, journal:x.log")
    parser.add_argument("--study-name", default=None)
    parser.add_argument("--skip-grid", action="store_true")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="time 1 vs N worker processes on one study in --storage",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--output-dir", default=str(RESULTS))
    parser.add_argument(
        "--name", default="bench_optuna_study", help="prefix of the output files"
    )
    args = parser.parse_args(argv)
    if args.workers is not None and (args.workers < 1 or args.storage is None):
        parser.error("--workers N needs N >= 1 and a shared --storage")
    if args.data and not Path(args.data).exists():
        print(f"FER-2013 data not found at {args.data}. Skipping.")
        return 0
    q = args.quick
    args.n_trials = args.n_trials or (16 if q else 40)
    args.epochs = args.epochs or (8 if q else 10)
    args.cv = args.cv or (2 if q else 3)
    args.n_samples = args.n_samples or (1200 if q else 4000)
    args.max_train = args.max_train or (1000 if q else 6000)
    if q:
        args.image_size = min(args.image_size, 32)
    if args.threads:
        torch.set_num_threads(args.threads)
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    X, y = load_data(args)
    print(f"{len(X)} images {X.shape[1:]}, classes {np.bincount(y).tolist()}")
    estimator = AffectCNNClassifier(
        max_epochs=args.epochs,
        early_stopping=args.epochs,  # a validation split for pruning, no early stop
        width=args.width or (8 if q else None),
        batch_size=16 if q else 32,
        # small synthetic sets learn faster without augmentation
        augment="auto" if args.data else False,
        random_state=args.seed,
        device="cpu",
    )
    cv = StratifiedKFold(args.cv, shuffle=True, random_state=args.seed)
    dist, grid = spaces(q)
    settings = {
        "data": "FER-2013 Training sample" if args.data else "make_faces",
        "n_images": len(X),
        "image_size": int(X.shape[1]),
        "epochs": args.epochs,
        "cv": args.cv,
        "scoring": "f1_macro",
        "n_trials": args.n_trials,
        "width": args.width or (8 if q else None),
        "seed": args.seed,
        "quick": q,
    }

    if args.workers is not None:
        runs = run_workers(estimator, dist, X, y, cv, args)
        settings["storage"] = str(args.storage).split(":", 1)[0]  # no host/user
        settings["threads_per_worker"] = args.threads or 1
        payload = {"settings": settings, "runs": runs}
        if len(runs) == 2:
            payload["speedup"] = round(
                runs[0]["wall_seconds"] / runs[1]["wall_seconds"], 2
            )
            print(f"wall time 1 / {args.workers} workers: {payload['speedup']}")
        name = "bench_optuna_study_workers"
        out = Path(args.output_dir) / f"{name}.json"
        print(f"wrote {write_result(name, payload, str(out))}")
        return 0

    search, o_wall, o_scores, o_elapsed = run_optuna(estimator, dist, X, y, cv, args)
    states = [t.state.name for t in search.study_.trials]
    print(
        f"optuna: {len(states)} trials ({states.count('PRUNED')} pruned) in "
        f"{o_wall:.0f} s, best {search.best_score_:.4f} {search.best_params_}"
    )
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    prefix = str(out / args.name)
    search.study_.trials_dataframe().to_csv(f"{prefix}_trials.csv", index=False)
    payload = {
        "settings": settings,
        "optuna": {
            "trials": len(states),
            "pruned": states.count("PRUNED"),
            "wall_seconds": round(o_wall, 1),
            "best_score": round(float(search.best_score_), 4),
            "best_params": search.best_params_,
        },
    }
    curves = {"OptunaSearchCV (TPE + pruning)": (o_scores, o_elapsed)}
    if not args.skip_grid:
        grid_search, g_wall, g_scores, g_elapsed = run_grid(
            clone(estimator), grid, X, y, cv
        )
        pd.DataFrame(grid_search.cv_results_).to_csv(f"{prefix}_grid.csv", index=False)
        g_best = float(np.nanmax(g_scores))
        o_best = float(np.nanmax(o_scores))
        target = min(g_best, o_best)
        o_n, o_s = first_reach(o_scores, o_elapsed, target)
        g_n, g_s = first_reach(g_scores, g_elapsed, target)
        payload["grid"] = {
            "candidates": len(g_scores),
            "wall_seconds": round(g_wall, 1),
            "best_score": round(g_best, 4),
            "best_params": grid_search.best_params_,
        }
        payload["comparison"] = {
            "target_score": round(target, 4),
            "optuna_trials_to_target": o_n,
            "optuna_seconds_to_target": o_s,
            "grid_trials_to_target": g_n,
            "grid_seconds_to_target": g_s,
        }
        curves["GridSearchCV"] = (g_scores, g_elapsed)
        print(f"grid: {len(g_scores)} candidates in {g_wall:.0f} s, best {g_best:.4f}")
        print(
            f"to reach macro F1 {target:.4f}: Optuna {o_n} trials / {o_s} s, "
            f"grid {g_n} candidates / {g_s} s"
        )
    payload["files"] = [Path(p).name for p in save_plots(search.study_, curves, prefix)]
    payload["files"] += [Path(f"{prefix}_trials.csv").name]
    if not args.skip_grid:
        payload["files"].append(Path(f"{prefix}_grid.csv").name)
    path = write_result("bench_optuna_study", payload, str(out / f"{args.name}.json"))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
