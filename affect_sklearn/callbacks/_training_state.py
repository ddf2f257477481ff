"""Resumable training state: a callback saving it every epoch, and its loader."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback, LRScheduler
from skorch.history import History

__all__ = ["HISTORY_FILE", "STATE_FILE", "TrainingState", "load_training_state"]

STATE_FILE = "last_state.pt"
_MAGIC = b"AFFECT-SKLEARN-TRAINING-STATE v1\n"
_DIGEST_LEN = 64  # sha256 hex digest, then a newline, then the torch.save payload
HISTORY_FILE = "history.json"


def _plain(value):
    """Numpy scalars and arrays as Python numbers and tensors (weights-only safe)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _numpy_rng_state():
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    return {
        "name": name,
        "keys": torch.from_numpy(keys.astype(np.int64)),
        "pos": int(pos),
        "has_gauss": int(has_gauss),
        "gauss": float(gauss),
    }


def _set_numpy_rng_state(state):
    np.random.set_state(
        (
            state["name"],
            state["keys"].numpy().astype(np.uint32),
            state["pos"],
            state["has_gauss"],
            state["gauss"],
        )
    )


def _sampler_generator(net):
    sampler = net.get_params_for("iterator_train").get("sampler")
    return getattr(sampler, "generator", None)


class TrainingState(Callback):
    """Save everything needed to continue training at the end of every epoch.

    The file (``dirname/last_state.pt``) holds the module, optimizer and
    learning-rate scheduler states, the history, the state of the early
    stopping and scoring callbacks, the epoch count and the random number
    generators (torch, numpy, Python and the batch sampler's generator). It
    is replaced atomically, so a process killed at any moment leaves the state
    of the last finished epoch. The estimators add this callback when
    ``checkpoint_dir`` is set; ``estimator.resume(X, y)`` continues from it.

    Parameters
    ----------
    dirname : str or Path
        Folder of the state file.
    meta : dict, default=None
        JSON-serialisable facts checked on resume (seed, estimator, data).
    """

    def __init__(self, dirname, meta=None):
        self.dirname = dirname
        self.meta = meta

    def initialize(self):
        self.pending_ = None
        return self

    # ------------------------------------------------------------------ save
    def _payload(self, net):
        # Public state only: torch's scheduler state_dict, and the state_dict of
        # callbacks that define one (ours, e.g. EarlyStopping). skorch's scoring
        # callbacks re-read their best score from the history on train begin.
        callbacks = {}
        for name, cb in net.callbacks_:
            saved = {}
            if callable(getattr(cb, "state_dict", None)):
                # serialised below before training goes on: no copy needed
                saved["state"] = cb.state_dict()
            if isinstance(cb, LRScheduler) and hasattr(cb, "lr_scheduler_"):
                saved["lr_scheduler"] = cb.lr_scheduler_.state_dict()
            if saved:
                callbacks[name] = saved
        gen = _sampler_generator(net)
        rng = {
            "torch": torch.get_rng_state(),
            "numpy": _numpy_rng_state(),
            "python": random.getstate(),
            "sampler": None if gen is None else gen.get_state(),
            "cuda": (
                torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
            ),
        }
        return _plain(
            {
                "meta": json.dumps(self.meta or {}),
                "epoch": len(net.history),
                "module": net.module_.state_dict(),
                "optimizer": net.optimizer_.state_dict(),
                "history": json.dumps(net.history.to_list()),
                "callbacks": callbacks,
                "rng": rng,
            }
        )

    def on_epoch_end(self, net, **kwargs):
        buf = io.BytesIO()
        torch.save(self._payload(net), buf)
        data = buf.getvalue()
        digest = hashlib.sha256(data).hexdigest().encode()
        path = Path(self.dirname) / STATE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as fh:
            fh.write(_MAGIC + digest + b"\n" + data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # atomic: a kill leaves the old or the new file
        # the history as plain JSON too, for progress readers without torch
        hist = path.with_name(HISTORY_FILE + ".tmp")
        hist.write_text(json.dumps(net.history.to_list()), encoding="utf-8")
        os.replace(hist, path.with_name(HISTORY_FILE))

    # ------------------------------------------------------------------ restore
    def restore_before_training(self, net, state):
        """Load module, optimizer and history; the rest waits for on_train_begin."""
        net.module_.load_state_dict(state["module"])
        net.optimizer_.load_state_dict(state["optimizer"])
        net.history = History(state["history"])
        self.pending_ = state

    def on_train_begin(self, net, **kwargs):
        state, self.pending_ = self.pending_, None
        if state is None:
            return
        # A resume with another max_epochs re-plans the schedule: the scheduler
        # that LRScheduler built (positioned by the history and ``last_epoch``)
        # stays, and so does the learning rate it set.
        same_schedule = state["meta"].get("schedule") == (self.meta or {}).get(
            "schedule"
        )
        if same_schedule:  # the scheduler built in on_train_begin moved the lr
            net.optimizer_.load_state_dict(state["optimizer"])
        cbs = dict(net.callbacks_)
        for name, saved in state["callbacks"].items():
            cb = cbs.get(name)
            if cb is None:
                continue
            if "state" in saved and callable(getattr(cb, "load_state_dict", None)):
                cb.load_state_dict(saved["state"])
            if "lr_scheduler" in saved and same_schedule:
                cb.lr_scheduler_.load_state_dict(saved["lr_scheduler"])
        rng = state["rng"]
        torch.set_rng_state(rng["torch"])
        _set_numpy_rng_state(rng["numpy"])
        random.setstate(rng["python"])
        gen = _sampler_generator(net)
        if gen is not None and rng["sampler"] is not None:
            gen.set_state(rng["sampler"])
        if rng["cuda"] is not None and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])


def _corrupt(path, why):
    return ValueError(
        f"The training checkpoint {str(path)!r} is truncated or corrupt ({why}). It "
        "cannot be resumed from; restore an intact copy of the file, or train "
        "from scratch."
    )


def load_training_state(path):
    """Read a state file written by :class:`TrainingState`.

    Parameters
    ----------
    path : str or Path
        The state file, or the checkpoint folder holding ``last_state.pt``.

    Returns
    -------
    state : dict
        With ``meta`` decoded to a dict and ``history`` to a list of epoch
        rows, and ``path`` and ``steps`` (the optimisation steps done) added.

    Raises
    ------
    FileNotFoundError
        If there is no state file.
    ValueError
        If the file is truncated, corrupt or not a training state.
    """
    path = Path(path)
    if path.is_dir():
        path = path / STATE_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"No training state to resume from: {str(path)!r} does not exist. It "
            "is written at the end of every epoch when checkpoint_dir is set; train "
            "with checkpoint_dir=<folder> first."
        )
    raw = path.read_bytes()
    header = len(_MAGIC) + _DIGEST_LEN + 1
    if not raw.startswith(_MAGIC):
        if _MAGIC.startswith(raw):
            raise _corrupt(path, f"only {len(raw)} bytes")
        raise _corrupt(path, "not a training state written by affect_sklearn")
    if len(raw) < header:
        raise _corrupt(path, f"only {len(raw)} bytes")
    digest = raw[len(_MAGIC) : len(_MAGIC) + _DIGEST_LEN].decode("ascii", "replace")
    data = raw[header:]
    if hashlib.sha256(data).hexdigest() != digest:
        raise _corrupt(path, "its checksum does not match its content")
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        state["meta"] = json.loads(state["meta"])
    except Exception as exc:  # noqa: BLE001 - any decoding failure means corrupt
        why = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise _corrupt(path, f"{type(exc).__name__}: {why}") from exc
    state["path"] = str(path)
    state["history"] = json.loads(state["history"])
    state["steps"] = sum(
        row.get("train_batch_count", len(row.get("batches", [])))
        for row in state["history"]
    )
    return state
