"""PostgreSQL backups with pg_dump and restores with pg_restore (called by uprest.backup).

The tools are found on PATH and reach the database through libpq's environment
(PGHOST, PGUSER, PGPASSWORD ...) built from the database URL: a password never
appears on a command line, where other users of the machine could read it.
pg_dump must be at least as new as the server, pg_restore at least as new as the
pg_dump that made the archive; both are checked with a message saying what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from uprest.backup import Backup, BackupError, Restored, TargetNotEmpty

#: Database URL parameters that libpq (pg_dump, pg_restore) reads from the environment.
LIBPQ_PARAMETERS = {
    "host": "PGHOST",
    "port": "PGPORT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}


def libpq_env(url: URL, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for pg_dump/pg_restore to reach `url`: the password goes in PGPASSWORD, never in argv."""
    env = dict(os.environ if environ is None else environ)
    for key, value in url.query.items():
        if key not in LIBPQ_PARAMETERS:
            raise BackupError(f"the database URL parameter {key!r} is not one pg_dump and pg_restore understand")
        env[LIBPQ_PARAMETERS[key]] = value if isinstance(value, str) else value[-1]
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None and value != "":
            env[name] = str(value)
    return env


def major_version(version: str) -> int:
    """PostgreSQL's major version from "15.20" (15) or an old "9.6.24" (906)."""
    match = re.search(r"(\d+)(?:\.(\d+))?", version)
    if not match:
        raise BackupError(f"cannot read a PostgreSQL version in {version!r}")
    first, second = int(match[1]), int(match[2] or 0)
    return first if first >= 10 else first * 100 + second


@dataclass(frozen=True)
class _Tool:
    path: str
    version: str

    @property
    def major(self) -> int:
        return major_version(self.version)


def _tool(name: str, env: dict[str, str]) -> _Tool:
    path = shutil.which(name, path=env.get("PATH"))
    if not path:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client (Debian: postgresql-client)")
    out = subprocess.run([path, "--version"], env=env, capture_output=True, text=True, check=False).stdout
    match = re.search(r"\(PostgreSQL\)\s+(\S+)", out)
    if not match:
        raise BackupError(f"{path} --version says {out.strip()!r}, not a PostgreSQL version")
    return _Tool(path, match[1])


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def _query(url: URL, sql: str) -> list[tuple]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise BackupError(f"{url.render_as_string(hide_password=True)}: {reason}") from None
    finally:
        engine.dispose()


def _tables(url: URL) -> set[str]:
    rows = _query(
        url,
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    return {r[0] for r in rows}


def archive_tables(path: Path) -> tuple[str, ...]:
    """The tables in a pg_dump archive (reading its table of contents also checks that it is one)."""
    env = dict(os.environ)
    listing = _run([_tool("pg_restore", env).path, "--list", str(path)], env)
    found = re.findall(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+)", listing, flags=re.MULTILINE)
    return tuple(sorted(f"{schema}.{name}" for schema, name in found))


def archive_revisions(path: Path) -> tuple[str, ...]:
    """The rows of alembic_version inside the archive itself (the dump's own snapshot)."""
    env = dict(os.environ)
    pg_restore = _tool("pg_restore", env).path
    script = _run([pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)], env)
    match = re.search(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)^\\\.$", script, re.M | re.S)
    return tuple(sorted(match[1].split())) if match else ()


def dump(url: URL, dest: Path) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """pg_dump the database at `url` into `dest` (one snapshot; the app goes on writing), then read the archive
    back. Returns its Alembic revisions, its tables and the tool's name and version."""
    env = libpq_env(url)
    pg_dump = _tool("pg_dump", env)
    server = major_version(_query(url, "SHOW server_version")[0][0])
    if pg_dump.major < server:
        raise BackupError(
            f"pg_dump {pg_dump.version} ({pg_dump.path}) is older than the server, PostgreSQL {server}: install "
            f"that client (Debian: postgresql-client-{server}) and put it first on PATH"
        )
    _run([pg_dump.path, "--format=custom", "--no-password", f"--file={dest}"], env)
    tables = archive_tables(dest)
    return archive_revisions(dest), tables, f"pg_dump {pg_dump.version}"


def restore_dump(backup: Backup, url: URL, overwrite: bool) -> Restored:
    """pg_restore `backup` into the existing database at `url` in one transaction (all or nothing), replacing
    the objects the archive holds; refuse a database that has tables unless `overwrite`."""
    if not url.database:
        raise BackupError("the target URL names no database")
    env = libpq_env(url)
    pg_restore = _tool("pg_restore", env)
    made_by = major_version(backup.manifest.tool.split()[-1])
    if pg_restore.major < made_by:
        raise BackupError(
            f"pg_restore {pg_restore.version} cannot read an archive of pg_dump {backup.manifest.tool.split()[-1]}: "
            f"install postgresql-client-{made_by}"
        )
    present = _tables(url)  # also: the target database exists and we may log in
    if present and not overwrite:
        raise TargetNotEmpty(f"{url.render_as_string(hide_password=True)} has {len(present)} tables")
    args = [pg_restore.path, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    _run([*args, "--no-password", f"--dbname={url.database}", str(backup.path)], env)
    tables = _tables(url)
    missing = set(backup.manifest.tables) - tables
    if missing:
        raise BackupError(f"after the restore these tables are missing: {', '.join(sorted(missing))}")
    revisions = ()
    if any(t.endswith(".alembic_version") for t in tables):
        revisions = tuple(sorted(r[0] for r in _query(url, "SELECT version_num FROM alembic_version")))
    return Restored(url.render_as_string(hide_password=True), revisions, len(tables), "ok")
