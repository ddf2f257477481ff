"""``affect-sklearn predict``: files, folders, zips; the shipped model by default."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from affect_sklearn.cli import main
from affect_sklearn.datasets import make_faces

FER_CLASSES = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


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


def test_predict_uses_the_shipped_model_by_default(tmp_path, capsys):
    crop = tmp_path / "face.png"
    Image.fromarray(make_faces(n_samples=1, random_state=3).images[0]).save(crop)
    assert main(["predict", str(crop), "--out", "-", "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split(",")[:2] == ["path", "pred"]
    assert lines[0].count("proba_") == 7 and len(lines) == 2
    assert main(["predict", str(crop), "--model", "fer2013", "--out", "-"]) == 0


def test_predict_finds_a_real_face_with_haar(tmp_path, capsys):
    pytest.importorskip("cv2")
    skdata = pytest.importorskip("skimage.data")
    Image.fromarray(skdata.astronaut()).save(tmp_path / "astronaut.png")
    out = tmp_path / "p.csv"
    assert main(["predict", str(tmp_path / "astronaut.png"), "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert frame.loc[0, "face"] == "detected"
    # the astronaut's face lies in the upper middle of the 512x512 picture
    left, top, right, bottom = frame.loc[
        0, ["face_left", "face_top", "face_right", "face_bottom"]
    ]
    assert 100 < left < right < 300 and 0 < top < bottom < 250
    assert frame.loc[0, "pred"] in FER_CLASSES
