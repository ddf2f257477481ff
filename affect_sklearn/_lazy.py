"""Lazy loading of a package's public names on first access (PEP 562)."""

from __future__ import annotations

import importlib
import sys

__all__ = ["attach"]


def attach(package, submodules):
    """Return ``__getattr__``, ``__dir__`` and ``__all__`` for a lazy package.

    Each public name is imported from its private submodule the first time it
    is accessed, then cached in the package namespace, so that importing the
    package stays cheap (e.g. does not import torch) until a name that needs
    the heavy dependency is used.

    Parameters
    ----------
    package : str
        ``__name__`` of the package whose ``__init__`` calls this.
    submodules : dict of str to sequence of str
        Submodule (relative, e.g. ``"_optuna"``) to the public names it
        defines.

    Returns
    -------
    __getattr__ : callable
        Module ``__getattr__`` that imports the submodule of a public name.
    __dir__ : callable
        Module ``__dir__`` listing the loaded and the not yet loaded names.
    __all__ : list of str
        The sorted public names.

    Examples
    --------
    In ``affect_sklearn/model_selection/__init__.py``::

        __getattr__, __dir__, __all__ = attach(
            __name__, {"_optuna": ["OptunaSearchCV"]}
        )
    """
    origin = {name: module for module, names in submodules.items() for name in names}
    public = sorted(origin)

    def __getattr__(name):
        module = origin.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__, public
