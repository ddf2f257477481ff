"""Speed of face detection + 68-point landmarks, in ms per image, at three sizes.

Images are built from skimage's astronaut photo (a real face): a tight face
crop at 48x48 (FER-2013 size, grayscale), a looser crop at 224x224 (RGB) and
the whole photo letterboxed into 640x480 (RGB; the face is about 80 pixels
wide). Each detector runs over a batch of copies with one call of
``LandmarkDetector.transform``; the face-detection step alone and
``FaceCropper`` are timed too. Model loading (about 1 s for the 100 MB
68-point model) happens before the clock starts and is reported apart.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_transformers.py
    python benchmarks/bench_transformers.py --detectors hog haar none --repeat 5

Results go to ``benchmarks/results/bench_transformers.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402

from affect_sklearn.transformers import (  # noqa: E402
    FaceCropper,
    LandmarkDetector,
    _detect,
)
from affect_sklearn.transformers._base import _gray_uint8  # noqa: E402

# Images per timed batch, by size; the CNN detector gets fewer.
BATCH = {"48x48": 200, "224x224": 50, "640x480": 20}
CNN_BATCH = {"48x48": 40, "224x224": 10, "640x480": 2}


def make_images():
    from skimage.data import astronaut

    photo = Image.fromarray(astronaut())
    face = (179, 83, 266, 170)  # dlib's box for the face
    cx, cy, side = (face[0] + face[2]) / 2, (face[1] + face[3]) / 2, 87
    tight = photo.crop(
        (cx - 0.65 * side, cy - 0.6 * side, cx + 0.65 * side, cy + 0.7 * side)
    )
    loose = photo.crop(
        (cx - 1.2 * side, cy - 1.1 * side, cx + 1.2 * side, cy + 1.3 * side)
    )
    canvas = Image.new("RGB", (640, 480))
    canvas.paste(photo.resize((480, 480), Image.BILINEAR), (80, 0))
    return {
        "48x48": np.asarray(tight.convert("L").resize((48, 48), Image.BILINEAR)),
        "224x224": np.asarray(loose.resize((224, 224), Image.BILINEAR)),
        "640x480": np.asarray(canvas),
    }


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--detectors", nargs="+", default=["hog", "haar", "cnn", "none"]
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--output", default=None)
    args = parser.parse_args()

    t = time.perf_counter()
    _detect.shape_predictor()
    load_s = time.perf_counter() - t
    for det in args.detectors:
        _detect.check_backend(det)

    images = make_images()
    rows = []
    for size, img in images.items():
        for det in args.detectors:
            n = (CNN_BATCH if det == "cnn" else BATCH)[size]
            batch = np.repeat(img[None], n, axis=0)
            model = LandmarkDetector(detector=det).fit(batch[:1])
            total, _ = best_of(lambda m=model, b=batch: m.transform(b), args.repeat)
            row = {
                "size": size,
                "detector": det,
                "n_images": n,
                "ms_per_image": 1000 * total / n,
                "faces_missed": int(model.n_missed_),
            }
            if det != "none":
                gray = _gray_uint8(
                    np.moveaxis(img, -1, 0) if img.ndim == 3 else img[None]
                )
                reps = max(1, n // 4)
                detect, _ = best_of(
                    lambda g=gray, d=det, r=reps: [
                        _detect.detect_faces(g, d, "auto") for _ in range(r)
                    ],
                    args.repeat,
                )
                row["detect_ms_per_image"] = 1000 * detect / reps
            if det == "hog":
                cropper = FaceCropper(size=48).fit(batch[:1])
                crop, _ = best_of(
                    lambda c=cropper, b=batch: c.transform(b), args.repeat
                )
                row["face_cropper_ms_per_image"] = 1000 * crop / n
            rows.append(row)
            print(
                f"{size:8s} {det:5s} {row['ms_per_image']:8.2f} ms/image "
                f"(detect {row.get('detect_ms_per_image', float('nan')):7.2f}) "
                f"missed {row['faces_missed']}/{n}"
            )
    path = write_result(
        "bench_transformers",
        {"model_load_s": load_s, "repeat": args.repeat, "rows": rows},
        args.output,
    )
    print(f"model load {load_s:.2f} s; wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
