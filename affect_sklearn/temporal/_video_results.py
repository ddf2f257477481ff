"""The results of a video analysis: frame table, segments, timeline plot."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["write_timeline_plot"]


def _results(
    path, classes, det, fps, every, indices, times, boxes, probas, tracker, seconds
):
    """The Bunch of :func:`analyze_video` from what its frame loop collected."""
    clock = time.perf_counter
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    face_found = (
        np.ones(len(indices), bool) if tracker is None else ~np.isnan(boxes[:, 0])
    )
    proba = np.full((len(indices), len(classes)), np.nan)
    if probas:
        proba[face_found] = np.concatenate(probas)
    if not face_found.any():
        warnings.warn(
            f"No face was found in any of the {len(indices)} analysed frames of "
            f"{os.fspath(path)!r}; the labels are the detector's prior. If the "
            "frames are already face crops, pass face_cropper='none'.",
            UserWarning,
            stacklevel=3,  # the caller of analyze_video
        )
    t0 = clock()
    if not hasattr(det, "classes_"):
        det.fit(proba)
    smoothed = det.predict(proba)
    best = classes[np.argmax(np.nan_to_num(proba, nan=-1.0), axis=1)]
    raw = np.where(face_found, best.astype(object), None)
    frames = pd.DataFrame(
        {
            "frame": np.asarray(indices, dtype=np.int64),
            "time_s": np.asarray(times, dtype=np.float64),
            "face_found": face_found,
            "label": pd.Series(raw, dtype=object),
        }
    )
    for j, c in enumerate(classes):
        frames[f"prob_{c}"] = proba[:, j]
    frames["smoothed_label"] = smoothed
    segments = _video_segments(det.segments(proba), frames, fps, every)
    seconds["smooth"] = clock() - t0
    stats = {
        "detections": 0 if tracker is None else tracker.n_detections,
        "tracked": 0 if tracker is None else tracker.n_tracked,
        "lost": 0 if tracker is None else tracker.n_lost,
        "seconds": seconds,
    }
    return Bunch(
        frames=frames,
        segments=segments,
        classes=classes,
        detector=det,
        fps=fps,
        path=os.fspath(path),
        boxes=boxes,
        stats=stats,
    )


def _video_segments(seg, frames, fps, every):
    """Segments in video frames and seconds instead of analysed-frame rows."""
    idx = frames["frame"].to_numpy()
    t = frames["time_s"].to_numpy()
    n = len(idx)
    if fps is not None:
        step_s = every / fps
    else:
        step_s = float(np.median(np.diff(t))) if n > 1 else 0.0
    start, end = seg["start"].to_numpy(), seg["end"].to_numpy()
    inside = end < n
    end_c = np.minimum(end, n - 1)
    return pd.DataFrame(
        {
            "start_frame": idx[start],
            "end_frame": np.where(inside, idx[end_c], idx[-1] + every),
            "start_s": t[start],
            "end_s": np.where(inside, t[end_c], t[-1] + step_s),
            "label": seg["label"].to_numpy(),
            "mean_confidence": seg["mean_confidence"].to_numpy(),
            "n_frames": end - start,
        }
    )


def _colors(classes):
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(classes) <= 10 else "tab20"]
    return {c: cmap(i % cmap.N) for i, c in enumerate(classes)}


def write_timeline_plot(results, path, *, title=None):
    """Plot class probabilities over time with the detected segments shaded.

    Parameters
    ----------
    results : Bunch
        Output of :func:`analyze_video` (its ``frames`` and ``segments``).
    path : str or Path
        Image file to write (PNG, SVG, PDF: by the extension).
    title : str, default=None
        Figure title; None uses the video's file name.

    Returns
    -------
    path : Path
        The file written.

    Examples
    --------
    See :func:`analyze_video`.
    """
    from matplotlib.figure import Figure

    frames = getattr(results, "frames", None)
    segments = getattr(results, "segments", None)
    if not isinstance(frames, pd.DataFrame) or not isinstance(segments, pd.DataFrame):
        raise TypeError(
            "results must be the Bunch returned by analyze_video (with frames and "
            f"segments DataFrames); got {type(results).__name__}."
        )
    prob_cols = [c for c in frames.columns if c.startswith("prob_")]
    classes = list(getattr(results, "classes", [c[5:] for c in prob_cols]))
    colors = _colors([str(c) for c in classes])
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    band, ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 6]})
    t = frames["time_s"].to_numpy()
    total = (segments["end_s"].max() - segments["start_s"].min()) or 1.0
    for row in segments.itertuples(index=False):
        color = colors.get(str(row.label), "0.7")
        ax.axvspan(row.start_s, row.end_s, color=color, alpha=0.12, lw=0)
        band.axvspan(row.start_s, row.end_s, color=color, alpha=0.8, lw=0)
        if (row.end_s - row.start_s) / total > 0.04:
            band.text(
                (row.start_s + row.end_s) / 2,
                0.5,
                str(row.label),
                ha="center",
                va="center",
                fontsize=8,
            )
    for col, c in zip(prob_cols, classes, strict=False):
        ax.plot(t, frames[col].to_numpy(), color=colors[str(c)], lw=1.2, label=str(c))
    missing = ~frames["face_found"].to_numpy(dtype=bool)
    if missing.any():
        ax.plot(
            t[missing],
            np.full(missing.sum(), -0.03),
            "|",
            color="0.4",
            label="no face",
        )
    band.set_yticks([])
    band.set_ylabel("segments", rotation=0, ha="right", va="center")
    ax.set_ylim(-0.06, 1.04)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("probability")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    name = getattr(results, "path", None)
    if title is None:
        title = "Expression over time" + (f": {Path(name).name}" if name else "")
    band.set_title(title)
    path = Path(path)
    fig.savefig(path, dpi=100)
    return path
