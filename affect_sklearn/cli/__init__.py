"""The ``affect-sklearn`` command line: one module per command."""

__all__ = ["main"]


def __getattr__(name):
    # Load the parser (and so every command module) on first use only, so that
    # importing one command module loads that module and _common, nothing else.
    if name == "main":
        from ._main import main

        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
