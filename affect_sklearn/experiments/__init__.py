"""Experiment runs: run folders, leaderboard, promotion of the best run and resume."""

# Lazy (PEP 562): training and scoring import torch; reading configs, run
# folders and the leaderboard does not.
from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        "_config": ["load_config", "resolve_config"],
        "_evaluate": ["HoldoutScoring"],
        "_folder": ["Run", "load_model"],
        "_leaderboard": ["list_runs", "promote_best", "read_leaderboard"],
        "_predict": ["predict_images"],
        "_report": ["evaluate_model", "redraw_plots"],
        "_run": ["resume_run", "run_experiment"],
        "_tune": ["parse_distribution", "tune_experiment"],
    },
)
del attach
