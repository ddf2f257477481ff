"""What ``import affect_sklearn`` and its light subpackages load, and lazy names."""

import importlib
import subprocess
import sys

import pytest

# Subpackages whose import must not load torch: the metrics, data and the parts
# of tuning and experiments that read configs, studies and run folders.
TORCH_FREE = (
    "affect_sklearn",
    "affect_sklearn.metrics",
    "affect_sklearn.datasets",
    "affect_sklearn.model_selection",
    "affect_sklearn.experiments",
)
LAZY = (
    "affect_sklearn",
    "affect_sklearn.model_selection",
    "affect_sklearn.experiments",
)


def test_import_does_not_load_torch():
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in TORCH_FREE)
        + "from affect_sklearn.model_selection import OptunaSearchCV, make_storage\n"
        + "from affect_sklearn.experiments import load_config, list_runs\n"
        + "print(sorted(m for m in ('torch', 'skorch') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("package", LAZY)
def test_lazy_package_exposes_every_name_in_all(package):
    module = importlib.import_module(package)
    public = [name for name in module.__all__ if not name.startswith("__")]
    assert public == sorted(public)
    assert set(public) <= set(dir(module))
    for name in public:
        value = getattr(module, name)
        assert getattr(value, "__name__", name) == name
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018


def test_star_import_of_a_lazy_package():
    namespace = {}
    exec("from affect_sklearn.model_selection import *", namespace)
    assert {"OptunaSearchCV", "EpochPruning", "current_trial", "make_storage"} <= set(
        namespace
    )
