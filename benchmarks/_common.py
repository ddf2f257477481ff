"""Helpers shared by the benchmark scripts: machine, JSON output, timing in turns."""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def machine_info():
    """CPU, cores and library versions, for the record of every benchmark."""
    import numpy as np

    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        info["cuda"] = (
            torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
        )
    except ImportError:
        pass
    return info


def write_result(name, payload, output=None):
    """Write ``payload`` with command, date and machine to results/<name>.json."""
    path = Path(output) if output else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": name,
        "command": "python " + " ".join(shlex.quote(a) for a in sys.argv),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "machine": machine_info(),
        **payload,
    }
    path.write_text(json.dumps(record, indent=2, default=float))
    return path


def take_turns(steps, repeat, after=None):
    """Call each of ``steps`` once per repeat, taking turns at going first.

    The order is as given on even repeats and reversed on odd ones, so that on a
    shared machine that slows down (or warms up) over a repeat no side always
    runs in the same conditions. ``after`` (if given) is called after every
    repeat, e.g. to print progress.
    """
    steps = list(steps)
    for rep in range(repeat):
        for step in steps if rep % 2 == 0 else steps[::-1]:
            step()
        if after is not None:
            after()
