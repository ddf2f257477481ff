import json
import subprocess
import sys

import numpy as np
import pytest

from affect_sklearn import __version__
from affect_sklearn.cli import main
from affect_sklearn.datasets import make_faces


def _demo_args(tmp_path, *extra):
    return [
        "demo",
        "--n-samples",
        "60",
        "--image-size",
        "24",
        "--epochs",
        "1",
        "--backbone",
        "basic",
        "--quiet",
        "--out",
        str(tmp_path),
        *extra,
    ]


def test_demo_writes_a_run_folder(tmp_path, capsys):
    assert main(_demo_args(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "accuracy" in out and "f1_macro" in out and "cohen_kappa" in out
    (run,) = list(tmp_path.iterdir())
    names = {p.name for p in run.iterdir()}
    assert {
        "confusion_matrix.png",
        "predictions.png",
        "metrics.json",
        "history.csv",
        "model.joblib",
        "config.json",
    } <= names
    metrics = json.loads((run / "metrics.json").read_text())
    assert 0 <= metrics["accuracy"] <= 1


def test_demo_on_a_fer2013_csv(tmp_path, capsys):
    faces = make_faces(n_samples=40, random_state=0)
    usage = np.where(np.arange(40) < 30, "Training", "PublicTest")
    rows = ["emotion,pixels,Usage"] + [
        f"{t},{' '.join(map(str, img.ravel()))},{u}"
        for t, img, u in zip(faces.target, faces.images, usage, strict=True)
    ]
    csv = tmp_path / "fer2013.csv"
    csv.write_text("\n".join(rows) + "\n")
    out_dir = tmp_path / "runs"
    assert main(_demo_args(out_dir, "--data", str(csv))) == 0
    assert "train 30, test 10" in capsys.readouterr().out


def test_demo_rejects_bad_arguments(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(_demo_args(tmp_path, "--data", str(tmp_path / "missing.csv")))
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["demo", "--epochs", "0"])


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
