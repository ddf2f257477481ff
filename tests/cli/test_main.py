"""The ``affect-sklearn`` parser, entry point and error handling; the package layout."""

import pkgutil
import subprocess
import sys
import types

import pytest

import affect_sklearn.cli
from affect_sklearn import __version__
from affect_sklearn.cli import _main, main

COMMAND_MODULES = sorted(
    m.name
    for m in pkgutil.iter_modules(affect_sklearn.cli.__path__)
    if m.name not in ("__main__", "_main", "_common")
)


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main([]) == 1


def test_console_script_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "affect_sklearn.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == __version__


@pytest.mark.parametrize(
    "command",
    ["train", "evaluate", "predict", "tune", "runs", "report", "demo", "export"],
)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"affect-sklearn {command}" in out and len(out) > 300


def test_top_level_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("demo", "train", "evaluate", "predict", "tune", "runs", "report"):
        assert command in out


def test_errors_are_one_line_unless_debug(tmp_path, capsys):
    argv = ["train", "--data", str(tmp_path / "nope.csv"), "--runs-dir", str(tmp_path)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("affect-sklearn train: error:") and "nope.csv" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        main(["--debug", *argv])
    with pytest.raises(FileNotFoundError):
        main([*argv, "--debug"])


def test_bad_flag_values_are_usage_errors(capsys):
    for argv in (
        ["train", "--epochs", "0"],
        ["train", "--test-size", "1.5"],
        ["train", "--sampling-weights", "sad=lots"],
        ["train", "--set", "nokey"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_a_command_is_a_module_with_register(monkeypatch):
    calls = []

    def register(subparsers):
        p = subparsers.add_parser("extra", help="an extra command")
        p.set_defaults(func=lambda args: calls.append(args) or 7)

    extra = types.SimpleNamespace(register=register)
    monkeypatch.setattr(_main, "COMMANDS", (*_main.COMMANDS, extra))
    assert main(["extra"]) == 7 and len(calls) == 1
    assert "extra" in _main.build_parser().format_help()
    parser = _main.build_parser(commands=[extra])
    assert "demo" not in parser.format_help()


def test_every_command_module_is_in_the_command_list():
    listed = sorted(m.__name__.rsplit(".", 1)[1] for m in _main.COMMANDS)
    assert listed == COMMAND_MODULES
    assert len(COMMAND_MODULES) == 9


@pytest.mark.parametrize("name", COMMAND_MODULES)
def test_command_modules_import_alone_without_a_circle(name):
    """In a fresh interpreter, a command module loads _common and no other module
    of the package, and no torch (heavy imports wait for the command to run)."""
    module = f"affect_sklearn.cli.{name}"
    code = (
        "import sys\n"
        f"import {module} as m\n"
        "assert callable(m.register), 'no register'\n"
        "print(sorted(k for k in sys.modules if k.startswith('affect_sklearn.cli')))\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    loaded, torch_loaded = out.stdout.strip().splitlines()
    assert loaded == str(
        sorted(["affect_sklearn.cli", "affect_sklearn.cli._common", module])
    )
    assert torch_loaded == "False"


def test_help_builds_without_importing_torch():
    code = (
        "import sys\n"
        "from affect_sklearn.cli import _main\n"
        "_main.build_parser().format_help()\n"
        "assert 'torch' not in sys.modules\n"
        "assert 'affect_sklearn.estimators' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
