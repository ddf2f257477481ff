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


# ---------------------------------------------------------------- experiments CLI
import zipfile  # noqa: E402

import pandas as pd  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

from affect_sklearn.experiments import Run, read_leaderboard  # noqa: E402

TINY_TRAIN = [
    "--backbone", "basic", "--width", "4", "--epochs", "2", "--batch-size", "8",
    "--n-samples", "40", "--image-size", "16", "--n-classes", "3", "--device", "cpu",
    "--quiet",
]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A runs folder with one run trained through `affect-sklearn train`."""
    runs = tmp_path_factory.mktemp("cli") / "runs"
    assert main(["train", *TINY_TRAIN, "--runs-dir", str(runs)]) == 0
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir() and p.name != "best"]
    return runs, run_dir


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Six face PNGs in a folder (two in a subfolder) and the same in a zip."""
    root = tmp_path_factory.mktemp("images")
    faces = make_faces(n_samples=6, image_size=24, n_classes=3, random_state=5)
    folder = root / "faces"
    (folder / "more").mkdir(parents=True)
    paths = []
    for i, img in enumerate(faces.images):
        path = folder / ("more" if i >= 4 else "") / f"face{i}.png"
        Image.fromarray(img).save(path)
        paths.append(path)
    (folder / "notes.txt").write_text("not an image")
    archive = root / "faces.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in paths:
            zf.write(path, f"inside/{path.name}")
        zf.writestr("readme.md", "ignored")
    return paths, folder, archive


def _assert_png(path):
    with Image.open(path) as img:
        img.verify()


def test_train_writes_a_run_the_leaderboard_and_best(trained, capsys):
    runs, run_dir = trained
    assert (run_dir / "model.joblib").is_file() and (run_dir / "model.pt").is_file()
    assert len(list((run_dir / "plots").glob("*.png"))) == 5
    for png in (run_dir / "plots").glob("*.png"):
        _assert_png(png)
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


def test_predict_images_a_folder_and_a_zip(trained, images, tmp_path, capsys):
    _, run_dir = trained
    paths, folder, archive = images
    out = tmp_path / "preds.csv"
    argv = ["predict", str(run_dir), str(paths[0]), str(folder), str(archive)]
    assert main([*argv, "--out", str(out), "--quiet", "--batch-size", "4"]) == 0
    assert "13 predictions" in capsys.readouterr().out
    frame = pd.read_csv(out)
    assert list(frame.columns) == [
        "path", "pred", "proba_angry", "proba_disgust", "proba_fear"
    ]  # fmt: skip
    assert frame["path"].iloc[0] == str(paths[0])
    assert sum(frame["path"].str.contains("faces.zip:inside/")) == 6
    np.testing.assert_allclose(frame.filter(like="proba_").sum(axis=1), 1, rtol=1e-5)
    # the same image predicts the same from a file, a folder and a zip
    same = frame[frame["path"].str.endswith("face0.png")]
    assert len(same) == 3 and same["pred"].nunique() == 1


def test_predict_to_stdout_with_a_weights_file(trained, images, capsys):
    _, run_dir = trained
    paths, _, _ = images
    assert (
        main(["predict", str(run_dir / "model.pt"), str(paths[1]), "--out", "-"]) == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("path,pred,") and len(lines) == 2


def test_predict_errors_are_one_line(trained, tmp_path, capsys):
    _, run_dir = trained
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "bad.zip").write_text("not a zip")
    (tmp_path / "empty").mkdir()
    for target, message in (
        (tmp_path / "missing.png", "does not exist"),
        (tmp_path / "a.txt", "neither an image"),
        (tmp_path / "bad.zip", "not a readable zip"),
        (tmp_path / "empty", "No image files found"),
    ):
        argv = ["predict", str(run_dir), str(target), "--out", str(tmp_path / "p.csv")]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "p.csv").exists()


def test_runs_list_leaderboard_promote_show(trained, capsys):
    runs, run_dir = trained
    assert main(["runs", "--runs-dir", str(runs)]) == 0
    out = capsys.readouterr().out
    assert run_dir.name in out and "finished" in out
    assert main(["runs", "leaderboard", "--runs-dir", str(runs), "--sort",
                 "test_f1_macro", "--top", "3"]) == 0  # fmt: skip
    assert "test_f1_macro" in capsys.readouterr().out
    assert main(["runs", "promote", "--runs-dir", str(runs)]) == 0
    assert "already promoted" in capsys.readouterr().out
    assert main(["runs", "promote", "--runs-dir", str(runs), "--metric", "x"]) == 1
    assert "has the metric 'x'" in capsys.readouterr().err
    assert main(["runs", "show", str(run_dir)]) == 0
    assert "AffectCNNClassifier" in capsys.readouterr().out


def test_runs_on_an_empty_folder(tmp_path, capsys):
    assert main(["runs", "list", "--runs-dir", str(tmp_path)]) == 0
    assert main(["runs", "leaderboard", "--runs-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no runs" in out and "no finished runs" in out


def test_report_redraws_the_plots(trained, capsys):
    _, run_dir = trained
    (run_dir / "plots" / "confusion_matrix.png").unlink()
    assert main(["report", str(run_dir), "--dpi", "50"]) == 0
    out = capsys.readouterr().out
    assert "confusion_matrix.png" in out and "note:" not in out
    _assert_png(run_dir / "plots" / "confusion_matrix.png")


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
    import shutil

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


def test_tune_then_train_the_best(tmp_path, capsys):
    argv = ["tune", *TINY_TRAIN, "--epochs", "1", "--param", "lr=float:1e-3:1e-2:log"]
    argv += ["--n-trials", "2", "--cv", "2", "--train-best", "--runs-dir"]
    assert main([*argv, str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "2 trials; best score" in out and "run folder" in out
    assert len(list((tmp_path / "tuning").iterdir())) == 1
    assert len(read_leaderboard(tmp_path)) == 1
    assert main(["tune", *TINY_TRAIN, "--runs-dir", str(tmp_path)]) == 1
    assert "Nothing to tune" in capsys.readouterr().err


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


def test_subcommand_modules_register_with_one_call():
    import argparse

    from affect_sklearn import cli

    calls = []

    def register(sub):
        p = sub.add_parser("extra", help="an extra command")
        p.set_defaults(func=lambda args: calls.append(args) or 7)

    original = cli.register_demo

    def patched(sub, common=None):
        original(sub, common)
        register(sub)

    cli.register_demo = patched
    try:
        assert isinstance(cli._build_parser(), argparse.ArgumentParser)
        assert cli.main(["extra"]) == 7 and len(calls) == 1
    finally:
        cli.register_demo = original
