"""
When does the expression change? Segments and change points from a video
=========================================================================

A per-frame classifier flickers: one blink or blurred frame and the label
jumps for a frame. :class:`~affect_sklearn.temporal.EmotionChangeDetector`
smooths the per-frame probabilities (a sticky HMM decoded with Viterbi, or a
moving average with hysteresis) into segments of constant expression and the
frames where it changes. :func:`~affect_sklearn.temporal.analyze_video` runs
the whole chain on a video file: read frames with OpenCV, find and crop the
face, classify in batches, detect the changes.

This example

- trains a small classifier on synthetic faces, cropped the way the video's
  faces will be;
- writes a synthetic video of one face whose expression changes at known
  frames (:func:`~affect_sklearn.datasets.make_face_sequences`);
- analyses it and scores the detected change points against the true ones;
- tunes the detector with ``GridSearchCV`` on labelled sequences.

It needs the ``video`` extra (``pip install "affect-sklearn[video]"``). Run
``python examples/temporal/plot_video_emotion_changes.py`` (about 30 s on 2
CPU cores). The command line does the same on your own videos::

    affect-sklearn video session.mp4 --model runs/<time>-demo-compact-<id>
"""

# %%
import tempfile
from pathlib import Path

import cv2
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import make_face_sequences, make_faces
from affect_sklearn.temporal import (
    EmotionChangeDetector,
    analyze_video,
    change_point_scores,
    change_points_from_labels,
    segment_accuracy,
    write_timeline_plot,
)
from affect_sklearn.transformers import FaceCropper

out_dir = Path(tempfile.mkdtemp(prefix="affect_video_"))


def on_background(faces, height, width, face_size):
    """Paste gray faces, resized to ``face_size``, in the middle of plain frames."""
    frames = np.full((len(faces), height, width), 105, np.uint8)
    y0, x0 = (height - face_size) // 2, (width - face_size) // 2
    for frame, face in zip(frames, faces, strict=True):
        frame[y0 : y0 + face_size, x0 : x0 + face_size] = cv2.resize(
            face, (face_size, face_size), interpolation=cv2.INTER_LINEAR
        )
    return frames


# %%
# A classifier trained on cropped faces
# -------------------------------------
# The video's faces will be found by OpenCV's Haar cascade and cropped by a
# :class:`~affect_sklearn.transformers.FaceCropper`; the classifier learns
# from faces cropped by the same cropper, so that it sees the same framing.
# Four expressions, 32x32 crops, the basic backbone for a few epochs.
N_CLASSES = 4
cropper = FaceCropper(size=32, detector="haar", upsample=0)
faces = make_faces(n_samples=1500, n_classes=N_CLASSES, random_state=0)
names = np.asarray(faces.target_names)
crops = cropper.fit_transform(on_background(faces.images, 64, 64, 48))
found = ~cropper.missed_
print(f"faces found in {found.sum()} of {len(found)} training images")
clf = AffectCNNClassifier(
    backbone="basic", max_epochs=6, augment=False, random_state=0
).fit(crops[found], names[faces.target[found]])
print("classes:", clf.classes_)

# %%
# A synthetic video
# -----------------
# One face, 200 frames at 10 fps on a plain 192x144 background; its expression
# changes at known frames. The frames are written as MJPG, so the classifier
# sees compression artefacts as it would in a real file. (The Haar cascade
# misses some synthetic identities altogether; the seeds here give faces it
# finds.)
FPS = 10
seq = make_face_sequences(
    n_sequences=1,
    n_frames=200,
    n_classes=N_CLASSES,
    mean_segment_length=45,
    min_segment_length=20,
    random_state=7,
)
true_labels = names[seq.target[0]]
true_cps = seq.change_points[0]
video = out_dir / "session.avi"
writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (192, 144))
for frame in on_background(seq.images[0], 144, 192, 96):
    writer.write(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
writer.release()
print("true change points (frames):", true_cps.tolist())

# %%
# Analyse the video
# -----------------
# Each frame's face is cropped to the classifier's 32x32 input and
# classified; frames without a face would get NaN probabilities and keep the
# smoothed label of the frame before. The default detector (sticky HMM) is
# fitted on the video's own probabilities, without labels.
results = analyze_video(video, clf, face_cropper=cropper, progress=False)
frames = results.frames
print(frames.head())
print(results.segments)

# %%
# Raw per-frame labels against smoothed ones. A detected change point within
# 3 frames (0.3 s) of a true change is a hit.
for name, column in [("raw argmax", "label"), ("smoothed", "smoothed_label")]:
    labels = frames[column].fillna("none").to_numpy()
    p, r, f1 = change_point_scores(
        true_cps, change_points_from_labels(labels), tolerance=3
    )
    print(
        f"{name:>10}: change points precision {p:.2f} recall {r:.2f} F1 {f1:.2f}; "
        f"frame accuracy {np.mean(labels == true_labels):.2f}, "
        f"segment accuracy {segment_accuracy(true_labels, labels):.2f}"
    )

# %%
# The timeline: class probabilities over time, detected segments shaded and
# named in the top band.
png = write_timeline_plot(results, out_dir / "timeline.png")
fig, ax = plt.subplots(figsize=(11, 4.8))
ax.imshow(plt.imread(png))
ax.set_axis_off()
plt.show()

# %%
# Tune the detector on labelled sequences
# ---------------------------------------
# With a few labelled sequences, ``fit`` learns how often the label changes
# and ``GridSearchCV`` picks the smoothing that recovers the change points
# best (the detector's ``score`` is the change-point F1). The sequences go in
# as a list of (n_frames, n_classes) probability arrays; frames where the
# cropper found no face are NaN rows. (Four short sequences make a noisy
# estimate; use more in earnest.)
train = make_face_sequences(
    n_sequences=4,
    n_frames=80,
    n_classes=N_CLASSES,
    mean_segment_length=35,
    min_segment_length=15,
    random_state=16,
)
X_seq, y_seq = [], []
for images, target in zip(train.images, train.target, strict=True):
    seq_crops = cropper.transform(on_background(images, 96, 128, 64))
    proba = clf.predict_proba(seq_crops)
    proba[cropper.missed_] = np.nan
    X_seq.append(proba)
    y_seq.append(names[target])
search = GridSearchCV(
    EmotionChangeDetector(classes=clf.classes_, tolerance=3),
    {
        "method": ["hmm", "ema"],
        "stay_prob": [0.8, 0.9, 0.98],
        "min_duration": [1, 8],
    },
    cv=3,
).fit(X_seq, y_seq)
print("best:", search.best_params_, f"cross-validated F1 {search.best_score_:.2f}")

# %%
# The tuned detector on the video's probabilities (no need to read it again):
video_proba = frames[[f"prob_{c}" for c in clf.classes_]].to_numpy()
tuned = search.best_estimator_
p, r, f1 = change_point_scores(true_cps, tuned.change_points(video_proba), tolerance=3)
print(f"tuned on the video: precision {p:.2f} recall {r:.2f} F1 {f1:.2f}")
print(tuned.segments(video_proba))

# %%
# For a live camera, ``method="ema"`` is causal: each frame's label depends
# only on the frames before it. Face detection, cropping and classification
# of a 640x480 frame take a few tens of milliseconds on a CPU
# (``benchmarks/bench_video.py``).
