import numpy as np
import pandas as pd
import pytest

from affect_sklearn.datasets import make_face_sequences
from affect_sklearn.temporal import (
    EmotionChangeDetector,
    analyze_video,
    read_video,
    write_timeline_plot,
)

cv2 = pytest.importorskip("cv2")

FPS = 10


def _write_video(path, gray_frames, size=(192, 144), face=96):
    """MJPG .avi of faces upscaled to ``face`` pixels on a plain background."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, size)
    assert writer.isOpened()
    for img in gray_frames:
        frame = np.full((h, w), 110, np.uint8)
        y0, x0 = (h - face) // 2, (w - face) // 2
        frame[y0 : y0 + face, x0 : x0 + face] = cv2.resize(
            img, (face, face), interpolation=cv2.INTER_CUBIC
        )
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """30 frames at 10 fps of one synthetic face whose expression changes."""
    seq = make_face_sequences(
        n_sequences=1,
        n_frames=30,
        n_classes=3,
        mean_segment_length=12,
        min_segment_length=6,
        random_state=1,
    )
    path = tmp_path_factory.mktemp("video") / "faces.avi"
    return _write_video(path, seq.images[0])


def test_read_video_round_trip(video):
    frames, times = read_video(video)
    assert frames.shape == (30, 144, 192, 3) and frames.dtype == np.uint8
    np.testing.assert_allclose(times, np.arange(30) / FPS)
    # The background survives MJPG compression; the face is in the middle.
    assert abs(int(frames[0, 5, 5, 0]) - 110) < 8
    gray, times = read_video(video, every=4, max_frames=3, grayscale=True)
    assert gray.shape == (3, 144, 192)
    np.testing.assert_allclose(times, [0.0, 0.4, 0.8])


def test_analyze_video_writes_per_frame_table_segments_and_plot(
    video, fitted_classifier, tmp_path
):
    results = analyze_video(video, fitted_classifier, batch_size=8)
    frames, segments = results.frames, results.segments
    classes = fitted_classifier.classes_.tolist()
    prob_cols = [f"prob_{c}" for c in classes]
    assert frames.columns.tolist() == [
        "frame",
        "time_s",
        "face_found",
        "label",
        *prob_cols,
        "smoothed_label",
    ]
    assert frames["frame"].tolist() == list(range(30))
    assert frames["face_found"].mean() >= 0.5  # Haar finds the synthetic face
    found = frames["face_found"].to_numpy()
    probs = frames[prob_cols].to_numpy()
    np.testing.assert_allclose(probs[found].sum(axis=1), 1, atol=1e-5)
    assert np.isnan(probs[~found]).all() and frames["label"][~found].isna().all()
    assert set(frames["smoothed_label"]) <= set(classes)
    # Segments tile the video.
    assert segments["start_frame"].iloc[0] == 0 and segments["end_frame"].iloc[-1] == 30
    assert (
        segments["start_frame"].iloc[1:].values
        == segments["end_frame"].iloc[:-1].values
    ).all()
    assert segments["n_frames"].sum() == 30
    assert segments["end_s"].iloc[-1] == pytest.approx(3.0)

    frames.to_csv(tmp_path / "frames.csv", index=False)
    back = pd.read_csv(tmp_path / "frames.csv")
    assert back.shape == frames.shape
    png = write_timeline_plot(results, tmp_path / "timeline.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_analyze_video_every_max_frames_and_no_detection(video, fitted_classifier):
    results = analyze_video(
        video,
        fitted_classifier,
        face_cropper="none",
        detector=EmotionChangeDetector(method="ema"),
        every=2,
        max_frames=10,
        progress=False,
    )
    frames = results.frames
    assert frames["frame"].tolist() == list(range(0, 20, 2))
    np.testing.assert_allclose(frames["time_s"], np.arange(0, 20, 2) / FPS)
    assert frames["face_found"].all()
    assert results.segments["end_frame"].iloc[-1] == 20
    assert results.detector.method == "ema"
    assert results.fps == pytest.approx(FPS)


def test_analyze_video_finds_the_face_in_a_large_frame(tmp_path, fitted_classifier):
    # 640x480 frames are shrunk to 320 pixels for the Haar cascade; the crop is
    # taken from the full frame.
    seq = make_face_sequences(n_sequences=1, n_frames=4, n_classes=3, random_state=1)
    path = _write_video(tmp_path / "vga.avi", seq.images[0], (640, 480), 200)
    from affect_sklearn.temporal._video import _ShrunkHaar

    frame = read_video(path, max_frames=1, grayscale=True)[0][0]
    (box,) = _ShrunkHaar()(frame)
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    assert abs(cx - 320) < 30 and abs(cy - 240) < 40 and box[2] - box[0] > 100
    results = analyze_video(path, fitted_classifier, progress=False)
    assert results.frames["face_found"].all()


def test_analyze_video_with_a_fitted_detector(video, fitted_classifier):
    classes = fitted_classifier.classes_
    k = len(classes)
    det = EmotionChangeDetector(classes=classes).fit(np.full((5, k), 1 / k))
    results = analyze_video(
        video, fitted_classifier, face_cropper="none", detector=det, max_frames=5
    )
    assert results.detector is det
    other = EmotionChangeDetector().fit(np.full((5, k), 1 / k))
    with pytest.raises(ValueError, match="differ from the model's classes"):
        analyze_video(video, fitted_classifier, detector=other, progress=False)
    with pytest.raises(ValueError, match="input_type='proba'"):
        analyze_video(
            video,
            fitted_classifier,
            detector=EmotionChangeDetector(input_type="va"),
            progress=False,
        )


def test_no_face_anywhere_warns(tmp_path, fitted_classifier):
    blank = np.full((5, 48, 48), 120, np.uint8)
    path = _write_video(tmp_path / "blank.avi", blank)
    with pytest.warns(UserWarning, match="No face was found"):
        results = analyze_video(path, fitted_classifier, progress=False)
    assert not results.frames["face_found"].any()
    assert results.frames["smoothed_label"].notna().all()


def test_video_bad_input(tmp_path, video, fitted_classifier):
    from affect_sklearn.transformers import FaceCropper

    with pytest.raises(FileNotFoundError, match="video file not found"):
        read_video(tmp_path / "missing.mp4")
    text = tmp_path / "notes.avi"
    text.write_text("not a video")
    with pytest.raises(ValueError, match="could not open"):
        read_video(text)
    with pytest.raises(ValueError, match="every must be a positive integer"):
        read_video(video, every=0)
    with pytest.raises(ValueError, match="max_frames must be a positive integer"):
        analyze_video(video, fitted_classifier, max_frames=0)
    with pytest.raises(ValueError, match="batch_size must be"):
        analyze_video(video, fitted_classifier, batch_size=0)
    with pytest.raises(TypeError, match="fitted classifier with predict_proba"):
        analyze_video(video, object())
    with pytest.raises(ValueError, match="face_cropper.size=64"):
        analyze_video(video, fitted_classifier, face_cropper=FaceCropper(size=64))
    with pytest.raises(ValueError, match="face_cropper must be"):
        analyze_video(video, fitted_classifier, face_cropper="retina")
    with pytest.raises(TypeError, match="Bunch returned by analyze_video"):
        write_timeline_plot({"frames": None}, tmp_path / "x.png")
