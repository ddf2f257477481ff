"""Video pipeline speed: ms per 640x480 frame for face detection, crop, CNN, smoothing.

Two measurements on synthetic frames (a make_face_sequences face of
``--face-size`` pixels on a textured 640x480 background):

- live: frames one at a time, as from a camera: grayscale, FaceCropper with
  the Haar cascade (``analyze_video``'s default: detection on a copy shrunk to
  320 pixels; ``--detector haar-full`` runs it on the full frame), the default
  compact AffectCNNClassifier on the 48x48 crop, and one causal moving-average
  step. Median and p90 of the per-frame time, and of each stage.
- file: ``analyze_video`` on the same frames written as an MJPG .avi:
  decoding, batches of 32, and the sticky-HMM decode of the whole sequence.

The classifier is fitted for one epoch on 64 synthetic faces (its weights do
not change the timing). Threads: torch and OpenCV get ``--threads``.

Usage::

    python benchmarks/bench_video.py
    python benchmarks/bench_video.py --frames 300 --detector haar-full

Results go to ``benchmarks/results/bench_video.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402


def _frames(n, width, height, face_size, seed):
    """BGR frames: a textured background and a drifting synthetic face."""
    import cv2

    from affect_sklearn.datasets import make_face_sequences

    seq = make_face_sequences(
        n_sequences=1, n_frames=n, image_size=48, random_state=seed
    )
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    background = 70 + 60 * (xx / width) + 30 * np.sin(yy / 37.0)
    background = background + rng.normal(0, 6, (height, width))
    background = np.clip(background, 0, 255).astype(np.uint8)
    out = []
    for i, img in enumerate(seq.images[0]):
        frame = background.copy()
        face = cv2.resize(img, (face_size, face_size), interpolation=cv2.INTER_CUBIC)
        dx = int(20 * np.sin(i / 15))
        dy = int(10 * np.cos(i / 20))
        y0 = (height - face_size) // 2 + dy
        x0 = (width - face_size) // 2 + dx
        frame[y0 : y0 + face_size, x0 : x0 + face_size] = face
        out.append(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    return out


def _summary(values_ms):
    arr = np.asarray(values_ms)
    return {
        "median_ms": round(float(np.median(arr)), 2),
        "p90_ms": round(float(np.percentile(arr, 90)), 2),
        "mean_ms": round(float(arr.mean()), 2),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--face-size", type=int, default=200)
    parser.add_argument("--detector", choices=["haar", "haar-full"], default="haar")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)

    import cv2
    import torch

    from affect_sklearn import AffectCNNClassifier
    from affect_sklearn.datasets import make_faces
    from affect_sklearn.temporal import EmotionChangeDetector, analyze_video
    from affect_sklearn.temporal._video import _ShrunkHaar
    from affect_sklearn.transformers import FaceCropper

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    load_before = os.getloadavg()

    faces = make_faces(n_samples=64, image_size=48, random_state=0)
    names = np.asarray(faces.target_names)[faces.target]
    clf = AffectCNNClassifier(max_epochs=1, batch_size=32, device="cpu", random_state=0)
    clf.fit(faces.images, names)
    size = clf.image_shape_[1]
    detector = _ShrunkHaar() if args.detector == "haar" else "haar"
    cropper = FaceCropper(size=size, detector=detector, upsample=0)

    frames = _frames(args.frames, args.width, args.height, args.face_size, args.seed)

    # Live: one frame at a time.
    stages = {"detect_crop": [], "classify": [], "smooth": [], "total": []}
    alpha, state, n_found = 0.3, None, 0
    for i, frame in enumerate(frames):
        t0 = time.perf_counter()
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        crop = cropper.transform(gray[None])
        t1 = time.perf_counter()
        found = not cropper.missed_[0]
        proba = clf.predict_proba(crop)[0] if found else None
        t2 = time.perf_counter()
        if proba is not None:
            state = proba if state is None else alpha * proba + (1 - alpha) * state
        _ = None if state is None else int(np.argmax(state))
        t3 = time.perf_counter()
        if i < args.warmup:
            continue
        n_found += found
        stages["detect_crop"].append((t1 - t0) * 1e3)
        stages["classify"].append((t2 - t1) * 1e3)
        stages["smooth"].append((t3 - t2) * 1e3)
        stages["total"].append((t3 - t0) * 1e3)
    n_timed = len(stages["total"])
    live = {name: _summary(v) for name, v in stages.items()}
    live["face_found_fraction"] = round(n_found / n_timed, 3)
    print(
        f"live, {args.width}x{args.height}, {args.detector}, {args.threads} threads: "
        f"median {live['total']['median_ms']:.1f} ms/frame, "
        f"p90 {live['total']['p90_ms']:.1f} ms "
        f"(detect+crop {live['detect_crop']['median_ms']:.1f}, "
        f"classify {live['classify']['median_ms']:.1f}, "
        f"smooth {live['smooth']['median_ms']:.3f}); "
        f"face found in {live['face_found_fraction']:.0%} of {n_timed} frames",
        flush=True,
    )

    # File: analyze_video on an MJPG copy of the frames.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.avi"
        writer = cv2.VideoWriter(
            str(path),
            cv2.VideoWriter_fourcc(*"MJPG"),
            30,
            (args.width, args.height),
        )
        for frame in frames:
            writer.write(frame)
        writer.release()
        t0 = time.perf_counter()
        results = analyze_video(
            path,
            clf,
            face_cropper=cropper,
            detector=EmotionChangeDetector(),
            batch_size=32,
            progress=False,
        )
        file_s = time.perf_counter() - t0
    n = len(results.frames)
    file_stats = {
        "frames": n,
        "seconds": round(file_s, 2),
        "ms_per_frame": round(file_s / n * 1e3, 2),
        "face_found_fraction": round(float(results.frames["face_found"].mean()), 3),
        "segments": len(results.segments),
    }
    print(
        f"file (analyze_video, MJPG decode + batches of 32 + HMM): "
        f"{file_stats['ms_per_frame']:.1f} ms/frame over {n} frames",
        flush=True,
    )
    load_after = os.getloadavg()
    path = write_result(
        "bench_video",
        {
            "settings": {
                "frames": args.frames,
                "width": args.width,
                "height": args.height,
                "face_size": args.face_size,
                "detector": args.detector,
                "classifier": "AffectCNNClassifier() compact, 48x48, 1 epoch",
                "threads": args.threads,
                "warmup_frames": args.warmup,
                "seed": args.seed,
            },
            "load_average_before": [round(v, 2) for v in load_before],
            "load_average_after": [round(v, 2) for v in load_after],
            "live": live,
            "file": file_stats,
        },
        args.output,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
