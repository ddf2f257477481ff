"""Time the FER-2013 loaders: CSV parse at full size and image-folder decoding.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 python benchmarks/bench_loaders.py [--data ../shared/data/fer2013]

``--data`` is the folder holding ``fer2013_train_publictest.npz``,
``fer2013_sample.csv`` and ``sample_folder/``. The full 35,887-row Kaggle CSV is
rebuilt in a temporary folder from the npz (pixels as space-separated strings)
and parsed with :func:`affect_sklearn.datasets.load_fer2013`; image folders are
decoded with :func:`affect_sklearn.datasets.load_image_folder` with and without
``n_jobs``. Results go to ``benchmarks/results/bench_loaders.json``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import PIL
from joblib import parallel_config
from PIL import Image

from affect_sklearn.datasets import load_fer2013, load_image_folder

REPO = Path(__file__).resolve().parents[1]
N_ROWS = 35_887  # the full FER-2013 CSV: 28,709 Training, 3,589 + 3,589 test rows
USAGE_SIZES = (("Training", 28_709), ("PublicTest", 3_589), ("PrivateTest", 3_589))


def machine_info():
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pillow": PIL.__version__,
        "joblib": joblib.__version__,
    }


def best_of(func, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return result, times


def write_full_csv(npz, path):
    """Write a 35,887-row Kaggle-format CSV, cycling through the npz images."""
    with np.load(npz) as f:
        X, y = f["X"], f["y"].astype(np.int64)
    idx = np.arange(N_ROWS) % len(X)
    usage = np.concatenate([[name] * n for name, n in USAGE_SIZES])
    lut = np.array([str(v) for v in range(256)], dtype=object)
    with open(path, "w") as f:
        f.write("emotion,pixels,Usage\n")
        for i, u in zip(idx, usage, strict=True):
            f.write(f"{y[i]},{' '.join(lut[X[i].ravel()])},{u}\n")
    return X[idx], y[idx]


def write_jpeg_folder(npz, root, n):
    """Write the first n npz images as FER-style train/<class>/<i>.jpg files."""
    with np.load(npz) as f:
        X, y, classes = f["X"][:n], f["y"][:n], f["classes"]
    for i in range(n):
        folder = root / str(classes[y[i]])
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(X[i]).save(folder / f"{i:05d}.jpg", quality=95)


def time_folder(root, repeat, label):
    rows = {}
    settings = {
        "n_jobs=1": dict(n_jobs=1),
        "n_jobs=2 (threads)": dict(n_jobs=2),
        "n_jobs=2 (loky processes, warm)": dict(n_jobs=2, backend="loky"),
        "return_paths (headers only)": dict(n_jobs=1, return_paths=True),
    }
    for name, kw in settings.items():
        backend = kw.pop("backend", None)

        def run(kw=kw, backend=backend):
            with parallel_config(backend=backend) if backend else parallel_config():
                return load_image_folder(root, **kw)

        if backend:
            run()  # start the worker processes outside the timing
        data, times = best_of(run, repeat)
        n = len(data.target)
        rows[name] = {
            "n_images": n,
            "seconds_best": min(times),
            "seconds_all": times,
            "images_per_s": n / min(times),
        }
        print(f"  {label:<28} {name:<32} {n:>6} images  {n / min(times):>8.0f} img/s")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=REPO.parent / "shared" / "data" / "fer2013",
        help="folder with fer2013_train_publictest.npz, fer2013_sample.csv and "
        "sample_folder/ (default: ../shared/data/fer2013 from the repo root)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "benchmarks" / "results" / "bench_loaders.json",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--n-folder-images",
        type=int,
        default=5000,
        help="JPEGs written from the npz for the larger folder-decoding run",
    )
    args = parser.parse_args(argv)
    npz = args.data / "fer2013_train_publictest.npz"
    if not npz.is_file():
        print(f"Skipping: {npz} not found. Pass --data pointing at the fer2013 folder.")
        return 0

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"Writing a {N_ROWS}-row CSV from {npz.name} ...")
        images, target = write_full_csv(npz, tmp / "fer2013.csv")
        size_mb = (tmp / "fer2013.csv").stat().st_size / 1e6
        data, times = best_of(lambda: load_fer2013(tmp / "fer2013.csv"), args.repeat)
        assert np.array_equal(data.images, images) and np.array_equal(
            data.target, target
        )
        results["csv_full"] = {
            "rows": N_ROWS,
            "file_mb": round(size_mb, 1),
            "seconds_best": min(times),
            "seconds_all": times,
            "rows_per_s": N_ROWS / min(times),
            "goal_seconds": 3.0,
        }
        print(f"  full CSV ({size_mb:.0f} MB): best {min(times):.2f} s of {times}")

        sample = args.data / "fer2013_sample.csv"
        if sample.is_file():
            data, times = best_of(lambda: load_fer2013(sample), args.repeat)
            results["csv_sample"] = {
                "rows": len(data.target),
                "seconds_best": min(times),
            }
            print(f"  sample CSV: {len(data.target)} rows in {min(times):.3f} s")
        data, times = best_of(lambda: load_fer2013(npz), args.repeat)
        results["npz"] = {"rows": len(data.target), "seconds_best": min(times)}
        print(f"  npz: {len(data.target)} rows in {min(times):.3f} s")

        folder = args.data / "sample_folder"
        if folder.is_dir():
            results["sample_folder_train"] = time_folder(
                folder / "train", args.repeat, "sample_folder/train"
            )
        write_jpeg_folder(npz, tmp / "jpegs", args.n_folder_images)
        results["jpeg_folder_from_npz"] = time_folder(
            tmp / "jpegs", args.repeat, f"{args.n_folder_images} JPEGs (48x48)"
        )

    report = {
        "benchmark": "bench_loaders",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "command": " ".join([Path(sys.executable).name] + sys.argv),
        "data": str(args.data),
        "machine": machine_info(),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
