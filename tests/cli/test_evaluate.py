"""``affect-sklearn evaluate``: a run folder and model files."""

import json

import numpy as np
import pandas as pd

from affect_sklearn.cli import main
from affect_sklearn.datasets import make_faces


def test_evaluate_a_run_and_a_model_file(trained, tmp_path, capsys):
    runs, run_dir = trained
    assert main(["evaluate", str(run_dir), "--part", "val"]) == 0
    assert "val part (4 faces)" in capsys.readouterr().out
    out = tmp_path / "metrics.json"
    preds = tmp_path / "preds.csv"
    argv = ["evaluate", str(run_dir / "model.pt"), "--data", str(run_dir / "..")]
    assert main(argv) == 1  # a runs folder is no data set
    assert "error" in capsys.readouterr().err
    faces = make_faces(n_samples=30, image_size=16, n_classes=3, random_state=1)
    data = tmp_path / "fer.npz"
    np.savez(data, X=faces.images, y=faces.target)
    argv = ["evaluate", str(run_dir / "model.joblib"), "--data", str(data)]
    assert main([*argv, "--out", str(out), "--predictions", str(preds)]) == 0
    assert "all part (30 faces)" in capsys.readouterr().out
    assert 0 <= json.loads(out.read_text())["accuracy"] <= 1
    assert len(pd.read_csv(preds)) == 30
    assert main(["evaluate", str(run_dir / "model.pt")]) == 1
    assert "pass --data PATH" in capsys.readouterr().err
