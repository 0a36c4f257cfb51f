"""Production settings pass Django's deployment checks; bad settings fail loudly with a hint."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HEALTHLEAD_", "DATABASE_", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"))
        # pytest's own (DJANGO_ALLOW_ASYNC_UNSAFE is set for browser tests).
        and key not in {"PYTEST_XDIST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "healthlead.config.settings",
            "HEALTHLEAD_VAR_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(ROOT),
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, *args],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production(tmp_path: Path) -> dict[str, str]:
    return {
        "HEALTHLEAD_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "healthlead.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }


SETUP = ["-c", "import django; django.setup()"]


@pytest.mark.processes
def test_production_settings_pass_the_deploy_check_with_no_warnings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.processes
def test_production_settings_turn_on_secure_cookies_hsts_and_headers(tmp_path):
    script = (
        "import django; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, s.DEBUG,"
        " s.PASSWORD_HASHERS[0].endswith('Argon2PasswordHasher'),"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'])\n"
    )
    result = run(["-c", script], tmp_path, **production(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "True True True True True DENY same-origin False True [\"'self'\"]"
    )


@pytest.mark.processes
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false, not 'maybe'."),
        ({"HEALTHLEAD_ENV": "staging"}, "HEALTHLEAD_ENV must be development or production."),
        ({"SESSION_IDLE_TIMEOUT": "half an hour"}, "SESSION_IDLE_TIMEOUT must be a whole number"),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT must be at least 1, not 0."),
        ({"RATE_LIMIT_SIGN_IN": "lots"}, "RATE_LIMIT_SIGN_IN must be a whole number"),
        (
            {"DATABASE_URL": "mysql://db/healthlead"},
            "DATABASE_URL must be a sqlite:// or postgres://",
        ),
    ],
)
def test_bad_values_fail_loudly_with_a_hint(tmp_path, env, message):
    result = run(SETUP, tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.processes
def test_production_without_a_secret_key_fails_with_a_hint(tmp_path):
    env = production(tmp_path)
    del env["SECRET_KEY"]
    result = run(SETUP, tmp_path, **env)
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY." in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


@pytest.mark.processes
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be at least 50 characters long."),
        ({"ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS to the host names Healthlead answers on."),
        ({"DEBUG": "true"}, "DEBUG must be false when HEALTHLEAD_ENV=production."),
    ],
)
def test_unsafe_production_settings_are_refused(tmp_path, change, message):
    result = run(SETUP, tmp_path, **{**production(tmp_path), **change})
    assert result.returncode != 0
    assert message in result.stderr
