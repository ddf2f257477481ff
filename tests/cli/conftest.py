"""CLI tests train tiny nets: one torch thread, one shared run, shared face images."""

import zipfile

import pytest
import torch
from PIL import Image

from affect_sklearn.cli import main
from affect_sklearn.datasets import make_faces

TINY_TRAIN = [
    "--backbone", "basic", "--width", "4", "--epochs", "2", "--batch-size", "8",
    "--n-samples", "40", "--image-size", "16", "--n-classes", "3", "--device", "cpu",
    "--quiet",
]  # fmt: skip


def assert_png(path):
    """Fail unless ``path`` is a readable PNG file."""
    with Image.open(path) as img:
        img.verify()


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One thread: fast on tiny nets (module-scoped, so module fixtures use it)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="package")
def trained(tmp_path_factory):
    """A runs folder with one run trained through `affect-sklearn train` (read-only)."""
    runs = tmp_path_factory.mktemp("cli") / "runs"
    assert main(["train", *TINY_TRAIN, "--runs-dir", str(runs)]) == 0
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir() and p.name != "best"]
    return runs, run_dir


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Six face PNGs in a folder (two in a subfolder) and the same in a zip."""
    root = tmp_path_factory.mktemp("images")
    faces = make_faces(n_samples=6, image_size=24, n_classes=3, random_state=5)
    folder = root / "faces"
    (folder / "more").mkdir(parents=True)
    paths = []
    for i, img in enumerate(faces.images):
        path = folder / ("more" if i >= 4 else "") / f"face{i}.png"
        Image.fromarray(img).save(path)
        paths.append(path)
    (folder / "notes.txt").write_text("not an image")
    archive = root / "faces.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in paths:
            zf.write(path, f"inside/{path.name}")
        zf.writestr("readme.md", "ignored")
    return paths, folder, archive
