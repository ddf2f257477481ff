import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

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


def _write_moving_video(path, n, size, face, jump_at, gone_from):
    """A face drifting over a textured background, as in bench_video.py.

    At ``jump_at`` the face jumps a third of the frame to the right (the track
    is lost); from ``gone_from`` on there is no face.
    """
    w, h = size
    seq = make_face_sequences(n_sequences=1, n_frames=n, n_classes=3, random_state=1)
    rng = np.random.RandomState(0)
    yy, xx = np.mgrid[0:h, 0:w]
    background = 70 + 60 * (xx / w) + 30 * np.sin(yy / 37.0) + rng.normal(0, 6, (h, w))
    background = np.clip(background, 0, 255).astype(np.uint8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, size)
    for i, img in enumerate(seq.images[0]):
        frame = background.copy()
        if i < gone_from:
            x0 = w // 5 + 3 * i + (w // 3 if i >= jump_at else 0)
            y0 = (h - face) // 2 + int(6 * np.sin(i / 3))
            frame[y0 : y0 + face, x0 : x0 + face] = cv2.resize(
                img, (face, face), interpolation=cv2.INTER_CUBIC
            )
        writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path


def _iou(a, b):
    inter_w = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
    inter_h = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
    inter = np.clip(inter_w, 0, None) * np.clip(inter_h, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a + area_b - inter)


def test_tracking_agrees_with_full_resolution_detection_in_every_frame(
    tmp_path, fitted_classifier
):
    # 640x360 frames: detection on the 320-pixel copy every 10 frames and
    # template tracking in between, against the Haar cascade on every
    # full-resolution frame. Tolerances: the same frames have a face, box IoU
    # >= 0.7 (the cascade's own boxes jump by its 1.1 scale step between
    # frames and scales), centres within 8 % of the box side, probabilities
    # within 0.05 and the same label wherever the reference's top two
    # probabilities are 0.1 or more apart.
    path = _write_moving_video(
        tmp_path / "moving.avi", 20, (640, 360), 150, jump_at=8, gone_from=16
    )
    ref = analyze_video(
        path, fitted_classifier, detect_size=None, detect_every=1, progress=False
    )
    fast = analyze_video(path, fitted_classifier, progress=False)
    found = ref.frames["face_found"].to_numpy()
    assert found[:16].all() and not found[16:].any()
    np.testing.assert_array_equal(fast.frames["face_found"].to_numpy(), found)
    assert np.isnan(fast.boxes[~found]).all()
    a, b = ref.boxes[found], fast.boxes[found]
    assert _iou(a, b).min() >= 0.7
    centre = np.hypot(*((a[:, :2] + a[:, 2:]) / 2 - (b[:, :2] + b[:, 2:]) / 2).T)
    assert (centre <= 0.08 * (a[:, 2] - a[:, 0])).all()
    cols = [f"prob_{c}" for c in fitted_classifier.classes_]
    p_ref = ref.frames[cols].to_numpy()[found]
    p_fast = fast.frames[cols].to_numpy()[found]
    np.testing.assert_allclose(p_fast, p_ref, atol=0.05)
    top2 = np.sort(p_ref, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] >= 0.1
    labels = ref.frames["label"][found].to_numpy()
    assert (fast.frames["label"][found].to_numpy()[clear] == labels[clear]).all()
    # Tracking did the work: a full detection on frame 0, after the jump,
    # and on each of the 4 frames without a face; the jump lost the track.
    stats = fast.stats
    assert stats["lost"] >= 2 and stats["tracked"] >= 10
    assert stats["detections"] + stats["tracked"] == 20
    assert stats["detections"] <= 8 and ref.stats["detections"] == 20
    assert set(stats["seconds"]) == {"decode", "detect", "crop", "classify", "smooth"}


def test_detect_every_frame_and_batching_match_the_face_cropper(
    tmp_path, fitted_classifier
):
    # detect_every=1 reproduces FaceCropper on the 320-pixel copy (analyze_video's
    # boxes and crops before tracking) exactly; classifying the crops in batches
    # of 3 changes the probabilities by float rounding only.
    from affect_sklearn.temporal._video import _ShrunkHaar
    from affect_sklearn.transformers import FaceCropper

    path = _write_moving_video(
        tmp_path / "moving.avi", 7, (640, 360), 150, jump_at=4, gone_from=7
    )
    gray, _ = read_video(path, grayscale=True)
    detect = _ShrunkHaar()
    boxes = np.stack([detect(g)[0] for g in gray])
    cropper = FaceCropper(size=16, detector=detect, upsample=0)
    crops = cropper.fit_transform(gray)
    assert cropper.n_missed_ == 0
    one_by_one = np.concatenate(
        [fitted_classifier.predict_proba(c[None]) for c in crops]
    )
    res = analyze_video(
        path, fitted_classifier, detect_every=1, batch_size=3, progress=False
    )
    np.testing.assert_array_equal(res.boxes, boxes)
    cols = [f"prob_{c}" for c in fitted_classifier.classes_]
    np.testing.assert_allclose(res.frames[cols].to_numpy(), one_by_one, atol=1e-6)


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
    assert np.isnan(results.boxes).all() and results.stats["detections"] == 5
    from affect_sklearn.transformers import FaceCropper

    strict = FaceCropper(size=16, detector="haar", on_missing="raise")
    with pytest.raises(ValueError, match="found no face in frame 0"):
        analyze_video(path, fitted_classifier, face_cropper=strict, progress=False)


def test_video_bad_input(tmp_path, video, fitted_classifier):
    from affect_sklearn.transformers import FaceCropper

    with pytest.raises(FileNotFoundError, match="video file not found"):
        read_video(tmp_path / "missing.mp4")
    text = tmp_path / "notes.avi"
    text.write_text("not a video")
    with pytest.raises(ValueError, match="could not open"):
        read_video(text)
    with pytest.raises(ValueError, match=r"'every' parameter of read_video .* \[1,"):
        read_video(video, every=0)
    with pytest.raises(TypeError, match="'path' parameter of read_video must be"):
        read_video(3)
    with pytest.raises(ValueError, match="'max_frames' parameter of analyze_video"):
        analyze_video(video, fitted_classifier, max_frames=0)
    with pytest.raises(ValueError, match="'batch_size' parameter of analyze_video"):
        analyze_video(video, fitted_classifier, batch_size=0)
    with pytest.raises(TypeError, match="'model' parameter .* 'predict_proba'"):
        analyze_video(video, object())
    with pytest.raises(ValueError, match="face_cropper.size=64"):
        analyze_video(video, fitted_classifier, face_cropper=FaceCropper(size=64))
    with pytest.raises(ValueError, match="'face_cropper' parameter of analyze_video"):
        analyze_video(video, fitted_classifier, face_cropper="retina")
    with pytest.raises(TypeError, match="face_cropper must be a FaceCropper"):
        analyze_video(video, fitted_classifier, face_cropper=StandardScaler())
    with pytest.raises(TypeError, match="'detector' parameter of analyze_video"):
        analyze_video(video, fitted_classifier, detector=StandardScaler())
    for bad in (16, 320.0, True, "full"):
        with pytest.raises(ValueError, match=r"'detect_size' .* \[32, inf\)"):
            analyze_video(video, fitted_classifier, detect_size=bad)
    with pytest.raises(ValueError, match="'detect_every' parameter of analyze_video"):
        analyze_video(video, fitted_classifier, detect_every=0)
    with pytest.raises(ValueError, match=r"'track_threshold' .* \[-1.0, 1.0\]"):
        analyze_video(video, fitted_classifier, track_threshold=1.5)
    with pytest.raises(TypeError, match="Bunch returned by analyze_video"):
        write_timeline_plot({"frames": None}, tmp_path / "x.png")
