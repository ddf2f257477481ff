"""Experiment runs: run folders, leaderboard, promotion of the best run and resume."""

from ._config import load_config, resolve_config
from ._evaluate import HoldoutScoring
from ._folder import Run, load_model
from ._leaderboard import list_runs, promote_best, read_leaderboard
from ._predict import predict_images
from ._report import evaluate_model, redraw_plots
from ._run import resume_run, run_experiment
from ._tune import parse_distribution, tune_experiment

__all__ = [
    "HoldoutScoring",
    "Run",
    "evaluate_model",
    "list_runs",
    "load_config",
    "load_model",
    "parse_distribution",
    "predict_images",
    "promote_best",
    "read_leaderboard",
    "redraw_plots",
    "resolve_config",
    "resume_run",
    "run_experiment",
    "tune_experiment",
]
