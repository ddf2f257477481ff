"""``affect-sklearn report``: re-draw the plots of a run."""

from __future__ import annotations

from ._common import add_parser, positive_int

__all__ = ["register"]


def _cmd_report(args):
    from ..experiments import redraw_plots

    paths, notes = redraw_plots(args.run, dpi=args.dpi)
    for path in paths:
        print(path)
    for note in notes:
        print(f"note: {note}")
    return 0


def register(subparsers):
    """Add the ``report`` command to the subparsers action ``subparsers``."""
    p = add_parser(
        subparsers,
        "report",
        help="re-draw the plots of a run",
        description=(
            "Draw a run's plots again into <run>/plots: learning curves, confusion "
            "matrices, recall per class, valence/arousal and the face grid."
        ),
        epilog="example:\n  affect-sklearn report runs/<run id> --dpi 150",
    )
    p.add_argument("run", help="run folder")
    p.add_argument("--dpi", type=positive_int, default=100)
    p.set_defaults(func=_cmd_report)
