"""Write one API page per public subpackage from its ``__all__``."""

from __future__ import annotations

import importlib
import inspect
import reprlib
from pathlib import Path

# (module, title, one-line description) in the order of the reference.
MODULES = [
    ("affect_sklearn", "Estimators", "The three CNN estimators."),
    ("affect_sklearn.pretrained", "Shipped models", "Weights shipped in the package."),
    ("affect_sklearn.datasets", "Data sets", "Synthetic faces and real-data loaders."),
    ("affect_sklearn.transformers", "Transformers", "Image and landmark transformers."),
    ("affect_sklearn.metrics", "Metrics", "Affect metrics, agreement and scorers."),
    ("affect_sklearn.model_selection", "Tuning", "Optuna search and pruning."),
    ("affect_sklearn.imbalance", "Imbalance", "Resampling of images and paths."),
    ("affect_sklearn.experiments", "Experiments", "Run folders and leaderboard."),
    ("affect_sklearn.temporal", "Temporal", "Emotion change over time and video."),
    ("affect_sklearn.deploy", "Deployment", "ONNX export and a torch-free runtime."),
    ("affect_sklearn.plotting", "Plotting", "Plots of results."),
    ("affect_sklearn.nn", "Torch building blocks", "Backbones, losses, datasets."),
    ("affect_sklearn.callbacks", "Callbacks", "Training callbacks and their defaults."),
    ("affect_sklearn.utils", "Utilities", "Input validation and helpers."),
    (
        "affect_sklearn.estimators",
        "Estimators subpackage",
        "Scorer of the multi-task estimator.",
    ),
]


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 200
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 12


def _kind(obj):
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def public_names(module_name, seen=None):
    """Public names of ``module_name`` grouped by kind: class, function, data.

    Classes and functions already in ``seen`` (documented under an earlier
    module, e.g. the estimators re-exported by ``affect_sklearn``) are skipped.
    """
    module = importlib.import_module(module_name)
    seen = set() if seen is None else seen
    groups = {"class": [], "function": [], "data": []}
    for name in module.__all__:
        if name.startswith("__"):
            continue
        obj = getattr(module, name)
        kind = _kind(obj)
        if kind != "data":
            if id(obj) in seen:
                continue
            seen.add(id(obj))
        groups[kind].append(name)
    return groups


def render(module_name, title, description, seen=None):
    groups = public_names(module_name, seen)
    slug = module_name.replace(".", "_")
    lines = [
        f".. _api_{slug}:",
        "",
        f"``{module_name}``: {title}",
        "=" * (len(module_name) + len(title) + 6),
        "",
        f".. automodule:: {module_name}",
        "   :no-members:",
        "   :no-index:",
        "",
        description,
        "",
        f".. currentmodule:: {module_name}",
        "",
    ]
    headings = {"class": "Classes", "function": "Functions"}
    # autosummary looks these up as _templates/autosummary/<name>.rst
    template = {"class": "class", "function": "function"}
    for kind in ("class", "function"):
        names = groups[kind]
        if not names:
            continue
        lines += [
            headings[kind],
            "-" * len(headings[kind]),
            "",
            ".. autosummary::",
            "   :toctree: .",
            f"   :template: {template[kind]}",
            "",
        ]
        lines += [f"   {name}" for name in names]
        lines.append("")
    if groups["data"]:
        # Constants have no docstring of their own (autodoc would show the
        # docstring of their type), so show their value instead.
        module = importlib.import_module(module_name)
        lines += ["Constants", "---------", ""]
        for name in groups["data"]:
            lines += [
                f".. py:data:: {name}",
                f"   :value: {_REPR.repr(getattr(module, name))}",
                "",
            ]
    return "\n".join(lines)


def write_api_pages(out_dir):
    """Write ``<out_dir>/<module>.rst`` for every module; return their names."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written, seen = [], set()
    for module_name, title, description in MODULES:
        path = out_dir / f"{module_name}.rst"
        text = render(module_name, title, description, seen)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        written.append(path.stem)
    return written
