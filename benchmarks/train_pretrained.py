"""Train the FER-2013 model that ships inside the package (``from_pretrained``).

Trains ``AffectCNNClassifier`` on the whole FER-2013 Training split (28,709 faces)
with a checkpoint after every epoch, so a run that is stopped (a session that
ends, a SIGKILL) resumes with ``--resume`` to the same weights. When training is
done it scores PublicTest and writes

- the weights-only file ``affect_sklearn/pretrained/<name>.pt`` (``est.save``:
  tensors, numbers and strings, read back with ``torch.load(weights_only=True)``),
- ``benchmarks/results/pretrained_<name>.json``: command, machine, epochs, training
  seconds, PublicTest accuracy, macro F1 and per-class recall, the figures that the
  model card quotes.

Usage::

    python benchmarks/train_pretrained.py \
        --data ../shared/data/fer2013/fer2013_train_publictest.npz \
        --epochs 40 --checkpoint-dir runs/pretrained-fer2013
    # after an interruption, the same command with --resume
    python benchmarks/train_pretrained.py --data ... --resume
    # a second stage: a warm restart from the shipped weights, a new one-cycle
    # schedule with a lower peak; the record keeps both stages
    python benchmarks/train_pretrained.py --data ... --init-from fer2013 \
        --epochs 40 --lr 1e-3 --checkpoint-dir runs/pretrained-fer2013-stage2

Exits 0 with a message when ``--data`` does not exist.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402
from bench_fer2013 import load, summarise  # noqa: E402

from affect_sklearn import AffectCNNClassifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# The recipe of the shipped model: the library defaults, trained much longer,
# with the full augmentation (rotation, scale, brightness/contrast) that a
# long run can afford and that photos from other cameras need.
RECIPE = {
    "backbone": "compact",
    "augment": True,
    "label_smoothing": 0.1,
    "lr": 3e-3,
    "batch_size": 64,
    "scheduler": "onecycle",
}


CARD = """\
# Model card: `{name}` (shipped with affect_sklearn)

A facial expression classifier: `AffectCNNClassifier(backbone="compact")`,
{params:,} parameters, 48x48 grayscale faces in, 7 classes out (angry, disgust, fear,
happy, neutral, sad, surprise; `classes_` are sorted names). Load it with
`AffectCNNClassifier.from_pretrained("{name}")`; fine-tune it with
`AffectCNNClassifier(pretrained="{name}").fit(X, y)`.

## Data and licence

- Trained on the FER-2013 **Training** split (28,709 faces) of the ICML 2013
  "Challenges in Representation Learning" data (Carrier & Courville), as decoded from
  the widely distributed JPEG export. Scored on **PublicTest** (3,589 faces), which
  training never saw; PrivateTest was not used.
- FER-2013 has no clear licence and is distributed for **research use**. These weights
  are derived from it: use them for research, and check the terms that apply to you
  before any other use. The faces were collected by web search; they are mostly
  frontal, of adults, and skewed in age, ethnicity and pose, and the labels are one
  annotator's. The model inherits those biases; it labels a displayed expression and
  says nothing about what a person feels.

## Figures (PublicTest)

| accuracy | macro F1 | Cohen's kappa |
| --- | --- | --- |
| {accuracy:.3f} | {f1_macro:.3f} | {cohen_kappa:.3f} |

Recall per class: {recall}.

The lowest recalls are fear and disgust; disgust is 1.5 % of Training (436 faces).

## Training

{training}
- Scored by the same code as `benchmarks/bench_fer2013.py` (its `load` and
  `summarise`); the record is `benchmarks/results/pretrained_{name}.json`. The
  script checkpoints every epoch; `--resume` continues an interrupted run to the
  same weights.
- File: `{file}`, {size_kb:,.0f} kB, written by `save()` (tensors, numbers and strings;
  read with `torch.load(weights_only=True)`).
"""


STAGE_KEYS = ("epochs", "train_seconds", "train_images_per_s", "accuracy", "recipe")


def stage_of(row, command):
    """One training stage of a record's result row, with the command that ran it."""
    return {k: row[k] for k in STAGE_KEYS} | {"command": command}


def write_expected(name, path):
    """Record the shipped model's predictions on fixed synthetic faces.

    ``tests/pretrained/test_shipped_predictions_are_stable`` compares the
    shipped file with this record, so new weights come with a new record.
    """
    from affect_sklearn.datasets import make_faces

    clf = AffectCNNClassifier.from_pretrained(name)
    faces = make_faces(n_samples=8, random_state=0)
    record = {
        "note": f"from_pretrained({name!r}).predict_proba("
        "make_faces(n_samples=8, random_state=0).images)",
        "proba": np.round(clf.predict_proba(faces.images), 6).tolist(),
        "pred": clf.predict(faces.images).tolist(),
    }
    Path(path).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def write_card(record, card_path):
    """The model card of a shipped model, from its JSON record."""
    row = record["results"][0]
    m = record["machine"]
    machine = (
        f"{m.get('cpu_model', m.get('processor'))}, {m.get('cpu_count')} cores, "
        f"{m.get('torch_threads')} torch threads, torch {m.get('torch')}"
    )
    stages = row.get("stages", []) + [stage_of(row, record["command"])]
    lines = []
    for i, st in enumerate(stages, 1):
        recipe = ", ".join(f"`{k}={v!r}`" for k, v in st["recipe"].items())
        head = f"- Stage {i}: " if len(stages) > 1 else "- "
        after = (
            f" PublicTest accuracy after this stage: {st['accuracy']:.3f}."
            if len(stages) > 1
            else ""
        )
        lines.append(
            f"{head}{st['epochs']} epochs of one-cycle schedule, AdamW (weight decay "
            f"1e-4), mirror test-time augmentation, seed {record.get('seed', 0)}; "
            f"recipe {recipe}. {st['train_seconds']:,.0f} s of training "
            f"({st['train_images_per_s']:.0f} images/s).{after}\n"
            f"  Command: `{st['command']}`."
        )
    total_s = sum(st["train_seconds"] for st in stages)
    total_e = sum(st["epochs"] for st in stages)
    lines.append(
        f"- In all {total_e} epochs, {total_s:,.0f} s of training on {machine} "
        "(shared with other jobs, so slower than the machine alone)."
    )
    recall = ", ".join(f"{k} {v:.2f}" for k, v in row["recall"].items())
    name = Path(row["shipped_file"]).stem
    Path(card_path).write_text(
        CARD.format(
            name=name,
            params=row["params"],
            accuracy=row["accuracy"],
            f1_macro=row["f1_macro"],
            cohen_kappa=row["cohen_kappa"],
            recall=recall,
            training="\n".join(lines),
            file=row["shipped_file"],
            size_kb=row["shipped_bytes"] / 1024,
        ),
        encoding="utf-8",
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", help="FER-2013 npz, CSV or folder")
    p.add_argument("--name", default="fer2013", help="name of the shipped model")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument(
        "--init-from",
        default=None,
        help="start from this shipped model (all its weights, head included) "
        "and train a second one-cycle stage; its record becomes the earlier stage",
    )
    p.add_argument(
        "--lr", type=float, default=None, help="peak learning rate (default: recipe)"
    )
    p.add_argument(
        "--checkpoint-dir",
        default=str(ROOT / "runs" / "pretrained-fer2013"),
        help="where the per-epoch training state goes",
    )
    p.add_argument("--resume", action="store_true", help="continue a stopped run")
    p.add_argument(
        "--ship-dir",
        default=str(ROOT / "affect_sklearn" / "pretrained"),
        help="folder of the shipped weights file",
    )
    p.add_argument("--output", default=None, help="JSON result path")
    p.add_argument(
        "--card-only",
        action="store_true",
        help="only rewrite the model card from the JSON record",
    )
    p.add_argument(
        "--expected-only",
        action="store_true",
        help="only rewrite the stability test's record of the shipped predictions",
    )
    args = p.parse_args(argv)
    record_path = Path(
        args.output or ROOT / "benchmarks" / "results" / f"pretrained_{args.name}.json"
    )
    card_path = Path(args.ship_dir) / f"{args.name}.md"
    expected_path = ROOT / "tests" / "pretrained" / f"expected_{args.name}.json"
    if args.expected_only:
        write_expected(args.name, expected_path)
        return 0
    if args.card_only:
        write_card(json.loads(record_path.read_text()), card_path)
        return 0
    if not args.data or not Path(args.data).exists():
        print(f"--data {args.data} does not exist; nothing to do.")
        return 0
    if args.threads:
        torch.set_num_threads(args.threads)
    X_tr, y_tr, X_te, y_te, names = load(args.data)
    # string labels in the standard order, so the shipped model's classes_ are
    # the emotion names rather than 0..6
    order = np.asarray(names)
    recipe = dict(RECIPE)
    if args.lr is not None:
        recipe["lr"] = args.lr
    earlier = []
    if args.init_from:
        # a warm restart: every layer at the same rate (not the fine-tuning
        # default of a slower backbone), the classes are the shipped ones
        recipe.update(pretrained=args.init_from, backbone_lr=recipe["lr"])
        old = json.loads(record_path.read_text())
        row = old["results"][0]
        earlier = row.get("stages", []) + [stage_of(row, old["command"])]
    clf = AffectCNNClassifier(
        **recipe,
        max_epochs=args.epochs,
        random_state=args.seed,
        device="cpu",
        checkpoint_dir=args.checkpoint_dir,
        verbose=1,
    )
    y_named = order[y_tr]
    t = time.perf_counter()
    state = Path(args.checkpoint_dir) / "last_state.pt"
    if args.resume and state.exists():
        clf.resume(X_tr, y_named)
    else:
        if state.exists():
            raise SystemExit(
                f"{state} exists: pass --resume to continue that run, or choose "
                "another --checkpoint-dir."
            )
        clf.fit(X_tr, y_named)
    wall = time.perf_counter() - t
    train_s = float(clf.history_["dur"].sum())  # all epochs, across resumes
    proba = clf.predict_proba(X_te)
    # classes_ are sorted names; reorder the columns to the standard order
    cols = [list(clf.classes_).index(n) for n in names]
    n_params = sum(q.numel() for q in clf.net_.module_.parameters())
    result = summarise(
        f"pretrained {args.name}",
        y_te,
        proba[:, cols],
        names,
        train_s,
        clf.n_epochs_,
        n_params,
        len(X_tr) * clf.n_epochs_ / train_s,
    )
    result["recipe"] = recipe
    if earlier:
        result["stages"] = earlier
    result["wall_seconds_this_call"] = round(wall, 1)
    ship = Path(args.ship_dir) / f"{args.name}.pt"
    ship.parent.mkdir(parents=True, exist_ok=True)
    # the shipped file must not point at this machine's folders or print bars,
    # nor at the file it is about to replace
    clf.set_params(
        checkpoint_dir=None, verbose=0, pretrained=False, backbone_lr="auto"
    ).save(ship)
    result["shipped_file"] = (
        str(ship.relative_to(ROOT)) if ship.is_relative_to(ROOT) else str(ship)
    )
    result["shipped_bytes"] = ship.stat().st_size
    print(json.dumps(result, indent=2))
    write_result(
        f"pretrained_{args.name}", {"seed": args.seed, "results": [result]}, args.output
    )
    write_card(json.loads(record_path.read_text()), card_path)
    if ship == ROOT / "affect_sklearn" / "pretrained" / f"{args.name}.pt":
        write_expected(args.name, expected_path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
