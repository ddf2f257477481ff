"""``affect-sklearn train``: runs, configs with overrides, resume."""

import json
import shutil

import pytest

from affect_sklearn.cli import main
from affect_sklearn.experiments import Run, read_leaderboard

from .conftest import assert_png


def test_train_writes_a_run_the_leaderboard_and_best(trained, capsys):
    runs, run_dir = trained
    assert (run_dir / "model.joblib").is_file() and (run_dir / "model.pt").is_file()
    assert len(list((run_dir / "plots").glob("*.png"))) == 5
    for png in (run_dir / "plots").glob("*.png"):
        assert_png(png)
    board = read_leaderboard(runs)
    assert board["run_id"].tolist() == [run_dir.name]
    assert Run(runs / "best").id == run_dir.name
    cfg = json.loads((run_dir / "config.json").read_text())
    assert cfg["params"]["max_epochs"] == 2
    assert cfg["command"].startswith("affect-sklearn")


def test_train_from_a_yaml_config_with_overrides(tmp_path, capsys):
    config = tmp_path / "exp.yaml"
    config.write_text(
        "estimator: multitask\nseed: 3\nparams:\n  backbone: basic\n  width: 4\n"
        "  max_epochs: 1\n  batch_size: 8\n  device: cpu\n"
        "data:\n  n_samples: 30\n  image_size: 16\n  n_classes: 3\n"
    )
    argv = ["train", "--config", str(config), "--set", "dropout=0.5", "--quiet"]
    assert main([*argv, "--runs-dir", str(tmp_path / "runs"), "--name", "mt"]) == 0
    out = capsys.readouterr().out
    assert "ccc_mean" in out and "f1_macro" in out
    (run,) = [Run(p) for p in (tmp_path / "runs").glob("*-mt-*")]
    assert run.config["seed"] == 3 and run.config["params"]["dropout"] == 0.5
    assert (run.path / "plots" / "valence_arousal.png").is_file()


def test_train_resume_continues_a_run(trained, tmp_path, capsys):
    runs, run_dir = trained
    child_runs = tmp_path / "runs"
    argv = ["train", "--resume", str(run_dir), "--epochs", "3", "--runs-dir"]
    argv += [str(child_runs), "--sampling-weights", "angry=2,fear=0.5", "--quiet"]
    assert main(argv) == 0
    (child,) = [Run(p) for p in child_runs.iterdir() if p.is_dir() and p.name != "best"]
    assert child.config["parent"]["run_id"] == run_dir.name
    assert child.config["changes"]["class_sampling_weights"]["to"] == {
        "angry": 2.0,
        "fear": 0.5,
    }
    assert len(child.history) == 3
    assert main(["train", "--resume", str(run_dir), "--lr", "0.1"]) == 1
    assert "only --epochs and --sampling-weights" in capsys.readouterr().err


def test_resume_of_a_truncated_checkpoint_is_one_clear_line(trained, tmp_path, capsys):
    _, run_dir = trained
    parent = tmp_path / "parent"
    shutil.copytree(run_dir, parent)
    state = parent / "checkpoints" / "last_state.pt"
    state.write_bytes(state.read_bytes()[:2000])
    assert main(["train", "--resume", str(parent)]) == 1
    err = capsys.readouterr().err
    assert str(state) in err and "truncated or corrupt" in err
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="truncated or corrupt"):
        main(["train", "--resume", str(parent), "--debug"])
