"""What the ``affect-sklearn`` commands share: flag types, experiment flags, printing.

Every command module imports this one (and library modules inside its command
function), never another command module, so the package has no import circle.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

__all__ = [
    "DEFAULT_MODEL",
    "EXPERIMENT_FLAGS",
    "HelpFormatter",
    "add_experiment_args",
    "add_parser",
    "command_line",
    "config_from_args",
    "existing_path",
    "fmt",
    "fraction",
    "int_at_least",
    "key_value",
    "literal",
    "load_model",
    "parse_sampling_weights",
    "positive_int",
    "print_metrics",
    "verbosity",
]

# the model of `predict` and `video` when --model is not given
DEFAULT_MODEL = "fer2013"

_TABLE_KEYS = (
    "accuracy",
    "f1_macro",
    "cohen_kappa",
    "auroc_macro",
    "ccc_mean",
    "ccc_valence",
    "ccc_arousal",
    "rmse_mean",
)


class HelpFormatter(argparse.HelpFormatter):
    """Wrap one-paragraph descriptions; keep texts with line breaks (examples)."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _debug_parent():
    # --debug is accepted after the command too (SUPPRESS keeps the value given
    # before it, on the top-level parser)
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks instead of one line",
    )
    return parent


def add_parser(subparsers, name, *, parents=(), **kwargs):
    """Add a command parser that takes ``--debug`` and uses :class:`HelpFormatter`.

    Parameters
    ----------
    subparsers : argparse subparsers action
        What ``parser.add_subparsers()`` returned.
    name : str
        Name of the command.
    parents : sequence of argparse.ArgumentParser, default=()
        More parent parsers.
    **kwargs
        Passed to ``subparsers.add_parser`` (``help``, ``description``, ...).

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    kwargs.setdefault("formatter_class", HelpFormatter)
    return subparsers.add_parser(name, parents=[_debug_parent(), *parents], **kwargs)


# ---------------------------------------------------------------- flag types
def literal(text):
    """A flag value as JSON when it parses (numbers, true, null, lists), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def key_value(text):
    """``KEY=VALUE`` as the pair ``(KEY, VALUE)``."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE; got {text!r}")
    return key.strip(), value


def int_at_least(low):
    """A flag type: an integer of at least ``low``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer; got {text!r}"
            ) from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}; got {value}")
        return value

    return parse


positive_int = int_at_least(1)


def fraction(text):
    """A fraction in [0, 1) or a whole count."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {text!r}") from None
    if not 0 <= value < 1 and not (value >= 1 and value.is_integer()):
        raise argparse.ArgumentTypeError(
            f"expected a fraction in [0, 1) or a count; got {text!r}"
        )
    return int(value) if value >= 1 else value


def existing_path(text):
    """A path that exists."""
    if not Path(text).exists():
        raise argparse.ArgumentTypeError(f"path does not exist: {text}")
    return text


def parse_sampling_weights(text):
    """``balanced``, ``none``, JSON ``{"sad": 5}`` or ``sad=5,happy=0.5``."""
    if text in ("balanced", "none"):
        return text
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"invalid JSON {text!r}: {exc}") from None
        return value
    weights = {}
    for item in text.split(","):
        key, value = key_value(item)
        try:
            weights[key] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"weight of {key!r} must be a number; got {value!r}"
            ) from None
    return weights


# ---------------------------------------------------------------- printing
def fmt(value):
    """A metric as text: 4 decimals, ``n/a`` for None and NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def print_metrics(metrics, title, prefix="", keys=_TABLE_KEYS):
    """Print the ``prefix + key`` entries of ``metrics`` as a titled table."""
    rows = [
        (k, metrics[prefix + k])
        for k in keys
        if prefix + k in metrics and metrics[prefix + k] is not None
    ]
    if not rows:
        return
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}")
    print("-" * (width + 12))
    for key, value in rows:
        print(f"{key:<{width}}  {fmt(value):>9}")
    print("-" * (width + 12))


def verbosity(args):
    """0 with --quiet, else 2: progress lines plus the per-epoch table."""
    return 0 if getattr(args, "quiet", False) else 2


def command_line():
    """The command line to record in a run's ``config.json``."""
    return "affect-sklearn " + " ".join(sys.argv[1:]) if sys.argv else None


# ---------------------------------------------------------------- models
def load_model(spec):
    """The fitted estimator of a --model value: a file, a run folder or a name.

    Parameters
    ----------
    spec : str or None
        Run folder, ``.joblib`` or ``.pt`` file, or a shipped model name; None
        for :data:`DEFAULT_MODEL`.

    Returns
    -------
    estimator : fitted estimator
    """
    from ..experiments import load_model

    return load_model(spec or DEFAULT_MODEL)


# ---------------------------------------------------------------- experiment flags
def add_experiment_args(p):
    """Add the config, data and estimator flags of ``train`` and ``tune``."""
    g = p.add_argument_group("experiment", "flags override the values of --config")
    g.add_argument("--config", metavar="FILE", help="YAML or JSON experiment config")
    g.add_argument(
        "--estimator",
        choices=["classifier", "regressor", "multitask"],
        help="task: expression labels, valence/arousal, or both (default classifier)",
    )
    g.add_argument("--name", help="label put in the run id")
    g.add_argument(
        "--seed", type=int, metavar="N", help="seed of data, split and training (0)"
    )
    d = p.add_argument_group("data", "without --data, synthetic faces are drawn")
    d.add_argument(
        "--data",
        metavar="PATH",
        help="FER-2013 CSV/npz/export folder, class-subfolder images or AffectNet",
    )
    d.add_argument(
        "--format",
        choices=["auto", "fer2013", "folder", "affectnet"],
        help="layout of --data (default: detected)",
    )
    d.add_argument(
        "--n-samples", type=positive_int, metavar="N", help="synthetic faces (300)"
    )
    d.add_argument(
        "--n-classes", type=positive_int, metavar="N", help="synthetic classes (7)"
    )
    d.add_argument(
        "--image-size", type=positive_int, metavar="N", help="resize to N x N pixels"
    )
    d.add_argument(
        "--split",
        metavar="HOW",
        help="'random' (default), 'usage' (FER-2013 partitions) or a manifest .json",
    )
    d.add_argument(
        "--test-size", type=fraction, metavar="F", help="test fraction or count (0.2)"
    )
    d.add_argument(
        "--val-size", type=fraction, metavar="F", help="validation fraction (0.1)"
    )
    e = p.add_argument_group("estimator", "any other parameter: --set KEY=VALUE")
    e.add_argument(
        "--backbone", help="compact, basic, xception, resnet, vgg, resnet18…"
    )
    e.add_argument(
        "--width", type=positive_int, metavar="N", help="channels of the first stage"
    )
    e.add_argument("--epochs", type=positive_int, metavar="N", help="max_epochs")
    e.add_argument("--batch-size", type=positive_int, metavar="N")
    e.add_argument("--lr", type=float, metavar="F", help="learning rate")
    e.add_argument("--device", help="auto, cpu, cuda or cuda:N")
    e.add_argument(
        "--sampling-weights",
        type=parse_sampling_weights,
        metavar="SPEC",
        help="class_sampling_weights: balanced, none, sad=5,happy=0.5 or JSON",
    )
    e.add_argument(
        "--set",
        dest="overrides",
        type=key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any estimator parameter; VALUE is read as JSON when it parses "
        "(e.g. --set dropout=0.3 --set early_stopping=5)",
    )


# flag -> config key, per section of the config
_TOP_FLAGS = (("estimator", "estimator"), ("name", "name"), ("seed", "seed"))
_DATA_FLAGS = (
    ("data", "path"),
    ("format", "format"),
    ("n_samples", "n_samples"),
    ("n_classes", "n_classes"),
    ("image_size", "image_size"),
    ("split", "split"),
    ("test_size", "test_size"),
    ("val_size", "val_size"),
)
_PARAM_FLAGS = (
    ("backbone", "backbone"),
    ("width", "width"),
    ("epochs", "max_epochs"),
    ("batch_size", "batch_size"),
    ("lr", "lr"),
    ("device", "device"),
)
# every flag of add_experiment_args that sets a value (for `train --resume`)
EXPERIMENT_FLAGS = tuple(
    flag for flag, _ in (("config", None), *_TOP_FLAGS, *_DATA_FLAGS, *_PARAM_FLAGS)
)


def config_from_args(args):
    """The experiment config of --config with the flags of the command line on top."""
    from ..experiments import load_config

    config = load_config(args.config) if args.config else {}
    config = dict(config)
    params = dict(config.get("params") or {})
    data = dict(config.get("data") or {})
    for section, flags in ((config, _TOP_FLAGS), (data, _DATA_FLAGS)):
        for flag, key in flags:
            if getattr(args, flag) is not None:
                section[key] = getattr(args, flag)
    for flag, key in _PARAM_FLAGS:
        if getattr(args, flag) is not None:
            params[key] = getattr(args, flag)
    if args.sampling_weights is not None:
        sw = args.sampling_weights
        params["class_sampling_weights"] = None if sw == "none" else sw
    for key, value in args.overrides:
        params[key] = literal(value)
    config["params"] = params
    config["data"] = data
    return config
