"""Backups are consistent under write load and restore whole; damaged or newer backups and full targets are refused;
retention keeps the newest of each recent day, week and month."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_DB_URL
from uprest import ROOT, backup
from uprest.backup import Backup, BackupError, Manifest, Retention, backups_to_keep
from uprest.config import from_environment

MIGRATIONS = ROOT / "migrations"
ON_POSTGRES = bool(TEST_DB_URL and TEST_DB_URL.startswith("postgresql"))
WRITERS = 3
#: Writes acknowledged before the backup starts (so that the backup has something to keep).
WRITES_BEFORE = 60


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- retention: the pure rule ------------------------------------------------------------------


def test_keep_rule_example():
    """The newest of each of the last 2 days and the newest of each of the last 2 months are kept."""
    times = [at(t) for t in ("2026-01-15 02:30", "2026-02-10 02:30", "2026-02-28 02:30")]
    times += [at(t) for t in ("2026-03-01 09:00", "2026-03-01 21:00", "2026-03-02 02:30")]
    kept = backups_to_keep(times, Retention(daily=2, weekly=0, monthly=2))
    assert kept == {at("2026-03-02 02:30"), at("2026-03-01 21:00"), at("2026-02-28 02:30")}


def test_keep_nothing_still_keeps_the_newest():
    """Even with every count at 0 the newest backup stays."""
    times = [at("2026-03-01 02:30"), at("2026-03-02 02:30")]
    assert backups_to_keep(times, Retention(0, 0, 0)) == {at("2026-03-02 02:30")}
    assert backups_to_keep([], Retention()) == set()


def test_negative_counts_are_refused():
    """A negative number of backups to keep is an error, not "keep everything"."""
    with pytest.raises(BackupError, match="0 or more"):
        Retention(daily=-1)


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
retentions = st.builds(Retention, *(st.integers(min_value=0, max_value=8) for _ in range(3)))
BUCKETS = {
    "daily": lambda t: t.date(),
    "weekly": lambda t: t.isocalendar()[:2],
    "monthly": lambda t: (t.year, t.month),
}


def _newest_per_bucket(times, bucket) -> list[datetime]:
    """The newest time of each bucket, newest bucket first."""
    newest: dict = {}
    for t in times:
        key = bucket(t)
        newest[key] = max(newest.get(key, t), t)
    return sorted(newest.values(), reverse=True)


@settings(max_examples=200, derandomize=True)
@given(st.lists(moments, max_size=60), retentions)
def test_keep_rule_properties(times, retention):
    """What is kept is exactly the newest backup plus the newest of each of the last N days, weeks and months."""
    kept = backups_to_keep(times, retention)
    expected = {max(times)} if times else set()
    for name, bucket in BUCKETS.items():
        expected |= set(_newest_per_bucket(times, bucket)[: getattr(retention, name)])
    assert kept == expected
    assert kept <= set(times)
    assert len(kept) <= max(1, retention.daily + retention.weekly + retention.monthly)
    assert backups_to_keep(kept, retention) == kept  # pruning again deletes nothing more


@settings(max_examples=100, derandomize=True)
@given(st.lists(moments, max_size=30), retentions, st.integers(min_value=-12, max_value=14))
def test_keep_rule_counts_in_utc(times, retention, hours):
    """The same moments written in another time zone keep the same backups (days are UTC days)."""
    zone = timezone(timedelta(hours=hours))
    shifted = backups_to_keep([t.astimezone(zone) for t in times], retention)
    assert {t.astimezone(UTC) for t in shifted} == backups_to_keep(times, retention)


# --- retention: the files -----------------------------------------------------------------------


def _fake_backup(directory: Path, started: datetime, content: bytes = b"not a database") -> Backup:
    """A backup file and its manifest, without a database behind it (for retention)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"uprest-{started.strftime(backup.STAMP)}.sqlite3"
    path.write_bytes(content)
    manifest = Manifest(
        file=path.name,
        dialect="sqlite",
        started_at=started,
        finished_at=started,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        revisions=(),
        tables=(),
        tool="sqlite test",
    )
    backup.manifest_path(path).write_text(manifest.to_json())
    return Backup(path, manifest)


def test_prune_deletes_the_backups_not_kept(tmp_path):
    """Pruning deletes the data file and manifest of every backup the rule does not keep, and nothing else."""
    times = ["2026-01-15 02:30", "2026-02-10 02:30", "2026-02-28 02:30", "2026-03-01 09:00", "2026-03-01 21:00"]
    made = {t: _fake_backup(tmp_path, at(t)) for t in [*times, "2026-03-02 02:30"]}
    (tmp_path / "notes.txt").write_text("not a backup")
    (tmp_path / "uprest-20260101T000000Z.sqlite3").write_text("no manifest: left alone")

    removed = backup.prune(tmp_path, Retention(daily=2, weekly=0, monthly=2))

    assert {b.path.name for b in removed} == {made[t].path.name for t in times[:2] + times[3:4]}
    left = {p.name for p in tmp_path.iterdir()} - {backup.LOCK_NAME}
    kept = [made[t] for t in ("2026-02-28 02:30", "2026-03-01 21:00", "2026-03-02 02:30")]
    assert left == {"notes.txt", "uprest-20260101T000000Z.sqlite3"} | {
        n for b in kept for n in (b.path.name, b.manifest_path.name)
    }


def test_backup_command_prunes_after_a_backup(app, tmp_path):
    """`flask backup` with the retention options makes a backup, then deletes what the rule no longer keeps."""
    old = [_fake_backup(tmp_path, datetime.now(UTC) - timedelta(days=d)) for d in (400, 40, 3)]
    result = app.test_cli_runner().invoke(
        args=["backup", "--dir", str(tmp_path), "--keep-daily", "1", "--keep-weekly", "0", "--keep-monthly", "0"]
    )
    assert result.exit_code == 0, result.output
    assert all(f"deleted old backup {b.path.name}" in result.output for b in old)
    (left,) = backup.list_backups(tmp_path)
    assert left.path.name in result.output and left.manifest.dialect == ("postgresql" if ON_POSTGRES else "sqlite")


def test_backup_settings_are_whole_numbers():
    """UPREST_BACKUP_KEEP_* are read as numbers, UPREST_BACKUP_COMPRESS as a boolean."""
    env = {"UPREST_BACKUP_KEEP_DAILY": "14", "UPREST_BACKUP_KEEP_MONTHLY": "12", "UPREST_BACKUP_COMPRESS": "yes"}
    assert from_environment(env) == {"BACKUP_KEEP_DAILY": 14, "BACKUP_KEEP_MONTHLY": 12, "BACKUP_COMPRESS": True}


# --- the restore drill --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _drill_database():
    """On PostgreSQL, a database made for this module's restores (<test database>_restore_drill), then dropped."""
    if not ON_POSTGRES:
        yield None
        return
    url = sa.engine.make_url(TEST_DB_URL)
    name = f"{url.database}_restore_drill"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture()
def restore_url(tmp_path, _drill_database):
    """A new, empty database to restore into: a SQLite file, or the drill database on PostgreSQL, emptied."""
    if not ON_POSTGRES:
        return f"sqlite:///{tmp_path / 'restored.sqlite'}"
    engine = sa.create_engine(_drill_database, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return _drill_database


def _table_names(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def _drill_ids(url: str) -> set[int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id FROM outbox_messages WHERE to_address LIKE 'drill%'"))
            return {r[0] for r in rows}
    finally:
        engine.dispose()


class Writers:
    """Threads that commit outbox messages in a loop and record each one once its commit returned."""

    def __init__(self, app, count: int = WRITERS):
        self.app, self.acked, self.errors = app, [], []
        self.lock, self.stop = threading.Condition(), threading.Event()
        self.threads = [threading.Thread(target=self.write, args=(k,), daemon=True) for k in range(count)]

    def write(self, k: int) -> None:
        from uprest.extensions import db
        from uprest.mail import OutboxMessage

        with self.app.app_context():
            try:
                for i in range(1_000_000):
                    if self.stop.is_set():
                        break
                    msg = OutboxMessage(to_address=f"drill{k}@example.org", subject=f"drill {k}-{i}", body_text="x")
                    db.session.add(msg)
                    db.session.flush()
                    ident = msg.id
                    db.session.commit()
                    with self.lock:  # acknowledged: the commit returned
                        self.acked.append(ident)
                        self.lock.notify_all()
            except Exception as exc:  # reported by the test
                with self.lock:
                    self.errors.append(exc)
                    self.lock.notify_all()
            finally:
                db.session.remove()

    def wait_for(self, count: int) -> None:
        """Until `count` writes in all have been acknowledged."""
        with self.lock:
            done = self.lock.wait_for(lambda: len(self.acked) >= count or self.errors, timeout=60)
        if not done or self.errors:
            self.__exit__()
            raise AssertionError(f"the writers stopped: {self.errors}")

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        self.wait_for(WRITES_BEFORE)
        return self

    def snapshot(self) -> set[int]:
        with self.lock:
            return set(self.acked)

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)
        assert not any(t.is_alive() for t in self.threads)


def test_restore_drill_under_write_load(app, db, tmp_path, restore_url, monkeypatch):
    """Backed up while writers commit, restored into a new database: integrity ok, and every write acknowledged
    before the backup began is there (and nothing that was never acknowledged)."""
    from uprest import backup_postgres

    if not ON_POSTGRES:
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        db.session.commit()
    runner = app.test_cli_runner()
    with Writers(app) as writers:
        # Once the backup has begun, and before it copies anything, the writers commit 20 more rows: the copy
        # is certainly made while they write.
        module, name = (backup_postgres, "dump") if ON_POSTGRES else (backup, "_sqlite_backup")
        copy = getattr(module, name)

        def copy_under_load(*args):
            writers.wait_for(len(writers.snapshot()) + 20)
            return copy(*args)

        monkeypatch.setattr(module, name, copy_under_load)
        before = writers.snapshot()
        made = runner.invoke(args=["backup", "--dir", str(tmp_path / "backups"), "--no-prune"])
        during = writers.snapshot()
    assert made.exit_code == 0, made.output
    assert not writers.errors, writers.errors
    assert len(during) >= len(before) + 20

    (found,) = backup.list_backups(tmp_path / "backups")
    assert stat.S_IMODE(found.path.stat().st_mode) == 0o600
    assert {p.name for p in (tmp_path / "backups").iterdir()} == {
        found.path.name,
        found.manifest_path.name,
        backup.LOCK_NAME,
    }
    assert "outbox_messages" in {t.rpartition(".")[2] for t in found.manifest.tables}

    restored = runner.invoke(args=["restore", str(found.path), "--into", restore_url])
    assert restored.exit_code == 0, restored.output
    assert "integrity ok" in restored.output

    ids = _drill_ids(restore_url)
    assert before <= ids, f"{len(before - ids)} acknowledged writes lost"
    assert ids <= set(writers.acked)
    if not ON_POSTGRES:
        path = restore_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # One snapshot: writes are serialised on SQLite, so the backup holds exactly the first commits.
        assert ids == {i for i in writers.acked if i <= max(ids)}


# --- refusals -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _made_once(_app, tmp_path_factory) -> Backup:
    """One real backup of the test database, with one outbox message in it, for the tests of refusals."""
    from uprest.extensions import db
    from uprest.mail import OutboxMessage

    directory = tmp_path_factory.mktemp("backups")
    with _app.app_context():
        db.session.execute(sa.delete(OutboxMessage))
        db.session.add(OutboxMessage(to_address="drill@example.org", subject="kept", body_text="x"))
        db.session.commit()
        result = _app.test_cli_runner().invoke(args=["backup", "--dir", str(directory)])
        db.session.remove()
    assert result.exit_code == 0, result.output
    (found,) = backup.list_backups(directory)
    return found


@pytest.fixture()
def made(app, _made_once, tmp_path) -> Backup:
    """A copy of that backup (file and manifest) that the test may damage."""
    (tmp_path / "backups").mkdir()
    for path in (_made_once.path, _made_once.manifest_path):
        shutil.copy2(path, tmp_path / "backups" / path.name)
    return backup.load(tmp_path / "backups" / _made_once.path.name)


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_restore_refuses_a_damaged_file(app, made, restore_url, damage):
    """A truncated or altered backup is refused before anything is written into the target."""
    data = made.path.read_bytes()
    if damage == "truncate":
        made.path.write_bytes(data[: len(data) // 2])
    else:
        made.path.write_bytes(data[:-100] + bytes(b ^ 0xFF for b in data[-100:]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["restore", str(made.path), "--into", restore_url])
    assert result.exit_code == 1
    assert ("truncated or damaged" if damage == "truncate" else "SHA-256") in result.output
    assert "damaged" in runner.invoke(args=["restore", str(made.path), "--check"]).output
    if ON_POSTGRES:
        assert _table_names(restore_url) == []
    else:
        assert not Path(restore_url.removeprefix("sqlite:///")).exists()


def test_restore_refuses_a_full_target_without_yes(app, made, restore_url):
    """A database that has tables is replaced only with --yes; the app's own database is one."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["restore", str(made.path), "--into", restore_url]).exit_code == 0
    again = runner.invoke(args=["restore", str(made.path), "--into", restore_url])
    assert again.exit_code == 1 and "tables: add --yes" in again.output
    own = runner.invoke(args=["restore", str(made.path)])
    assert own.exit_code == 1 and "add --yes" in own.output
    forced = runner.invoke(args=["restore", str(made.path), "--into", restore_url, "--yes"])
    assert forced.exit_code == 0, forced.output
    assert len(_drill_ids(restore_url)) == 1


def test_restore_refuses_a_newer_schema(app, made, restore_url):
    """A backup whose Alembic revision this code does not know comes from a newer version: refused."""
    data = json.loads(made.manifest_path.read_text())
    data["revisions"] = ["ffffffffffff"]
    made.manifest_path.write_text(json.dumps(data))
    result = app.test_cli_runner().invoke(args=["restore", str(made.path), "--into", restore_url])
    assert result.exit_code == 1 and "newer version of UPREST" in result.output


def test_restore_needs_the_manifest(app, made, restore_url):
    """Without its manifest a backup cannot be checked, so it is not restored."""
    made.manifest_path.unlink()
    result = app.test_cli_runner().invoke(args=["restore", str(made.path), "--into", restore_url])
    assert result.exit_code == 1 and "manifest" in result.output


def test_list_and_check(app, made):
    """`flask backup --list` shows the backup; `flask restore --check` checks it without restoring."""
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["backup", "--list", "--dir", str(made.path.parent)])
    assert made.path.name in listed.output
    checked = runner.invoke(args=["restore", str(made.path), "--check"])
    assert checked.exit_code == 0 and "checksum ok" in checked.output


def test_schema_status():
    """A backup's revision is current, older, newer than the code, or missing."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    oldest = list(script.walk_revisions())[-1].revision
    assert backup.schema_status(heads, MIGRATIONS) == "current"
    assert backup.schema_status([oldest], MIGRATIONS) == "older"
    assert backup.schema_status(["ffffffffffff"], MIGRATIONS) == "newer"
    assert backup.schema_status([], MIGRATIONS) == "none"


# --- SQLite details (a database of its own, on every test database) ----------------------------


def _sqlite_db(path: Path, rows: int = 100) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.executemany("INSERT INTO notes (body) VALUES (?)", [(f"note {i}",) for i in range(rows)])
    return f"sqlite:///{path}"


def test_compressed_backup_restores(tmp_path):
    """A gzipped SQLite backup restores through a decompressed copy that is removed afterwards."""
    url = _sqlite_db(tmp_path / "live.sqlite")
    made = backup.make_backup(url, tmp_path / "b", compress=True)
    assert made.path.name.endswith(".sqlite3.gz") and made.manifest.tables == ("notes",)
    done = backup.restore(made, f"sqlite:///{tmp_path / 'r.sqlite'}", migrations=MIGRATIONS, base=tmp_path)
    assert done.integrity == "ok" and done.tables == 1
    with sqlite3.connect(tmp_path / "r.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (100,)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".uprest-")]


def test_one_backup_at_a_time(tmp_path):
    """A second backup into the same folder while one runs stops with an error instead of racing."""
    url = _sqlite_db(tmp_path / "live.sqlite")
    (tmp_path / "b").mkdir()
    fd = os.open(tmp_path / "b" / backup.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(BackupError, match="another backup is running"):
            backup.make_backup(url, tmp_path / "b")
    finally:
        os.close(fd)
    assert backup.make_backup(url, tmp_path / "b").manifest.integrity == "ok"


def test_a_killed_backup_leaves_nothing_behind(tmp_path):
    """The temporary files of a backup that was killed are removed by the next one; other files stay."""
    url = _sqlite_db(tmp_path / "live.sqlite")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / f"{backup.TEMP_PREFIX}x1.tmp").write_bytes(b"half a copy")
    (tmp_path / "b" / "README").write_text("mine")
    made = backup.make_backup(url, tmp_path / "b")
    names = {p.name for p in (tmp_path / "b").iterdir()}
    assert names == {made.path.name, made.manifest_path.name, backup.LOCK_NAME, "README"}


def test_relative_sqlite_target_is_under_the_instance_folder(tmp_path):
    """`--into sqlite:///name.sqlite` means instance/name.sqlite, as for UPREST_DATABASE_URL."""
    made = backup.make_backup(_sqlite_db(tmp_path / "live.sqlite"), tmp_path / "b")
    backup.restore(made, "sqlite:///copy.sqlite", migrations=MIGRATIONS, base=tmp_path / "b")
    assert (tmp_path / "b" / "copy.sqlite").is_file()


# --- PostgreSQL tools (no server needed) -------------------------------------------------------


def test_password_goes_to_the_environment_not_the_command_line(monkeypatch, tmp_path):
    """pg_dump gets the URL's password in PGPASSWORD; no argument carries it."""
    from uprest import backup_postgres

    calls = []

    def run(args, env=None, **kwargs):
        calls.append((args, env))
        out = "pg_dump (PostgreSQL) 15.4\n" if args[-1] == "--version" else ""
        return subprocess.CompletedProcess(args, 0, stdout=out, stderr="")

    monkeypatch.setattr(backup_postgres.subprocess, "run", run)
    monkeypatch.setattr(backup_postgres.shutil, "which", lambda name, path=None: f"/usr/bin/{name}")
    monkeypatch.setattr(backup_postgres, "_query", lambda url, sql: [("15.4",)])
    url = sa.engine.make_url("postgresql+psycopg://app:s%40cret@db.internal:5433/uprest?sslmode=require")
    backup_postgres.dump(url, tmp_path / "x.pgdump")
    dump_args, env = next(c for c in calls if "--format=custom" in c[0])
    assert not any("s@cret" in a for args, _ in calls for a in args)
    assert env["PGPASSWORD"] == "s@cret" and env["PGHOST"] == "db.internal" and env["PGPORT"] == "5433"
    assert env["PGSSLMODE"] == "require" and env["PGDATABASE"] == "uprest"

    monkeypatch.setattr(backup_postgres, "_query", lambda url, sql: [("16.1 (Debian)",)])
    with pytest.raises(BackupError, match="pg_dump 15.4 .* older than the server, PostgreSQL 16"):
        backup_postgres.dump(url, tmp_path / "x.pgdump")


def test_missing_pg_dump_is_named(monkeypatch, tmp_path):
    """Without pg_dump on PATH the backup stops and says what to install."""
    from uprest import backup_postgres

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BackupError, match="pg_dump is not on PATH.*postgresql-client"):
        backup_postgres.dump(sa.engine.make_url("postgresql+psycopg://u@h/d"), tmp_path / "x")
    with pytest.raises(BackupError, match="'foo' is not one"):
        backup_postgres.libpq_env(sa.engine.make_url("postgresql+psycopg://u@h/d?foo=1"))


def test_major_versions():
    """Major versions: 15 from "15.20 (Debian …)", 906 from "9.6.24"."""
    from uprest.backup_postgres import major_version

    assert major_version("15.20 (Debian 15.20-0+deb12u1)") == 15
    assert major_version("9.6.24") == 906
