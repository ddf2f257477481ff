"""Run folders, leaderboard, promotion, resumed runs, evaluation and plots."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.metrics import f1_score

from affect_sklearn.experiments import (
    Run,
    evaluate_model,
    list_runs,
    load_config,
    load_model,
    parse_distribution,
    promote_best,
    read_leaderboard,
    redraw_plots,
    resolve_config,
    resume_run,
    run_experiment,
    tune_experiment,
)

PARAMS = {"backbone": "basic", "width": 4, "max_epochs": 2, "batch_size": 8}
DATA = {"n_samples": 40, "image_size": 16, "n_classes": 3}


def _config(estimator="classifier", **params):
    return {
        "estimator": estimator,
        "params": {**PARAMS, "device": "cpu", **params},
        "data": dict(DATA),
    }


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    """Two classifier runs and one regressor run (read-only for the tests)."""
    root = tmp_path_factory.mktemp("runs")
    run_experiment(_config(), root, verbose=0)
    run_experiment(_config(lr=1e-2, max_epochs=1), root, verbose=0)
    run_experiment(_config("regressor"), root, verbose=0)
    return root


@pytest.fixture(scope="module")
def classifier_run(runs_dir):
    return next(r for r in list_runs(runs_dir) if r.config["estimator"] == "classifier")


def _assert_png(path):
    with Image.open(path) as img:
        img.verify()
    with Image.open(path) as img:
        assert img.format == "PNG" and min(img.size) > 50


def test_run_folder_holds_every_file(classifier_run):
    path = classifier_run.path
    names = {p.relative_to(path).as_posix() for p in path.rglob("*")}
    assert {
        "config.json",
        "split.json",
        "history.csv",
        "metrics.json",
        "classification_report.txt",
        "predictions_test.csv",
        "model.joblib",
        "model.pt",
        "checkpoints/best_params.pt",
        "checkpoints/history.json",
        "checkpoints/last_state.pt",
        "plots/learning_curves.png",
        "plots/confusion_matrix.png",
        "plots/confusion_matrix_normalized.png",
        "plots/recall_per_class.png",
        "plots/predictions_grid.png",
    } <= names
    for png in path.glob("plots/*.png"):
        _assert_png(png)
    assert "precision" in (path / "classification_report.txt").read_text()


def test_config_records_params_versions_seed_and_data(classifier_run):
    cfg = classifier_run.config
    assert cfg["estimator_class"] == "AffectCNNClassifier"
    assert cfg["params"]["backbone"] == "basic"
    assert cfg["params"]["dropout"] == 0.25  # defaults are resolved too
    assert cfg["params"]["random_state"] == cfg["seed"] == 0
    assert {"affect_sklearn", "torch", "skorch", "numpy"} <= set(cfg["versions"])
    assert len(cfg["data_fingerprint"]) == 64
    assert cfg["data_summary"]["sizes"] == {"train": 28, "val": 4, "test": 8}
    assert cfg["parent"] is None


def test_history_and_metrics(classifier_run):
    history = classifier_run.history
    assert len(history) == 2
    assert {"train_loss", "val_loss", "val_accuracy", "val_f1_macro"} <= set(history)
    metrics = classifier_run.metrics
    # the stored scores are those of the saved model's predictions on each part
    _, test = evaluate_model(classifier_run, part="test")
    _, val = evaluate_model(classifier_run, part="val")
    assert metrics["test_f1_macro"] == pytest.approx(
        f1_score(test["true"], test["pred"], average="macro")
    )
    assert metrics["val_accuracy"] == pytest.approx(np.mean(val["true"] == val["pred"]))
    assert metrics["val_accuracy"] == pytest.approx(history["val_accuracy"].iloc[-1])
    assert metrics["n_epochs"] == 2
    assert metrics["classes"] == ["angry", "disgust", "fear"]


def test_saved_models_agree(classifier_run):
    from affect_sklearn.datasets import make_faces

    X = make_faces(n_samples=5, image_size=16, n_classes=3, random_state=9).images
    a = classifier_run.load_model()
    b = classifier_run.load_model("weights")
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    assert not dict(a.net_.callbacks_)["holdout"].X  # holdout data is not pickled
    with pytest.raises(ValueError, match="kind must be"):
        classifier_run.load_model("onnx")


def test_regressor_run_plots_valence_arousal(runs_dir):
    (run,) = [r for r in list_runs(runs_dir) if r.config["estimator"] == "regressor"]
    plots = {p.name for p in (run.path / "plots").iterdir()}
    assert {"valence_arousal.png", "predictions_grid.png"} <= plots
    assert "confusion_matrix.png" not in plots
    assert "test_ccc_mean" in run.metrics and "test_f1_macro" not in run.metrics


def test_leaderboard_has_one_row_per_run(runs_dir):
    board = read_leaderboard(runs_dir)
    assert len(board) == 3
    assert {"run_id", "backbone", "lr", "test_f1_macro", "test_ccc_mean"} <= set(board)
    best = read_leaderboard(runs_dir, sort_by="test_rmse_mean")
    assert best["estimator"].iloc[0] == "regressor"  # the only row with rmse
    with pytest.raises(ValueError, match="no column 'nope'"):
        read_leaderboard(runs_dir, sort_by="nope")


def test_promote_copies_the_best_run(runs_dir, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(runs_dir, root)
    board = read_leaderboard(root)
    board["path"] = [str(root / rid) for rid in board["run_id"]]
    board.to_csv(root / "leaderboard.csv", index=False)
    info = promote_best(root)
    expected = board.sort_values("test_f1_macro", ascending=False).iloc[0]
    assert info["run_id"] == expected["run_id"] and info["changed"]
    promoted = json.loads((root / "best" / "promoted.json").read_text())
    assert promoted["metric"] == "test_f1_macro"
    assert Run(root / "best").id == expected["run_id"]
    assert (root / "best" / "model.joblib").is_file()
    assert not promote_best(root)["changed"]
    # lower is better for rmse
    info = promote_best(root, "test_rmse_mean")
    assert info["changed"] and Run(root / "best").config["estimator"] == "regressor"
    assert "best" not in {r.path.name for r in list_runs(root)}


def test_promote_errors(tmp_path, runs_dir):
    with pytest.raises(ValueError, match="No finished run"):
        promote_best(tmp_path)
    with pytest.raises(ValueError, match="No run .* has the metric 'test_nope'"):
        promote_best(runs_dir, "test_nope")


def test_resume_run_records_parent_and_changes(classifier_run, tmp_path):
    child = resume_run(
        classifier_run,
        runs_dir=tmp_path,
        max_epochs=3,
        class_sampling_weights={"angry": 3.0},
        verbose=0,
    )
    cfg = child.config
    assert cfg["parent"]["run_id"] == classifier_run.id
    assert cfg["parent"]["epoch"] == 2
    assert cfg["changes"] == {
        "max_epochs": {"from": 2, "to": 3},
        "class_sampling_weights": {"from": None, "to": {"angry": 3.0}},
    }
    assert cfg["params"]["class_sampling_weights"] == {"angry": 3.0}
    assert len(child.history) == 3
    assert child.history["train_loss"].iloc[0] == pytest.approx(
        classifier_run.history["train_loss"].iloc[0]
    )
    assert read_leaderboard(tmp_path)["parent"].iloc[0] == classifier_run.id


def test_resume_of_an_interrupted_run(tmp_path, classifier_run):
    parent = tmp_path / "interrupted"
    shutil.copytree(classifier_run.path, parent)
    for name in ("metrics.json", "model.joblib", "history.csv"):
        (parent / name).unlink()
    assert Run(parent).status == "incomplete"
    assert len(Run(parent).history) == 2  # from the last checkpoint
    child = resume_run(parent, max_epochs=3, verbose=0)
    assert child.status == "finished"
    assert child.config["parent"]["status"] == "incomplete"


def test_resume_run_with_a_corrupt_checkpoint_fails_before_a_new_run(
    tmp_path, classifier_run
):
    parent = tmp_path / "parent"
    shutil.copytree(classifier_run.path, parent)
    state = parent / "checkpoints" / "last_state.pt"
    state.write_bytes(state.read_bytes()[:1000])
    with pytest.raises(ValueError, match="truncated or corrupt") as exc:
        resume_run(parent, verbose=0)
    assert str(state) in str(exc.value)
    assert {p.name for p in tmp_path.iterdir()} == {"parent"}


def test_resume_run_refuses_changed_data(tmp_path, classifier_run):
    parent = tmp_path / "parent"
    shutil.copytree(classifier_run.path, parent)
    cfg = json.loads((parent / "config.json").read_text())
    cfg["data_fingerprint"] = "0" * 64
    (parent / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="data of run .* changed"):
        resume_run(parent, verbose=0)


def test_evaluate_model_on_the_run_split_and_other_data(classifier_run):
    report, frame = evaluate_model(classifier_run)
    assert report["f1_macro"] == pytest.approx(classifier_run.metrics["test_f1_macro"])
    assert len(frame) == 8 and {"index", "true", "pred"} <= set(frame)
    report, frame = evaluate_model(classifier_run.path / "model.pt", DATA, seed=1)
    assert len(frame) == 40
    assert report["accuracy"] == pytest.approx(np.mean(frame["true"] == frame["pred"]))
    with pytest.raises(ValueError, match="needs data="):
        evaluate_model(classifier_run.path / "model.joblib")
    with pytest.raises(ValueError, match="part must be one of"):
        evaluate_model(classifier_run, part="dev")
    with pytest.raises(ValueError, match="data has keys \\['pth'\\]"):
        evaluate_model(classifier_run, {"pth": "x"})


def test_redraw_plots_writes_valid_pngs(tmp_path, classifier_run):
    run_dir = tmp_path / "run"
    shutil.copytree(classifier_run.path, run_dir)
    shutil.rmtree(run_dir / "plots")
    paths, notes = redraw_plots(run_dir, dpi=60)
    assert not notes
    assert {p.name for p in paths} == {
        "learning_curves.png",
        "confusion_matrix.png",
        "confusion_matrix_normalized.png",
        "recall_per_class.png",
        "predictions_grid.png",
    }
    for path in paths:
        _assert_png(path)


def test_redraw_plots_of_an_unfinished_run(tmp_path, classifier_run):
    run_dir = tmp_path / "run"
    shutil.copytree(classifier_run.path, run_dir)
    (run_dir / "predictions_test.csv").unlink()
    paths, notes = redraw_plots(run_dir)
    assert [p.name for p in paths] == ["learning_curves.png"]
    assert "unfinished" in notes[0]


def test_load_model_errors(tmp_path, classifier_run):
    with pytest.raises(FileNotFoundError, match="is not a run folder"):
        load_model(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model(tmp_path / "model.joblib")
    bad = tmp_path / "model.pt"
    bad.write_bytes((classifier_run.path / "model.pt").read_bytes()[:500])
    with pytest.raises(ValueError, match="may be truncated"):
        load_model(bad)
    bad = tmp_path / "model.joblib"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="truncated, corrupt or not a joblib"):
        load_model(bad)


def test_resolve_config_fills_defaults_and_checks_keys():
    cfg = resolve_config({"estimator": "multitask", "seed": 4})
    assert cfg["params"]["random_state"] == 4
    assert "checkpoint_dir" not in cfg["params"]
    assert cfg["data"]["test_size"] == 0.2
    with pytest.raises(ValueError, match="Unknown config keys \\['epochs'\\]"):
        resolve_config({"epochs": 3})
    with pytest.raises(ValueError, match="estimator must be one of"):
        resolve_config({"estimator": "svm"})
    with pytest.raises(ValueError, match="params has keys \\['epochs'\\]"):
        resolve_config({"params": {"epochs": 3}})
    with pytest.raises(ValueError, match="data has keys \\['size'\\]"):
        resolve_config({"data": {"size": 3}})
    with pytest.raises(ValueError, match="data.format must be one of"):
        resolve_config({"data": {"format": "csv"}})
    with pytest.raises(ValueError, match="needs data.path"):
        resolve_config({"data": {"format": "folder"}})
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        resolve_config({"seed": -1})
    with pytest.raises(TypeError, match="params must be a mapping"):
        resolve_config({"params": [1]})


def test_load_config_yaml_json_and_a_run_config(tmp_path, classifier_run):
    (tmp_path / "a.yaml").write_text("estimator: regressor\nparams:\n  lr: 0.01\n")
    assert load_config(tmp_path / "a.yaml")["params"] == {"lr": 0.01}
    (tmp_path / "a.json").write_text('{"seed": 2}')
    assert load_config(tmp_path / "a.json") == {"seed": 2}
    again = resolve_config(load_config(classifier_run.path / "config.json"))
    assert again["params"]["backbone"] == "basic" and again["data"]["n_samples"] == 40
    (tmp_path / "bad.yaml").write_text("a: [1,\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_config(tmp_path / "bad.yaml")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_config(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[1]")
    with pytest.raises(ValueError, match="must hold a mapping"):
        load_config(tmp_path / "list.json")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")


def test_regressor_needs_valence_arousal(tmp_path):
    from affect_sklearn.datasets import make_faces

    faces = make_faces(n_samples=12, image_size=16, n_classes=2, random_state=0)
    for i, (img, t) in enumerate(zip(faces.images, faces.target, strict=True)):
        folder = tmp_path / "faces" / faces.target_names[t]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(folder / f"{i}.png")
    config = {**_config("regressor"), "data": {"path": str(tmp_path / "faces")}}
    with pytest.raises(ValueError, match="needs valence/arousal targets"):
        run_experiment(config, tmp_path / "runs", verbose=0)


def test_image_folder_run_with_a_split_manifest(tmp_path, classifier_run):
    from affect_sklearn.datasets import make_faces

    faces = make_faces(n_samples=30, image_size=16, n_classes=3, random_state=0)
    for i, (img, t) in enumerate(zip(faces.images, faces.target, strict=True)):
        folder = tmp_path / "faces" / faces.target_names[t]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(folder / f"{i:02d}.png")
    config = {**_config(max_epochs=1), "data": {"path": str(tmp_path / "faces")}}
    run = run_experiment(config, tmp_path / "runs", verbose=0)
    assert "folder" in run.config["data_summary"]["description"]
    config["data"]["split"] = str(run.path / "split.json")
    again = run_experiment(config, tmp_path / "runs", verbose=0)
    assert again.config["data_summary"]["sizes"] == run.config["data_summary"]["sizes"]
    config["data"]["split"] = "usage"
    with pytest.raises(ValueError, match="no partitions"):
        run_experiment(config, tmp_path / "runs", verbose=0)


def test_parse_distribution():
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    assert parse_distribution("w", "int:4:16") == IntDistribution(4, 16)
    assert parse_distribution("b", "choice:basic,compact") == CategoricalDistribution(
        ["basic", "compact"]
    )
    assert parse_distribution("lr", {"type": "float", "low": 0.1, "high": 1}) == (
        FloatDistribution(0.1, 1.0)
    )
    for bad in ("float:1", "normal:0:1", "float:1:2:exp", {"low": 1}):
        with pytest.raises(ValueError, match="Search space of 'x'"):
            parse_distribution("x", bad)


def test_tune_experiment_writes_a_study(tmp_path):
    config = {**_config(max_epochs=1), "search": {"lr": "float:1e-3:1e-2:log"}}
    result = tune_experiment(config, tmp_path, n_trials=2, cv=2, verbose=0)
    assert set(result["best_params"]) == {"lr"} and result["n_trials"] == 2
    trials = pd.read_csv(result["path"] / "trials.csv")
    assert len(trials) == 2 and "param_lr" in trials
    assert json.loads((result["path"] / "best_params.json").read_text()).keys() == {
        "lr"
    }
    with pytest.raises(ValueError, match="Nothing to tune"):
        tune_experiment(_config(), tmp_path, verbose=0)


def test_an_interrupted_run_resumes_to_the_uninterrupted_weights(tmp_path, monkeypatch):
    import torch
    from skorch.callbacks import Callback

    import affect_sklearn.estimators._train as base

    class Crash(Callback):
        def on_batch_end(self, net, training=False, **kwargs):
            if training and len(net.history) == 2 and len(net.history[-1, "batches"]):
                raise RuntimeError("crash")

    config = _config(max_epochs=3, class_sampling_weights="balanced")
    config["data"]["image_size"] = 20  # augmentation on
    reference = run_experiment(config, tmp_path / "a", verbose=0).load_model()
    callbacks = base.default_callbacks
    monkeypatch.setattr(
        base,
        "default_callbacks",
        lambda *a, **k: callbacks(*a, **k) + [("crash", Crash())],
    )
    with pytest.raises(RuntimeError, match="crash"):
        run_experiment(config, tmp_path / "b", verbose=0)
    monkeypatch.undo()
    (parent,) = list_runs(tmp_path / "b")
    assert parent.status == "incomplete" and len(parent.history) == 1
    resumed = resume_run(parent, verbose=0).load_model()
    a = reference.net_.module_.state_dict()
    b = resumed.net_.module_.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    np.testing.assert_array_equal(
        resumed.history_["val_loss"], reference.history_["val_loss"]
    )
