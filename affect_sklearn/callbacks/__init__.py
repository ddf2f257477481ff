"""skorch callbacks of the estimators, and the table of those their parameters set.

See :func:`default_callbacks` for the names; tune one with
``net_kwargs={"callbacks__<name>__<param>": value}``.
"""

from ._defaults import BACKBONE_PATTERNS, default_callbacks
from ._stopping import EarlyStopping, StopOnNonFinite
from ._training_state import (
    HISTORY_FILE,
    STATE_FILE,
    TrainingState,
    load_training_state,
)

__all__ = [
    "BACKBONE_PATTERNS",
    "EarlyStopping",
    "HISTORY_FILE",
    "STATE_FILE",
    "StopOnNonFinite",
    "TrainingState",
    "default_callbacks",
    "load_training_state",
]
