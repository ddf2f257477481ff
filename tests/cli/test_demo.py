"""``affect-sklearn demo``: a run folder written by run_experiment."""

import json

import numpy as np
import pytest

from affect_sklearn.cli import main
from affect_sklearn.datasets import make_faces
from affect_sklearn.experiments import Run, read_leaderboard


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


def test_demo_writes_a_run_folder_with_run_experiment(tmp_path, capsys):
    assert main(_demo_args(tmp_path)) == 0
    out = capsys.readouterr().out
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert "-demo-basic-" in run_dir.name
    run = Run(run_dir)
    assert run.status == "finished"
    for name in ("metrics.json", "history.csv", "model.joblib", "config.json"):
        assert (run_dir / name).is_file()
    for name in ("confusion_matrix.png", "predictions_grid.png"):
        assert (run_dir / "plots" / name).is_file()
    # 60 faces split 80/20, no validation part
    assert run.config["data_summary"]["sizes"] == {"train": 48, "val": 0, "test": 12}
    assert "data: synthetic make_faces(n_samples=60, image_size=24" in out
    table = out[out.index("held-out test set") :]
    for key in ("accuracy", "f1_macro", "cohen_kappa"):
        assert f"{run.metrics['test_' + key]:.4f}" in table
    assert "trained 1 epochs on 48 faces" in out and str(run_dir) in out
    # the demo is a run like the others: it is on the leaderboard
    assert read_leaderboard(tmp_path)["run_id"].tolist() == [run.id]


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
    assert main(_demo_args(out_dir, "--data", str(csv), "--max-train", "20")) == 0
    # trained on 20 of the 30 Training rows, tested on the 10 PublicTest rows
    assert "train 20, val 0, test 10" in capsys.readouterr().out
    (run_dir,) = [p for p in out_dir.iterdir() if p.is_dir()]
    split = json.loads((run_dir / "split.json").read_text())
    train = split["indices"]["train"]
    assert len(train) == 20 and max(train) < 30


def test_demo_rejects_bad_arguments(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(_demo_args(tmp_path, "--data", str(tmp_path / "missing.csv")))
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["demo", "--epochs", "0"])
