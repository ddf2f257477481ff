"""The ``affect-sklearn video`` subcommand: per-frame CSV, segments and timeline."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from ._common import DEFAULT_MODEL, add_parser, load_model

__all__ = ["register", "run"]


def register(subparsers):
    """Add the ``video`` command to an argparse ``add_subparsers()`` object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers()`` returned.

    Returns
    -------
    parser : argparse.ArgumentParser
        The new subcommand's parser; its default ``func`` is :func:`run`.

    Examples
    --------
    >>> import argparse
    >>> from affect_sklearn.cli._video import register
    >>> parser = argparse.ArgumentParser(prog="affect-sklearn")
    >>> _ = register(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["video", "clip.mp4"])
    >>> args.command, args.every, args.func.__name__
    ('video', 1, 'run')
    """
    parser = add_parser(
        subparsers,
        "video",
        help="classify the face in each frame of a video and detect emotion changes",
        description=(
            "Crop the face of each frame, classify it with a fitted model (by "
            "default the FER-2013 classifier shipped with the package; or e.g. "
            "the model.joblib of 'affect-sklearn demo'), smooth "
            "the labels over time and write frames.csv (per-frame probabilities "
            "and labels), segments.csv (segments of constant expression) and "
            "timeline.png."
        ),
    )
    parser.add_argument("path", help="video file (mp4, avi, ... as FFmpeg reads)")
    parser.add_argument(
        "--model",
        default=None,
        help="fitted classifier: a joblib file, a .pt file of save(), a run folder "
        "or a shipped model name (default: the shipped fer2013 classifier)",
    )
    parser.add_argument(
        "--every", type=int, default=1, help="analyse every N-th frame (default 1)"
    )
    parser.add_argument(
        "--max-frames", type=int, default=None, help="stop after N analysed frames"
    )
    parser.add_argument(
        "--out",
        default=None,
        help="output folder (default: runs/video-<name>-<time>)",
    )
    parser.add_argument(
        "--face-detector",
        choices=["haar", "hog", "cnn", "none"],
        default="haar",
        help="haar (OpenCV, default), hog/cnn (dlib), none (frames are faces)",
    )
    parser.add_argument(
        "--method",
        choices=["hmm", "ema"],
        default="hmm",
        help="smoothing: sticky HMM (default) or moving average",
    )
    parser.add_argument(
        "--min-duration", type=int, default=1, help="shortest segment, in frames"
    )
    parser.add_argument(
        "--detect-size",
        type=int,
        default=None,
        help="detect faces in a copy of the frame shrunk to N pixels on its longest "
        "side (default: 320 for haar, the full frame for hog/cnn; 0: the full "
        "frame). The Haar cascade finds faces of 24 pixels and more in that copy",
    )
    parser.add_argument(
        "--detect-every",
        type=int,
        default=10,
        help="run a full face detection every N analysed frames and track the face "
        "in between (default 10; 1: detect in every frame)",
    )
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def _fail(message):
    raise SystemExit(f"error: {message}")


def _load_model(args):
    """The classifier of --model: shipped (the default), a run folder or a file."""
    from ..pretrained import pretrained_names

    model = args.model or DEFAULT_MODEL
    if model not in pretrained_names() and not Path(model).exists():
        _fail(f"--model file not found: {args.model}")
    try:
        return load_model(model)
    except Exception as exc:  # any loading failure, reported in one line
        if getattr(args, "debug", False):
            raise
        _fail(f"could not load --model {args.model}: {exc}")


def run(args):
    """Run the ``video`` subcommand; errors exit with one ``error: ...`` line.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments of the parser built by :func:`register`.

    Returns
    -------
    status : int
        0 on success.
    """
    for flag, value in (
        ("--every", args.every),
        ("--max-frames", args.max_frames),
        ("--min-duration", args.min_duration),
        ("--batch-size", args.batch_size),
        ("--detect-every", args.detect_every),
    ):
        if value is not None and value < 1:
            _fail(f"{flag} must be at least 1; got {value}.")
    detect_size = args.detect_size
    if detect_size is not None and detect_size != 0 and detect_size < 32:
        _fail(
            f"--detect-size must be 0 (the full frame) or at least 32; got "
            f"{detect_size}."
        )
    if detect_size is None:
        detect_size = "auto"
    elif detect_size == 0:
        detect_size = None
    video = Path(args.path)
    if not video.is_file():
        _fail(f"video file not found: {args.path}")
    model = _load_model(args)
    if not hasattr(model, "predict_proba") or not hasattr(model, "classes_"):
        _fail(
            f"--model {args.model} holds a {type(model).__name__}, not a fitted "
            "classifier with predict_proba (e.g. AffectCNNClassifier)."
        )

    from ..temporal import EmotionChangeDetector, analyze_video, write_timeline_plot

    detector = EmotionChangeDetector(method=args.method, min_duration=args.min_duration)
    try:
        results = analyze_video(
            video,
            model,
            face_cropper=args.face_detector,
            detector=detector,
            every=args.every,
            max_frames=args.max_frames,
            batch_size=args.batch_size,
            progress=not args.quiet,
            detect_size=detect_size,
            detect_every=args.detect_every,
        )
    except (ValueError, TypeError, ImportError, OSError) as exc:
        if getattr(args, "debug", False):
            raise
        _fail(" ".join(str(exc).split()))

    if args.out is None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"video-{video.stem}-{stamp}"
    else:
        out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail(f"cannot create --out folder {os.fspath(out)}: {exc.strerror}")
    frames, segments = results.frames, results.segments
    frames.to_csv(out / "frames.csv", index=False)
    segments.to_csv(out / "segments.csv", index=False)
    write_timeline_plot(results, out / "timeline.png")

    n = len(frames)
    n_found = int(frames["face_found"].sum())
    print(
        f"{video.name}: {n} frames analysed, face found in {n_found}, "
        f"{len(segments)} segments, {max(len(segments) - 1, 0)} changes"
    )
    seconds = results.stats["seconds"]
    if n:
        split = ", ".join(f"{k} {v / n * 1e3:.1f}" for k, v in seconds.items())
        print(
            f"  {sum(seconds.values()) / n * 1e3:.1f} ms/frame ({split}); "
            f"{results.stats['detections']} face detections, "
            f"{results.stats['tracked']} frames tracked"
        )
    for row in segments.head(20).itertuples(index=False):
        print(
            f"  {row.start_s:8.2f}s - {row.end_s:8.2f}s  {row.label!s:<12} "
            f"confidence {row.mean_confidence:.2f}"
        )
    if len(segments) > 20:
        print(f"  ... {len(segments) - 20} more in segments.csv")
    print(f"wrote {out / 'frames.csv'}, {out / 'segments.csv'}, {out / 'timeline.png'}")
    return 0
