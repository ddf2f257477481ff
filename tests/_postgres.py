"""A throwaway PostgreSQL server for the tests: start, print its URL, stop.

Standard library only, so that ``.ci/run`` can use it before the virtual
environment exists::

    eval "$(python3 tests/_postgres.py start)"   # exports the URL and the folder
    python3 tests/_postgres.py stop "$AFFECT_SKLEARN_TEST_POSTGRES_DIR"

The server runs from the Debian/Ubuntu ``postgresql`` package binaries (or
``initdb``/``pg_ctl`` on PATH) in a new folder under the temporary directory,
listens on a Unix socket in that folder only (no TCP port), trusts local
connections and holds one database, ``affect_test``. PostgreSQL refuses to run
as root, so as root it runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

URL_ENV = "AFFECT_SKLEARN_TEST_POSTGRES_URL"
DIR_ENV = "AFFECT_SKLEARN_TEST_POSTGRES_DIR"
REQUIRE_ENV = "AFFECT_SKLEARN_REQUIRE_POSTGRES"
DATABASE = "affect_test"


class PostgresUnavailable(RuntimeError):
    """The server cannot start here; the message says why."""


def bin_dir():
    """Folder with initdb and pg_ctl: the newest Debian one, else from PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).parent
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) under "
        "/usr/lib/postgresql/*/bin or on PATH; install them with "
        "`apt-get install postgresql`"
    )


def _as_owner(cmd):
    """``cmd`` run as the postgres user when we are root, else as is."""
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise PostgresUnavailable(
            "running as root, but there is no `postgres` user to run the server "
            "as (PostgreSQL refuses to run as root)"
        ) from exc
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _run(cmd, what):
    proc = subprocess.run(_as_owner(cmd), capture_output=True, text=True)
    if proc.returncode != 0:
        raise PostgresUnavailable(
            f"{what} failed ({shlex.join(cmd)}): "
            f"{(proc.stdout + proc.stderr).strip()[-1500:]}"
        )


def start():
    """Start a server; returns ``(url, folder)``. Stop it with :func:`stop`."""
    bins = bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="affect-pg-"))
    data, sock = folder / "data", folder / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        _as_owner([])  # raises without a postgres user
        owner = pwd.getpwnam("postgres")
        for path in (folder, sock):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    try:
        _run(
            [
                str(bins / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            "initdb",
        )
        options = f"-k {sock} -c listen_addresses='' -c fsync=off"
        _run(
            [
                str(bins / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            "pg_ctl start",
        )
        _run(
            [str(bins / "createdb"), "-h", str(sock), "-U", "postgres", DATABASE],
            "createdb",
        )
    except BaseException:
        stop(folder)
        raise
    return f"postgresql://postgres@/{DATABASE}?host={sock}", folder


def stop(folder):
    """Stop the server started in ``folder`` (if it runs) and delete the folder."""
    folder = Path(folder)
    if (folder / "data" / "postmaster.pid").exists():
        try:
            _run(
                [str(bin_dir() / "pg_ctl"), "-D", str(folder / "data"), "-m"]
                + ["immediate", "-w", "stop"],
                "pg_ctl stop",
            )
        except PostgresUnavailable as exc:
            print(exc, file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["start"] and len(argv) == 1:
        url, folder = start()
        print(
            f"export {URL_ENV}={shlex.quote(url)} {DIR_ENV}={shlex.quote(str(folder))}"
        )
        return 0
    if argv[:1] == ["stop"] and len(argv) == 2:
        stop(argv[1])
        return 0
    print("usage: _postgres.py start | stop FOLDER", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
