"""What a run writes after training: report text, plots and its leaderboard row."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["write_plots"]


def _classes_order(target_names, classes):
    names = [str(c) for c in classes]
    order = [n for n in target_names if n in names]
    return order + [n for n in names if n not in order]


def _write_report(path, task, frames, reports):
    from sklearn.metrics import classification_report

    lines = []
    for part in ("val", "test"):
        frame, report = frames.get(part), reports.get(part)
        if frame is None:
            continue
        lines.append(f"== {part} ({len(frame)} faces) ==")
        if "pred" in frame:
            lines.append(
                classification_report(
                    frame["true"].astype(str),
                    frame["pred"].astype(str),
                    digits=3,
                    zero_division=0,
                )
            )
        for key in sorted(report):
            if key.startswith("recall_"):
                continue
            value = report[key]
            lines.append(f"{key:<22} {'n/a' if value is None else f'{value:.4f}'}")
        lines.append("")
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def write_plots(run_dir, *, history, frame, classes, images=None, dpi=100):
    """Draw every plot of a run into ``run_dir/plots``; return the paths.

    The figures are detached from pyplot (``plotting._figure``): they are only
    written, whatever the user's backend, in any thread and without a display.
    """
    from ..plotting import (
        plot_affect_grid,
        plot_confusion_matrix,
        plot_learning_curves,
        plot_per_class_recall,
        plot_prediction_grid,
        plot_valence_arousal,
    )
    from ..plotting._figure import detached_figures

    out = Path(run_dir) / "plots"
    out.mkdir(exist_ok=True)
    written = []

    def save(fig, name):
        path = out / name
        fig.savefig(path, dpi=dpi)
        written.append(path)

    has_labels = "pred" in frame
    has_va = "valence_pred" in frame
    if has_labels:
        y_true = frame["true"].astype(str).to_numpy()
        y_pred = frame["pred"].astype(str).to_numpy()
    with detached_figures():
        if history is not None and len(history):
            save(plot_learning_curves(history), "learning_curves.png")
        if has_labels:
            save(
                plot_confusion_matrix(y_true, y_pred, labels=classes),
                "confusion_matrix.png",
            )
            save(
                plot_confusion_matrix(y_true, y_pred, labels=classes, normalize="true"),
                "confusion_matrix_normalized.png",
            )
            save(
                plot_per_class_recall(y_true, y_pred, labels=classes),
                "recall_per_class.png",
            )
        if has_va:
            va_true = frame[["valence_true", "arousal_true"]].to_numpy(np.float64)
            va_pred = frame[["valence_pred", "arousal_pred"]].to_numpy(np.float64)
            if (~np.isnan(va_true).any(axis=1)).sum() >= 2:
                save(plot_valence_arousal(va_true, va_pred), "valence_arousal.png")
        if images is not None:
            if has_va:
                fig = plot_affect_grid(
                    images,
                    va_true,
                    va_pred,
                    y_true=y_true if has_labels else None,
                    y_pred=y_pred if has_labels else None,
                )
            else:
                fig = plot_prediction_grid(images, y_true, y_pred)
            save(fig, "predictions_grid.png")
    return written


def _leaderboard_row(run_dir, cfg, record, metrics):
    from ._evaluate import SUMMARY_KEYS

    params = cfg["params"]
    row = {
        "run_id": record["run_id"],
        "created": record["created"],
        "estimator": cfg["estimator"],
        "backbone": params.get("backbone"),
        "width": params.get("width"),
        "image_shape": "x".join(map(str, record["data_summary"]["image_shape"])),
        "lr": params.get("lr"),
        "batch_size": params.get("batch_size"),
        "max_epochs": params.get("max_epochs"),
        "scheduler": params.get("scheduler"),
        "class_sampling_weights": json.dumps(params.get("class_sampling_weights")),
        "seed": cfg["seed"],
        "n_epochs": metrics.get("n_epochs"),
        "fit_seconds": metrics.get("fit_seconds"),
        "parent": (record.get("parent") or {}).get("run_id"),
    }
    for part in ("val", "test"):
        for key in SUMMARY_KEYS:
            name = f"{part}_{key}"
            if name in metrics:
                row[name] = metrics[name]
    row["path"] = str(Path(run_dir).resolve())
    return row
