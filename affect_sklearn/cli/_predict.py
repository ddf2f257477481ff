"""``affect-sklearn predict``: predict images, folders or zip archives into a CSV."""

from __future__ import annotations

import sys
from pathlib import Path

from ._common import add_parser, load_model, positive_int

__all__ = ["register"]


def _looks_like_model(path):
    """A run folder or a saved model file (the old positional MODEL argument)."""
    p = Path(path)
    if p.is_dir():
        return (p / "model.joblib").is_file() or (p / "config.json").is_file()
    return p.suffix.lower() in (".joblib", ".pt", ".pkl") and p.is_file()


def _cmd_predict(args):
    from ..experiments import predict_images

    inputs, model = list(args.inputs), args.model
    if model is None and len(inputs) > 1 and _looks_like_model(inputs[0]):
        model = inputs.pop(0)  # `predict MODEL INPUTS...`, the earlier form
    est = load_model(model)  # the shipped model by default
    frame = predict_images(
        est,
        inputs,
        batch_size=args.batch_size,
        progress=not args.quiet,
        faces=args.faces,
        detector=args.detector,
    )
    if args.out == "-":
        frame.to_csv(sys.stdout, index=False)
    else:
        frame.to_csv(args.out, index=False)
        print(f"{len(frame)} predictions written to {args.out}")
    return 0


def register(subparsers):
    """Add the ``predict`` command to the subparsers action ``subparsers``."""
    p = add_parser(
        subparsers,
        "predict",
        help="predict images, folders or zip archives into a CSV",
        description=(
            "Predict every image of the inputs (files, folders searched "
            "recursively, .zip archives) with a saved model, by default the "
            "FER-2013 classifier shipped with the package; write one CSV row per "
            "image: path, predicted label and class probabilities, and/or valence "
            "and arousal. Photos (images at least twice the model's input size) "
            "are cropped to their largest face first (--faces)."
        ),
        epilog="examples:\n  affect-sklearn predict photo.jpg --out -\n"
        "  affect-sklearn predict faces/ extra.zip one.png --model runs/best "
        "--out preds.csv",
    )
    p.add_argument("inputs", nargs="+", help="image files, folders or zip archives")
    p.add_argument(
        "--model",
        default=None,
        help="run folder, .joblib or .pt model file, or a shipped model name "
        "(default: the shipped fer2013 classifier)",
    )
    p.add_argument(
        "--faces",
        choices=["auto", "detect", "none"],
        default="auto",
        help="crop the largest face first: auto (photos only), detect (every "
        "image) or none (the images are face crops)",
    )
    p.add_argument(
        "--detector",
        choices=["haar", "hog", "cnn"],
        default=None,
        help="face detector (default: OpenCV Haar when installed, else dlib HOG)",
    )
    p.add_argument("--out", default="predictions.csv", help="CSV file, or - for stdout")
    p.add_argument("--batch-size", type=positive_int, default=256)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_predict)
