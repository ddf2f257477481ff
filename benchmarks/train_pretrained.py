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

- Recipe: {recipe}; mirror test-time augmentation; `max_epochs={epochs}`, one-cycle
  schedule, AdamW (weight decay 1e-4), batches of 64, seed {seed}.
- {epochs} epochs, {train_s:,.0f} s of training ({ips:.0f} images/s) on {machine}
  (shared with other jobs, so slower than the machine alone).
- Command: `{command}`. The script checkpoints every epoch; `--resume` continues an
  interrupted run to the same weights. Scored by the same code as
  `benchmarks/bench_fer2013.py` (its `load` and `summarise`); the record is
  `benchmarks/results/pretrained_{name}.json`.
- File: `{file}`, {size_kb:,.0f} kB, written by `save()` (tensors, numbers and strings;
  read with `torch.load(weights_only=True)`).
"""


def write_card(record, card_path):
    """The model card of a shipped model, from its JSON record."""
    row = record["results"][0]
    m = record["machine"]
    machine = (
        f"{m.get('cpu_model', m.get('processor'))}, {m.get('cpu_count')} cores, "
        f"{m.get('torch_threads')} torch threads, torch {m.get('torch')}"
    )
    recipe = ", ".join(f"`{k}={v!r}`" for k, v in row["recipe"].items())
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
            recipe=recipe,
            epochs=row["epochs"],
            seed=record.get("seed", 0),
            train_s=row["train_seconds"],
            ips=row["train_images_per_s"],
            machine=machine,
            command=record["command"],
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
    args = p.parse_args(argv)
    record_path = Path(
        args.output or ROOT / "benchmarks" / "results" / f"pretrained_{args.name}.json"
    )
    card_path = Path(args.ship_dir) / f"{args.name}.md"
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
    clf = AffectCNNClassifier(
        **RECIPE,
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
    result["recipe"] = RECIPE
    result["wall_seconds_this_call"] = round(wall, 1)
    ship = Path(args.ship_dir) / f"{args.name}.pt"
    ship.parent.mkdir(parents=True, exist_ok=True)
    # the shipped file must not point at this machine's folders or print bars
    clf.set_params(checkpoint_dir=None, verbose=0).save(ship)
    result["shipped_file"] = (
        str(ship.relative_to(ROOT)) if ship.is_relative_to(ROOT) else str(ship)
    )
    result["shipped_bytes"] = ship.stat().st_size
    print(json.dumps(result, indent=2))
    write_result(
        f"pretrained_{args.name}", {"seed": args.seed, "results": [result]}, args.output
    )
    write_card(json.loads(record_path.read_text()), card_path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
