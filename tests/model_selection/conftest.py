"""A PostgreSQL database for the shared-study tests (started here if needed)."""

import os

import pytest

from .._postgres import REQUIRE_ENV, URL_ENV, PostgresUnavailable, start, stop


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a PostgreSQL database the tests may write studies into.

    ``$AFFECT_SKLEARN_TEST_POSTGRES_URL`` when set (``.ci/run`` starts a server
    and sets it), else a server started for this test session from the
    ``postgresql`` package's binaries. Skips when neither works, and fails
    instead with ``AFFECT_SKLEARN_REQUIRE_POSTGRES=1`` (CI must not skip).
    """
    url, folder = os.environ.get(URL_ENV), None
    try:
        try:
            import psycopg  # noqa: F401 - SQLAlchemy's postgresql:// driver
        except ImportError as exc:
            raise PostgresUnavailable(
                "psycopg is not installed; `pip install affect-sklearn[postgres]`"
            ) from exc
        if not url:
            url, folder = start()
    except PostgresUnavailable as exc:
        reason = f"no PostgreSQL server for the tests: {exc}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1 forbids skipping)")
        pytest.skip(reason)
    yield url
    if folder is not None:
        stop(folder)
