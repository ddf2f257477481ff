"""Experiment tests train many tiny nets: one torch thread each is fastest here."""

import pytest
import torch


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One thread: fast on tiny nets, and identical float results in every fit.

    Module-scoped so that module-scoped fixtures that train run under it too.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
