"""``affect-sklearn evaluate``: score a saved model on a split."""

from __future__ import annotations

import json
from pathlib import Path

from ._common import add_parser, positive_int, print_metrics

__all__ = ["register"]


def _cmd_evaluate(args):
    from ..experiments import evaluate_model

    data = None
    if args.data is not None:
        data = {"path": args.data}
        for flag in ("format", "image_size", "split"):
            if getattr(args, flag) is not None:
                data[flag] = getattr(args, flag)
    elif not Path(args.model).is_dir():
        raise ValueError(
            f"{args.model} is a model file; pass --data PATH to evaluate it (a run "
            "folder uses its own data and split)."
        )
    report, frame = evaluate_model(args.model, data, part=args.part, seed=args.seed)
    part = args.part or ("test" if data is None else "all")
    print_metrics(report, f"{part} part ({len(frame)} faces)")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"metrics written to {args.out}")
    if args.predictions:
        frame.to_csv(args.predictions, index=False)
        print(f"predictions written to {args.predictions}")
    return 0


def register(subparsers):
    """Add the ``evaluate`` command to the subparsers action ``subparsers``."""
    p = add_parser(
        subparsers,
        "evaluate",
        help="score a saved model on a split",
        description=(
            "Score a run folder on its own data (test part by default), or a model "
            "file (model.joblib, model.pt) on --data."
        ),
        epilog="examples:\n  affect-sklearn evaluate runs/<run id> --part val\n"
        "  affect-sklearn evaluate runs/best/model.pt --data fer2013.csv",
    )
    p.add_argument("model", help="run folder, .joblib or .pt model file")
    p.add_argument("--data", metavar="PATH", help="data set to score on")
    p.add_argument("--format", choices=["auto", "fer2013", "folder", "affectnet"])
    p.add_argument("--image-size", type=positive_int)
    p.add_argument("--split", help="random, usage or a split manifest .json")
    p.add_argument(
        "--part",
        choices=["train", "val", "test", "all"],
        help="part of the split (test for a run, all for --data)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of a random split")
    p.add_argument("--out", metavar="FILE", help="write the metrics as JSON")
    p.add_argument("--predictions", metavar="FILE", help="write predictions as CSV")
    p.set_defaults(func=_cmd_evaluate)
