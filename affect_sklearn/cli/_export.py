"""``affect-sklearn export``: write a saved model as an ONNX file."""

from __future__ import annotations

from pathlib import Path

from ._common import add_parser, load_model, positive_int

__all__ = ["register"]


def _cmd_export(args):
    from ..deploy import OnnxAffectModel, export_onnx

    est = load_model(args.model)
    model = Path(args.model)
    out = Path(args.out) if args.out else None
    if out is None:
        stem = model / "model" if model.is_dir() else model.with_suffix("")
        out = stem.with_suffix(".onnx")
    path = export_onnx(est, out, opset=args.opset)
    meta = OnnxAffectModel(path).metadata
    print(
        f"wrote {path} ({meta['estimator']}, {meta['task']}, input pixels float32 "
        f"(batch, {', '.join(map(str, meta['image_shape']))}), TTA "
        f"{'on' if meta['tta'] else 'off'}, opset {meta['opset']})"
    )
    return 0


def register(subparsers):
    """Add the ``export`` command to the subparsers action ``subparsers``."""
    p = add_parser(
        subparsers,
        "export",
        help="export a saved model to ONNX (runs without torch)",
        description=(
            "Write a run folder's model, a .joblib file or a weights-only .pt "
            "file as an ONNX model holding the whole prediction path (input "
            "scaling, test-time augmentation, softmax). Run it with "
            "affect_sklearn.deploy.OnnxAffectModel or any ONNX runtime."
        ),
        epilog="example:\n  affect-sklearn export runs/best/model.pt --format onnx "
        "-o face.onnx",
    )
    p.add_argument("model", help="run folder, .joblib or .pt model file")
    p.add_argument(
        "--format", choices=["onnx"], default="onnx", help="export format (onnx)"
    )
    p.add_argument(
        "-o", "--out", metavar="FILE", help="output file (default: MODEL with .onnx)"
    )
    p.add_argument("--opset", type=positive_int, help="ONNX opset version")
    p.set_defaults(func=_cmd_export)
