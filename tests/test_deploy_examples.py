"""The deployment examples in docs/deploy/ are checked by their own tools, so they cannot rot unseen:
the nginx site with `nginx -t`, the systemd units with `systemd-analyze verify` (both from Debian's
packages, installed by `make test`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
SITE = (DEPLOY / "nginx-uprest.conf").read_text()
UNITS = (
    "uprest.socket",
    "uprest.service",
    "uprest-mail.service",
    "uprest-backup.service",  # docs/backup.md: the nightly `flask backup`
    "uprest-backup.timer",
)


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    assert found, "nginx is missing: `make test` installs it (SYSDEPS_TEST)"
    return found


def _nginx_test(tmp_path: Path, site: str) -> subprocess.CompletedProcess:
    """`nginx -t` on the site, inside a minimal main configuration in tmp_path, with a self-signed
    certificate in place of the one certbot would have made."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=learn.example.org",
            "-keyout",
            str(tmp_path / "privkey.pem"),
            "-out",
            str(tmp_path / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = site.replace("/etc/letsencrypt/live/learn.example.org/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
        "    include /etc/nginx/mime.types;\n"
        + "".join(
            f"    {kind}_temp_path {tmp_path}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    access_log off;\n    include {tmp_path}/site.conf;\n}}\n"
    )
    return subprocess.run(
        [_nginx(), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
    )


def test_the_nginx_site_passes_nginx_own_check(tmp_path):
    result = _nginx_test(tmp_path, SITE)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_nginx_check_would_catch_a_broken_site(tmp_path):
    broken = SITE.replace("proxy_request_buffering on;", "proxy_request_buffering maybe;")
    assert broken != SITE
    assert _nginx_test(tmp_path, broken).returncode != 0


def test_the_nginx_site_buffers_limits_and_forwards_what_the_app_trusts():
    settings = dict(re.findall(r"^\s*([a-z_]+)\s+([^;{]+);", SITE, flags=re.M))
    assert settings["proxy_request_buffering"] == "on"
    assert settings["proxy_buffering"] == "on"
    assert settings["client_max_body_size"] == "8m"
    assert "X-Forwarded-Proto $scheme" in SITE and "X-Forwarded-For $proxy_add_x_forwarded_for" in SITE
    from uprest.config import Config

    assert Config.MAX_CONTENT_LENGTH == 8 * 1024 * 1024
    assert settings["client_body_timeout"] == f"{Config.CLIENT_TIMEOUT}s"


def _units(tmp_path: Path, *, breaking: str | None = None) -> list[Path]:
    """The units with the site's paths replaced by this checkout's, so that verify finds the programs."""
    venv = Path(sys.executable).parent.parent
    env_file = tmp_path / "uprest.env"
    env_file.write_text((DEPLOY / "uprest.env.example").read_text())
    paths = []
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        text = text.replace("/srv/uprest/.venv", str(venv)).replace("/srv/uprest", str(ROOT))
        text = text.replace("/etc/uprest/uprest.env", str(env_file))
        text = re.sub(r"^(User|Group)=uprest$", r"\1=root", text, flags=re.M)
        if breaking and name == "uprest.service":
            text = text.replace("KillMode=mixed", breaking)
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    return paths


def _verify(paths: list[Path]) -> subprocess.CompletedProcess:
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is missing: `make test` installs it (package systemd, SYSDEPS_TEST)"
    return subprocess.run([tool, "verify", *map(str, paths)], capture_output=True, text=True, cwd=paths[0].parent)


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    result = _verify(_units(tmp_path))
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_verify_would_catch_a_broken_unit(tmp_path):
    result = _verify(_units(tmp_path, breaking="KillMode=halfway"))
    assert "KillMode" in result.stderr or "kill mode" in result.stderr


@pytest.mark.parametrize(
    "line",
    [
        "ExecReload=/bin/kill -s HUP $MAINPID",
        "ExecStart=/srv/uprest/.venv/bin/gunicorn --config gunicorn.conf.py wsgi:app",
        "Type=notify",
        "KillMode=mixed",
    ],
)
def test_the_service_reloads_gracefully(line):
    assert line in (DEPLOY / "uprest.service").read_text().splitlines()


def test_the_nightly_backup_runs_flask_backup():
    assert "ExecStart=/srv/uprest/.venv/bin/flask --app wsgi backup" in (DEPLOY / "uprest-backup.service").read_text()
    assert "OnCalendar=" in (DEPLOY / "uprest-backup.timer").read_text()


def test_the_service_waits_longer_than_gunicorn_lets_requests_finish():
    namespace: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    stop = int(re.search(r"^TimeoutStopSec=(\d+)$", (DEPLOY / "uprest.service").read_text(), flags=re.M).group(1))
    assert stop > namespace["graceful_timeout"]
    assert namespace["worker_class"] == "gevent"
