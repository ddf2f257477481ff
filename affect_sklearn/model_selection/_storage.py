"""Optuna storages from short specs: a SQLite file, a journal file or a URL."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import optuna
from sqlalchemy.exc import IntegrityError, OperationalError

__all__ = ["make_storage"]

_HEARTBEAT_INTERVAL = 60
_GRACE_PERIOD = 180


def _rdb_storage(url, retries=5):
    """RDBStorage with heartbeats; retries the table creation race of new files."""
    engine_kwargs = None
    if url.startswith("sqlite"):
        # wait for the write lock instead of failing while another process writes
        engine_kwargs = {"connect_args": {"timeout": 60}}
    for attempt in range(retries):
        try:
            with warnings.catch_warnings():  # heartbeat_interval is "experimental"
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine_kwargs,
                    heartbeat_interval=_HEARTBEAT_INTERVAL,
                    grace_period=_GRACE_PERIOD,
                )
        except (OperationalError, IntegrityError):
            # two processes creating a new file race on its schema tables
            if attempt == retries - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


def make_storage(storage):
    """Build the Optuna storage that :class:`OptunaSearchCV` uses for a spec.

    Parameters
    ----------
    storage : None, str, path-like or optuna storage
        - ``None``: a new in-memory storage (one process; lost after the run).
        - a path such as ``"runs/study.db"``: a SQLite file, created if
          missing. Several processes on one machine can share it.
        - ``"journal:<path>"``: an Optuna ``JournalStorage`` file (append-only
          log with file locks; robust with many processes on one machine or
          on a shared file system).
        - a SQLAlchemy URL such as ``"sqlite:///study.db"`` or
          ``"postgresql://user:pass@host/db"``: a database that processes on
          many machines share.
        - any ``optuna.storages.BaseStorage`` (``RDBStorage``,
          ``JournalStorage``, ...): used as is.

        Storages built from a path or URL record a heartbeat every 60 s, so a
        trial whose process was killed is marked failed 3 minutes later, by
        the next search on that study that asks a trial (each search checks
        before every trial it asks). For shorter limits, or to retry such
        trials, pass an ``RDBStorage`` with ``heartbeat_interval``,
        ``grace_period`` and Optuna's retry callback. Journal files have no
        heartbeat: a killed trial stays RUNNING.

    Returns
    -------
    storage : optuna.storages.BaseStorage

    Raises
    ------
    TypeError
        If ``storage`` is none of the above.

    Examples
    --------
    >>> from affect_sklearn.model_selection import make_storage
    >>> type(make_storage(None)).__name__
    'InMemoryStorage'
    """
    if storage is None:
        return optuna.storages.InMemoryStorage()
    if isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if isinstance(storage, os.PathLike):
        storage = os.fspath(storage)
    if not isinstance(storage, str):
        raise TypeError(
            "storage must be None, a file path, 'journal:<path>', a SQLAlchemy URL "
            f"or an optuna storage; got {type(storage).__name__}. Pass e.g. "
            "storage='study.db'."
        )
    if storage.startswith("journal:"):
        path = storage[len("journal:") :]
        if not path:
            raise ValueError(
                "storage='journal:' needs a file path after the colon, e.g. "
                "storage='journal:runs/study.log'."
            )
        try:
            from optuna.storages.journal import JournalFileBackend, JournalStorage
        except ImportError:  # optuna < 4.0
            from optuna.storages import JournalFileStorage as JournalFileBackend
            from optuna.storages import JournalStorage

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return JournalStorage(JournalFileBackend(path))
    if "://" in storage:
        return _rdb_storage(storage)
    path = Path(storage).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return _rdb_storage(f"sqlite:///{path}")
