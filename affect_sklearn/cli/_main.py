"""The ``affect-sklearn`` parser, its list of commands and the entry point."""

from __future__ import annotations

import argparse
import sys

from . import (
    _demo,
    _evaluate,
    _export,
    _predict,
    _report,
    _runs,
    _train,
    _tune,
    _video,
)
from ._common import HelpFormatter

__all__ = ["COMMANDS", "build_parser", "main"]

# One module per command, in the order of `affect-sklearn --help`. Each has
# ``register(subparsers)``, which adds its parser(s) and sets ``func`` (a
# callable taking the parsed arguments and returning the exit code) with
# ``set_defaults``. A new command is a new module and one entry here.
COMMANDS = (
    _demo,
    _train,
    _evaluate,
    _predict,
    _tune,
    _runs,
    _report,
    _video,
    _export,
)

_EPILOG = """\
commands take --help, e.g. `affect-sklearn train --help`. Errors print one
line; add --debug to see the traceback.

quick start:
  affect-sklearn train --backbone basic --epochs 3   # synthetic faces
  affect-sklearn runs leaderboard
  affect-sklearn predict runs/best face.png --out preds.csv
"""


def build_parser(commands=None):
    """The argument parser of ``affect-sklearn``.

    Parameters
    ----------
    commands : sequence, default=None
        Objects with a ``register(subparsers)`` function (default:
        :data:`COMMANDS`).

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="affect-sklearn",
        description="Facial affect recognition through the scikit-learn API.",
        epilog=_EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks instead of one line"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS if commands is None else commands:
        command.register(sub)
    return parser


def _one_line(exc):
    text = " ".join(str(exc).split())
    if isinstance(exc, KeyError | AttributeError | TypeError) or not text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text


def main(argv=None):
    """Entry point of the ``affect-sklearn`` console script.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success, 1 on an error (printed as one line on stderr unless
        ``--debug``), 130 when interrupted. Usage errors exit with 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from .. import __version__

        print(__version__)
        return 0
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 1
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"affect-sklearn {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line unless --debug
        if args.debug:
            raise
        print(
            f"affect-sklearn {args.command}: error: {_one_line(exc)} "
            "(--debug shows the traceback)",
            file=sys.stderr,
        )
        return 1
