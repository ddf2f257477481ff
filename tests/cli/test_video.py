"""``affect-sklearn video``: per-frame CSV, segments and timeline of a video."""

import argparse

import joblib
import numpy as np
import pandas as pd
import pytest

from affect_sklearn.cli._video import register
from affect_sklearn.datasets import make_face_sequences

cv2 = pytest.importorskip("cv2")


def _parser():
    parser = argparse.ArgumentParser(prog="affect-sklearn")
    register(parser.add_subparsers(dest="command"))
    return parser


def _main(argv):
    args = _parser().parse_args(argv)
    return args.func(args)


@pytest.fixture
def files(tmp_path, fitted_classifier):
    seq = make_face_sequences(n_sequences=1, n_frames=12, n_classes=3, random_state=1)
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (160, 120))
    for img in seq.images[0]:
        frame = np.full((120, 160), 110, np.uint8)
        frame[20:100, 40:120] = cv2.resize(img, (80, 80))
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    model = tmp_path / "model.joblib"
    joblib.dump(fitted_classifier, model)
    return video, model


def test_video_subcommand_writes_csvs_and_timeline(files, tmp_path, capsys):
    video, model = files
    out = tmp_path / "out"
    argv = ["video", str(video), "--model", str(model), "--every", "2"]
    assert _main([*argv, "--out", str(out), "--quiet", "--min-duration", "2"]) == 0
    printed = capsys.readouterr().out
    assert "clip.avi: 6 frames analysed" in printed and "wrote" in printed
    frames = pd.read_csv(out / "frames.csv")
    segments = pd.read_csv(out / "segments.csv")
    assert frames["frame"].tolist() == [0, 2, 4, 6, 8, 10]
    assert {"time_s", "face_found", "label", "smoothed_label"} <= set(frames.columns)
    assert segments.columns.tolist()[:4] == [
        "start_frame",
        "end_frame",
        "start_s",
        "end_s",
    ]
    assert (out / "timeline.png").stat().st_size > 1000


def test_video_subcommand_detection_options(files, tmp_path, capsys):
    video, model = files
    out = tmp_path / "out"
    argv = ["video", str(video), "--model", str(model), "--out", str(out), "--quiet"]
    assert _main([*argv, "--detect-every", "1", "--detect-size", "0"]) == 0
    printed = capsys.readouterr().out
    assert "12 face detections, 0 frames tracked" in printed
    every_frame = pd.read_csv(out / "frames.csv")
    assert _main([*argv, "--detect-every", "4", "--detect-size", "64"]) == 0
    assert "3 face detections, 9 frames tracked" in capsys.readouterr().out
    tracked = pd.read_csv(out / "frames.csv")
    assert tracked["face_found"].tolist() == every_frame["face_found"].tolist()


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--every", "0"], "error: --every must be at least 1"),
        (["--max-frames", "0"], "error: --max-frames must be at least 1"),
        (["--detect-every", "0"], "error: --detect-every must be at least 1"),
        (["--detect-size", "16"], "error: --detect-size must be 0"),
    ],
)
def test_video_subcommand_rejects_bad_numbers(files, extra, match):
    video, model = files
    with pytest.raises(SystemExit, match=match):
        _main(["video", str(video), "--model", str(model), *extra])


def test_video_subcommand_errors_are_one_line(files, tmp_path):
    video, model = files
    cases = [
        (["video", str(tmp_path / "no.mp4"), "--model", str(model)], "video file not"),
        (["video", str(video), "--model", str(tmp_path / "no.joblib")], "--model file"),
    ]
    junk = tmp_path / "junk.joblib"
    junk.write_text("not a pickle")
    cases.append((["video", str(video), "--model", str(junk)], "could not load"))
    dict_model = tmp_path / "dict.joblib"
    joblib.dump({"a": 1}, dict_model)
    cases.append((["video", str(video), "--model", str(dict_model)], "holds a dict"))
    not_video = tmp_path / "notes.avi"
    not_video.write_text("text")
    cases.append((["video", str(not_video), "--model", str(model)], "could not open"))
    for argv, match in cases:
        with pytest.raises(SystemExit, match=match) as info:
            _main(argv)
        message = str(info.value)
        assert message.startswith("error: ") and "\n" not in message


def test_video_subcommand_uses_the_shipped_model_by_default(files, tmp_path, capsys):
    video, _ = files
    out = tmp_path / "shipped"
    assert _main(["video", str(video), "--out", str(out), "--quiet"]) == 0
    frames = pd.read_csv(out / "frames.csv")
    fer = {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"}
    assert set(frames["label"].dropna()) <= fer and len(frames) == 12
    assert {f"prob_{c}" for c in fer} <= set(frames.columns)


def test_video_subcommand_takes_debug_after_the_command(files, tmp_path):
    video, model = files
    parser = _parser()
    args = parser.parse_args(
        ["video", str(video), "--model", str(model), "--debug", "--max-frames", "0"]
    )
    assert args.debug
    with pytest.raises(SystemExit, match="--max-frames must be at least 1"):
        args.func(args)
    args = parser.parse_args(["video", str(tmp_path), "--model", str(model)])
    with pytest.raises(SystemExit, match="video file not found"):
        args.func(args)
    text = tmp_path / "notes.avi"
    text.write_text("text")
    args = parser.parse_args(["video", str(text), "--model", str(model), "--debug"])
    with pytest.raises(ValueError, match="could not open"):  # --debug: traceback
        args.func(args)
