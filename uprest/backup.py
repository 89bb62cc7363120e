"""Backups that stay consistent while the app writes, their retention, and their restore.

``flask backup`` never copies the database file. A SQLite database in WAL mode keeps the
transactions committed since the last checkpoint in ``<db>-wal`` beside the main file, so a
copy of the main file taken while the app runs loses acknowledged writes (or is torn).
SQLite is copied with its online backup API in one step (one read snapshot; writers go
on), PostgreSQL with ``pg_dump --format=custom`` (one MVCC snapshot).

Each backup is a file named by its start time in UTC (``uprest-20261201T023000Z.sqlite3``,
``.sqlite3.gz`` or ``.pgdump``) and a manifest beside it (``<file>.json``) with its size,
SHA-256, tables and Alembic revision. Both are written under temporary names and renamed
when complete, so a backup with a manifest is always whole; files are readable by their
owner only (they hold personal data). ``prune`` keeps the newest backup of each of the last
N days, ISO weeks and months (UTC) that have one (``backups_to_keep``, a pure function).

``restore`` checks the file against its manifest, refuses a backup from a schema newer
than this code and a target that has tables (unless told to overwrite), restores
(SQLite: the backup API into the target database, never a file copy; PostgreSQL:
``pg_restore`` in one transaction, uprest/backup_postgres.py) and checks the result.
See docs/backup.md.
"""

from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

FORMAT = "uprest-backup/1"
STAMP = "%Y%m%dT%H%M%SZ"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
MANIFEST_SUFFIX = ".json"
#: Temporary files of a backup (removed by the next backup if one was killed) and of a restore.
TEMP_PREFIX = ".uprest-backup-"
SCRATCH_PREFIX = ".uprest-restore-"
LOCK_NAME = ".uprest-backup.lock"
#: Seconds to wait for a lock held by the app (SQLite's busy timeout).
BUSY_SECONDS = 30.0
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


class TargetNotEmpty(BackupError):
    """The restore target already has tables and overwriting was not asked for."""


@dataclass(frozen=True)
class Retention:
    """How many backups to keep: the newest of each of the last `daily` days, `weekly` ISO weeks and
    `monthly` months that have a backup (UTC). The newest backup is always kept."""

    daily: int = 7
    weekly: int = 4
    monthly: int = 6

    def __post_init__(self) -> None:
        if min(self.daily, self.weekly, self.monthly) < 0:
            raise BackupError("the numbers of daily, weekly and monthly backups to keep must be 0 or more")


@dataclass(frozen=True)
class Manifest:
    """What a backup file holds, written beside it as ``<file>.json``."""

    file: str
    dialect: str  # "sqlite" | "postgresql"
    started_at: datetime
    finished_at: datetime
    size: int
    sha256: str
    revisions: tuple[str, ...]  # the Alembic revision(s) of the copied database; () if it has none
    tables: tuple[str, ...]
    tool: str  # "sqlite 3.40.1" | "pg_dump 15.20"
    compressed: bool = False
    integrity: str = "ok"
    format: str = FORMAT

    def to_json(self) -> str:
        data = asdict(self)
        data.update(started_at=self.started_at.isoformat(), finished_at=self.finished_at.isoformat())
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, raw: str) -> Manifest:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} manifest")
        data.update(
            started_at=datetime.fromisoformat(data["started_at"]),
            finished_at=datetime.fromisoformat(data["finished_at"]),
            revisions=tuple(data["revisions"]),
            tables=tuple(data["tables"]),
        )
        return cls(**data)


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: Manifest

    @property
    def manifest_path(self) -> Path:
        return manifest_path(self.path)


@dataclass(frozen=True)
class Restored:
    target: str  # the target URL without its password
    revisions: tuple[str, ...]
    tables: int
    integrity: str


# --- retention (pure) ---------------------------------------------------------------------------


def _day(moment: datetime):
    return moment.astimezone(UTC).date()


def _week(moment: datetime):
    return moment.astimezone(UTC).isocalendar()[:2]


def _month(moment: datetime):
    utc = moment.astimezone(UTC)
    return utc.year, utc.month


def backups_to_keep(times: Iterable[datetime], retention: Retention) -> set[datetime]:
    """The start times (timezone-aware) of the backups to keep: the newest one, and the newest of each of the
    last `retention.daily` days, `weekly` ISO weeks and `monthly` months that have a backup, in UTC."""
    newest_first = sorted(set(times), reverse=True)
    keep = set(newest_first[:1])
    for count, bucket in ((retention.daily, _day), (retention.weekly, _week), (retention.monthly, _month)):
        seen: set = set()
        for moment in newest_first:
            key = bucket(moment)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.add(key)
            keep.add(moment)
    return keep


# --- files --------------------------------------------------------------------------------------


def default_dir(instance_path: str | Path, configured: str | None) -> Path:
    """UPREST_BACKUP_DIR (a relative one under the instance folder), or instance/backups."""
    return Path(instance_path) / (configured or "backups")


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def load(path: str | Path) -> Backup:
    """The backup at `path` (its data file or its manifest), with its manifest read."""
    path = Path(path)
    if path.name.endswith(MANIFEST_SUFFIX):
        path = path.with_name(path.name.removesuffix(MANIFEST_SUFFIX))
    mpath = manifest_path(path)
    if not mpath.is_file():
        raise BackupError(f"{mpath} is missing: a backup is checked against its manifest (copy both files)")
    try:
        manifest = Manifest.from_json(mpath.read_text())
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{mpath} is not a backup manifest: {exc}") from None
    if manifest.file != path.name:
        raise BackupError(f"{mpath} describes {manifest.file}, not {path.name}")
    return Backup(path, manifest)


def list_backups(directory: Path) -> list[Backup]:
    """The backups in `directory` that have a readable manifest, oldest first."""
    found = []
    for mpath in Path(directory).glob(f"uprest-*{MANIFEST_SUFFIX}"):
        with contextlib.suppress(BackupError):
            found.append(load(mpath))
    return sorted(found, key=lambda b: (b.manifest.started_at, b.path.name))


def verify(backup: Backup) -> None:
    """Raise BackupError unless the file has the size and SHA-256 its manifest recorded."""
    if not backup.path.is_file():
        raise BackupError(f"{backup.path} is missing")
    size = backup.path.stat().st_size
    if size != backup.manifest.size:
        raise BackupError(
            f"{backup.path} has {size} bytes, its manifest says {backup.manifest.size}: "
            "the file is truncated or damaged; use another backup"
        )
    if _sha256(backup.path) != backup.manifest.sha256:
        raise BackupError(
            f"{backup.path} does not match its manifest's SHA-256: the file is damaged; use another backup"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One backup or prune at a time in `directory` (a second one stops with an error)."""
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"another backup is running in {directory}") from None
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _temp_files(directory: Path, prefix: str = TEMP_PREFIX) -> Iterator:
    """A maker of new empty files (mode 0600) in `directory`, all removed on leaving unless renamed."""
    made: list[Path] = []

    def new() -> Path:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=directory)
        os.close(fd)
        made.append(Path(name))
        return made[-1]

    try:
        yield new
    finally:
        for path in made:
            for leftover in (path, *(path.with_name(path.name + s) for s in ("-journal", "-wal", "-shm"))):
                leftover.unlink(missing_ok=True)


def _write_atomic(path: Path, content: str) -> None:
    with _temp_files(path.parent) as new:
        tmp = new()
        tmp.write_text(content)
        _fsync(tmp)
        os.replace(tmp, path)


def _gunzip_into(source: Path, dest: Path) -> None:
    try:
        with gzip.open(source, "rb") as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
    except (OSError, EOFError) as exc:
        raise BackupError(f"{source} cannot be decompressed: {exc}") from None


# --- backup -------------------------------------------------------------------------------------


def make_backup(url: str | URL, directory: Path, *, compress: bool = False, now: datetime | None = None) -> Backup:
    """Back up the database at `url` into `directory` while it is in use; check the copy; write the manifest."""
    url = make_url(url)
    dialect = url.get_backend_name()
    if dialect not in SUFFIXES:
        raise BackupError(f"cannot back up a {dialect} database: SQLite and PostgreSQL only")
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    started = (now or datetime.now(UTC)).astimezone(UTC)
    compress = compress and dialect == "sqlite"  # the custom format of pg_dump is compressed already
    final = directory / f"uprest-{started.strftime(STAMP)}{SUFFIXES[dialect]}{'.gz' if compress else ''}"
    with _locked(directory):
        _remove_stale_temps(directory)
        if final.exists() or manifest_path(final).exists():
            raise BackupError(f"{final} exists already")
        with _temp_files(directory) as new:
            copy = new()
            if dialect == "sqlite":
                revisions, tables, tool = _sqlite_backup(sqlite_file(url), copy)
            else:
                from uprest.backup_postgres import dump

                revisions, tables, tool = dump(url, copy)
            if compress:
                packed = new()
                with copy.open("rb") as src, packed.open("wb") as raw:
                    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
                        shutil.copyfileobj(src, out, CHUNK)
                copy = packed
            _fsync(copy)
            manifest = Manifest(
                file=final.name,
                dialect=dialect,
                started_at=started,
                finished_at=datetime.now(UTC),
                size=copy.stat().st_size,
                sha256=_sha256(copy),
                revisions=revisions,
                tables=tables,
                tool=tool,
                compressed=compress,
            )
            os.replace(copy, final)
        _write_atomic(manifest_path(final), manifest.to_json())
        _fsync(directory)
    return Backup(final, manifest)


def _remove_stale_temps(directory: Path) -> None:
    """Temporary files left by a backup that was killed (only called under the lock)."""
    for path in directory.glob(f"{TEMP_PREFIX}*"):
        path.unlink(missing_ok=True)


def prune(directory: Path, retention: Retention) -> list[Backup]:
    """Delete the backups in `directory` that `retention` does not keep; return them."""
    directory = Path(directory)
    with _locked(directory):
        backups = list_backups(directory)
        keep = backups_to_keep((b.manifest.started_at for b in backups), retention)
        removed = [b for b in backups if b.manifest.started_at not in keep]
        for backup in removed:
            backup.path.unlink(missing_ok=True)  # the data first: a manifest left alone is pruned next time
            backup.manifest_path.unlink(missing_ok=True)
    return removed


# --- restore ------------------------------------------------------------------------------------


def schema_status(revisions: Iterable[str], migrations: Path) -> str:
    """How the schema revisions of a backup compare with this code: "current", "older", "newer" (a revision this
    code does not know) or "none" (no revision recorded)."""
    from alembic.script import ScriptDirectory

    revisions = set(revisions)
    if not revisions:
        return "none"
    script = ScriptDirectory(str(migrations))
    if revisions - {s.revision for s in script.walk_revisions()}:
        return "newer"
    return "current" if revisions == set(script.get_heads()) else "older"


def check(backup: Backup, migrations: Path) -> str:
    """Check a backup without restoring it: checksum, schema known to this code, readable content.
    Returns its schema status (see schema_status)."""
    verify(backup)
    status = _refuse_newer(backup, migrations)
    if backup.manifest.dialect == "sqlite":
        with _plain_sqlite(backup, backup.path.parent) as plain, _open_readonly(plain) as conn:
            _sqlite_integrity(conn, str(backup.path))
    else:
        from uprest.backup_postgres import archive_tables

        archive_tables(backup.path)
    return status


def restore(backup: Backup, url: str | URL, *, migrations: Path, overwrite: bool = False, base: Path) -> Restored:
    """Restore `backup` into the database at `url` (relative SQLite paths under `base`, the instance folder)."""
    url = make_url(url)
    verify(backup)
    _refuse_newer(backup, migrations)
    dialect = url.get_backend_name()
    if dialect != backup.manifest.dialect:
        raise BackupError(f"{backup.path.name} is a {backup.manifest.dialect} backup; it cannot go into {dialect}")
    if dialect == "sqlite":
        return _sqlite_restore(backup, sqlite_file(url, base), url, overwrite)
    from uprest.backup_postgres import restore_dump

    return restore_dump(backup, url, overwrite)


def _refuse_newer(backup: Backup, migrations: Path) -> str:
    status = schema_status(backup.manifest.revisions, migrations)
    if status == "newer":
        raise BackupError(
            f"{backup.path.name} has the schema revision {', '.join(backup.manifest.revisions)}, which this code "
            "does not know: it was made by a newer version of UPREST; restore it with that version"
        )
    return status


# --- SQLite -------------------------------------------------------------------------------------


def sqlite_file(url: URL, base: Path | None = None) -> Path:
    """The database file of a SQLite URL (a relative path under `base`)."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"{url.render_as_string()} is not a SQLite database file")
    path = Path(url.database)
    return (base / path if base and not path.is_absolute() else path).resolve()


def _open_readonly(path: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None))


def _sqlite_integrity(conn: sqlite3.Connection, name: str) -> str:
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{name} is not a sound SQLite database: {exc}") from None
    if rows != ["ok"]:
        raise BackupError(f"the integrity check of {name} failed: {'; '.join(rows[:5])}")
    return "ok"


def _sqlite_tables(conn: sqlite3.Connection) -> tuple[str, ...]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
    return tuple(r[0] for r in rows)


def _sqlite_revisions(conn: sqlite3.Connection, tables: Iterable[str]) -> tuple[str, ...]:
    if "alembic_version" not in tables:
        return ()
    return tuple(sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version")))


def _sqlite_backup(source: Path, dest: Path) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Copy the live database `source` into the empty file `dest` with the online backup API, then check it."""
    if not source.is_file():
        raise BackupError(f"the database file {source} does not exist")
    try:
        src = sqlite3.connect(source, timeout=BUSY_SECONDS, isolation_level=None)
        dst = sqlite3.connect(dest, isolation_level=None)
        with contextlib.closing(src), contextlib.closing(dst):
            # All pages in one step: one read snapshot of the database, WAL included; writers are not blocked.
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, readable read-only
            _sqlite_integrity(dst, "the copy")
            tables = _sqlite_tables(dst)
            return _sqlite_revisions(dst, tables), tables, f"sqlite {sqlite3.sqlite_version}"
    except sqlite3.Error as exc:
        raise BackupError(f"the backup of {source} failed: {exc}") from None


@contextlib.contextmanager
def _plain_sqlite(backup: Backup, scratch: Path) -> Iterator[Path]:
    """The backup as a plain SQLite file (decompressed into `scratch` when it is gzipped)."""
    if not backup.manifest.compressed:
        yield backup.path
        return
    with _temp_files(scratch, SCRATCH_PREFIX) as new:
        plain = new()
        _gunzip_into(backup.path, plain)
        yield plain


def _sqlite_restore(backup: Backup, target: Path, url: URL, overwrite: bool) -> Restored:
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    try:
        if target.exists():
            with contextlib.closing(sqlite3.connect(target, timeout=BUSY_SECONDS)) as probe:
                present = _sqlite_tables(probe)
            if present and not overwrite:
                raise TargetNotEmpty(f"{target} has {len(present)} tables")
        with _plain_sqlite(backup, target.parent) as plain, _open_readonly(plain) as src:
            _sqlite_integrity(src, backup.path.name)
            with contextlib.closing(sqlite3.connect(target, timeout=BUSY_SECONDS, isolation_level=None)) as dst:
                src.backup(dst)  # through SQLite's locks and WAL, never a file copy under an open connection
                integrity = _sqlite_integrity(dst, str(target))
                tables = _sqlite_tables(dst)
                revisions = _sqlite_revisions(dst, tables)
    except sqlite3.Error as exc:
        raise BackupError(f"the restore into {target} failed: {exc}") from None
    return Restored(url.render_as_string(hide_password=True), revisions, len(tables), integrity)
