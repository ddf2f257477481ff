"""Video pipeline speed: ms per frame at 640x480, 1280x720 and 1920x1080, by stage.

For each resolution a synthetic clip (a make_face_sequences face, ``--face``
times the frame height, drifting over a textured background) is written
with ``--codec`` and analysed by ``analyze_video`` three ways, taking turns
at going first (``_common.take_turns``):

- full: a face detection in every frame, on the full-resolution frame
  (``detect_size=None, detect_every=1``), on the first ``--full-frames``
  frames only (it is slow). This is the reference for the agreement figures.
- per_frame: a detection in every frame on the copy shrunk to 320 pixels
  (``detect_every=1``): the boxes and probabilities of analyze_video's
  default before tracking.
- tracked: analyze_video's defaults (detection on the 320-pixel copy every
  10 frames, template tracking in between).

Each path reports the wall time per frame of the whole call and its split
(``results.stats``): decode, detect (detection and tracking), crop,
classify, smooth. Agreement on the frames both analysed, of tracked and
per_frame with full and of tracked with per_frame: box IoU, centre distance
as a fraction of the face box's side, largest difference of any class
probability, and whether a face was found in the same frames.

The classifier is the default compact AffectCNNClassifier fitted for one
epoch on 64 synthetic 48x48 faces (its weights do not change the timing).
torch and OpenCV get ``--threads``.

Usage::

    python benchmarks/bench_video.py
    python benchmarks/bench_video.py --sizes 1920x1080 --frames 300

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
from _common import take_turns, write_result  # noqa: E402

_EXT = {"MJPG": ".avi", "XVID": ".avi", "mp4v": ".mp4"}


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
        dx = int(width / 32 * np.sin(i / 15))
        dy = int(height / 48 * np.cos(i / 20))
        y0 = (height - face_size) // 2 + dy
        x0 = (width - face_size) // 2 + dx
        frame[y0 : y0 + face_size, x0 : x0 + face_size] = face
        out.append(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR))
    return out


def _write(path, frames, codec):
    import cv2

    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), 30, (w, h))
    if not writer.isOpened():
        raise SystemExit(f"OpenCV cannot write {codec} video here; try --codec MJPG")
    for frame in frames:
        writer.write(frame)
    writer.release()


def _iou(a, b):
    left = np.maximum(a[:, 0], b[:, 0])
    top = np.maximum(a[:, 1], b[:, 1])
    right = np.minimum(a[:, 2], b[:, 2])
    bottom = np.minimum(a[:, 3], b[:, 3])
    inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)

    def area(x):
        return (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])

    return inter / (area(a) + area(b) - inter)


def _agreement(ref, res):
    """Faces, boxes and probabilities of ``res`` against ``ref`` on its frames."""
    n = len(ref.frames)
    a, b = ref.boxes, res.boxes[:n]
    found_a, found_b = ~np.isnan(a[:, 0]), ~np.isnan(b[:, 0])
    both = found_a & found_b
    cols = [c for c in ref.frames.columns if c.startswith("prob_")]
    pa = ref.frames[cols].to_numpy()[both]
    pb = res.frames[cols].to_numpy()[:n][both]
    iou = _iou(a[both], b[both])
    side = (a[both, 2] - a[both, 0])[:, None]
    centre = np.hypot(
        *((a[both, :2] + a[both, 2:]) / 2 - (b[both, :2] + b[both, 2:]) / 2).T
    )
    return {
        "frames": n,
        "face_found_equal": bool((found_a == found_b).all()),
        "iou_min": round(float(iou.min()), 3) if both.any() else None,
        "iou_median": round(float(np.median(iou)), 3) if both.any() else None,
        "centre_error_max_side_fraction": (
            round(float((centre / side[:, 0]).max()), 3) if both.any() else None
        ),
        "proba_max_abs_diff": round(float(np.abs(pa - pb).max()), 4)
        if both.any()
        else None,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="640x480,1280x720,1920x1080")
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--full-frames", type=int, default=20)
    parser.add_argument("--face", type=float, default=0.4, help="face / frame height")
    parser.add_argument("--codec", choices=sorted(_EXT), default="mp4v")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]

    import cv2
    import torch

    from affect_sklearn import AffectCNNClassifier
    from affect_sklearn.datasets import make_faces
    from affect_sklearn.temporal import analyze_video

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    load_before = os.getloadavg()

    faces = make_faces(n_samples=64, image_size=48, random_state=0)
    names = np.asarray(faces.target_names)[faces.target]
    clf = AffectCNNClassifier(max_epochs=1, batch_size=32, device="cpu", random_state=0)
    clf.fit(faces.images, names)

    paths = {
        "full": {"detect_size": None, "detect_every": 1},
        "per_frame": {"detect_every": 1},
        "tracked": {},
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in sizes:
            face_size = int(round(args.face * height))
            frames = _frames(args.frames, width, height, face_size, args.seed)
            clip = Path(tmp) / f"clip_{width}x{height}{_EXT[args.codec]}"
            _write(clip, frames, args.codec)
            del frames
            # Warm up torch and OpenCV on this clip before timing.
            analyze_video(clip, clf, max_frames=5, progress=False)
            runs = {name: [] for name in paths}

            def step(name, clip=clip, runs=runs):
                max_frames = args.full_frames if name == "full" else None
                t0 = time.perf_counter()
                res = analyze_video(
                    clip, clf, max_frames=max_frames, progress=False, **paths[name]
                )
                runs[name].append((time.perf_counter() - t0, res))

            take_turns([lambda name=name: step(name) for name in paths], args.repeat)
            row = {"width": width, "height": height, "face_size": face_size}
            for name, results in runs.items():
                n = len(results[0][1].frames)
                walls = [w / n * 1e3 for w, _ in results]
                best = int(np.argmin(walls))
                res = results[best][1]
                stats = res.stats
                row[name] = {
                    "frames": n,
                    "ms_per_frame": round(float(np.median(walls)), 2),
                    "ms_per_frame_runs": [round(w, 2) for w in walls],
                    "stages_ms_per_frame": {
                        k: round(v / n * 1e3, 2) for k, v in stats["seconds"].items()
                    },
                    "detections": stats["detections"],
                    "tracked": stats["tracked"],
                    "lost": stats["lost"],
                    "face_found_fraction": round(
                        float(res.frames["face_found"].mean()), 3
                    ),
                }
            row["tracked_vs_full_speedup"] = round(
                row["full"]["ms_per_frame"] / row["tracked"]["ms_per_frame"], 2
            )
            row["tracked_vs_per_frame_speedup"] = round(
                row["per_frame"]["ms_per_frame"] / row["tracked"]["ms_per_frame"], 2
            )
            row["agreement_tracked_vs_full"] = _agreement(
                runs["full"][0][1], runs["tracked"][0][1]
            )
            row["agreement_per_frame_vs_full"] = _agreement(
                runs["full"][0][1], runs["per_frame"][0][1]
            )
            row["agreement_tracked_vs_per_frame"] = _agreement(
                runs["per_frame"][0][1], runs["tracked"][0][1]
            )
            rows.append(row)
            t, st = row["tracked"], row["tracked"]["stages_ms_per_frame"]
            print(
                f"{width}x{height} (face {face_size} px): tracked "
                f"{t['ms_per_frame']:.1f} ms/frame (decode {st['decode']:.1f}, "
                f"detect {st['detect']:.1f}, crop {st['crop']:.1f}, classify "
                f"{st['classify']:.1f}, smooth {st['smooth']:.2f}; "
                f"{t['detections']} detections), per-frame 320 "
                f"{row['per_frame']['ms_per_frame']:.1f}, full-res "
                f"{row['full']['ms_per_frame']:.1f} ms/frame; tracked vs full "
                f"{row['agreement_tracked_vs_full']}, per-frame 320 vs full "
                f"{row['agreement_per_frame_vs_full']}, tracked vs per-frame 320 "
                f"{row['agreement_tracked_vs_per_frame']}",
                flush=True,
            )
    load_after = os.getloadavg()
    path = write_result(
        "bench_video",
        {
            "settings": {
                "sizes": [f"{w}x{h}" for w, h in sizes],
                "frames": args.frames,
                "full_frames": args.full_frames,
                "face_fraction_of_height": args.face,
                "codec": args.codec,
                "repeat": args.repeat,
                "classifier": "AffectCNNClassifier() compact, 48x48, 1 epoch",
                "threads": args.threads,
                "seed": args.seed,
                "paths": {k: v or "defaults" for k, v in paths.items()},
            },
            "load_average_before": [round(v, 2) for v in load_before],
            "load_average_after": [round(v, 2) for v in load_after],
            "resolutions": rows,
        },
        args.output,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
