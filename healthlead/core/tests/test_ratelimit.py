"""The database-backed rate limiter: counting, windows, the 429 page, client addresses."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from healthlead.accounts.tests.factories import UserFactory
from healthlead.core import ratelimit
from healthlead.core.models import RateLimitCounter

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def test_requests_up_to_the_limit_pass_and_the_next_is_refused():
    decisions = [
        ratelimit.hit("demo", "ip:1.2.3.4", limit=3, period=60, now=1000) for _ in range(4)
    ]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.hits for d in decisions] == [1, 2, 3, 4]
    assert decisions[-1].retry_after == 20  # the window 960-1020 ends in 20 seconds


def test_a_new_window_starts_the_count_again():
    for _ in range(3):
        ratelimit.hit("demo", "ip:1.2.3.4", limit=3, period=60, now=1000)
    assert not ratelimit.hit("demo", "ip:1.2.3.4", limit=3, period=60, now=1019).allowed
    fresh = ratelimit.hit("demo", "ip:1.2.3.4", limit=3, period=60, now=1020)
    assert fresh.allowed
    assert fresh.hits == 1
    assert RateLimitCounter.objects.count() == 1


def test_clients_and_limits_are_counted_apart():
    for _ in range(2):
        ratelimit.hit("demo", "ip:1.1.1.1", limit=2, period=60, now=1000)
    assert not ratelimit.hit("demo", "ip:1.1.1.1", limit=2, period=60, now=1000).allowed
    assert ratelimit.hit("demo", "ip:2.2.2.2", limit=2, period=60, now=1000).allowed
    assert ratelimit.hit("other", "ip:1.1.1.1", limit=2, period=60, now=1000).allowed


def test_counters_hold_no_client_address():
    ratelimit.hit("demo", "ip:192.0.2.44", limit=2, period=60)
    row = RateLimitCounter.objects.get()
    assert "192.0.2.44" not in row.client_key
    assert len(row.client_key) == 64


def test_reset_forgets_one_client():
    for _ in range(3):
        ratelimit.hit("demo", "ip:1.1.1.1", limit=2, period=60, now=1000)
    ratelimit.reset("demo", "ip:1.1.1.1")
    assert ratelimit.hit("demo", "ip:1.1.1.1", limit=2, period=60, now=1000).hits == 1


def test_prune_deletes_only_ended_windows():
    ratelimit.hit("demo", "ip:1.1.1.1", limit=2, period=60, now=1000)  # ends 1020
    ratelimit.hit("demo", "ip:2.2.2.2", limit=2, period=60, now=1030)  # ends 1080
    assert ratelimit.prune(now=1050) == 1
    assert RateLimitCounter.objects.get().window_end == 1080


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        ratelimit.hit("demo", "ip:1.1.1.1", limit=0, period=60)


# The decorator ---------------------------------------------------------------------------


@ratelimit.rate_limit("decorated", limit=2, period=60)
def limited_view(request):
    return HttpResponse("ok")


def call(method="post", **extra):
    request = getattr(RequestFactory(), method)("/somewhere/", **extra)
    request.user = AnonymousUser()
    return limited_view(request)


def test_decorator_answers_with_the_styled_429_page_and_retry_after():
    assert call().status_code == 200
    assert call().status_code == 200
    refused = call()
    html = refused.content.decode()
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "<h1>Too many attempts</h1>" in html
    assert "Try again in 1 minute." in html
    assert "nhsuk-header" in html


def test_decorator_counts_only_the_methods_it_is_given():
    for _ in range(5):
        assert call("get").status_code == 200
    assert RateLimitCounter.objects.count() == 0


def test_decorator_limits_each_address_apart():
    call(REMOTE_ADDR="10.0.0.1")
    call(REMOTE_ADDR="10.0.0.1")
    assert call(REMOTE_ADDR="10.0.0.1").status_code == 429
    assert call(REMOTE_ADDR="10.0.0.2").status_code == 200


def test_settings_override_a_named_limit(settings):
    settings.RATE_LIMITS = {"decorated": (1, 60)}
    assert call().status_code == 200
    assert call().status_code == 429


def test_limits_can_be_switched_off(settings):
    settings.RATE_LIMITS_ENABLED = False
    assert all(call().status_code == 200 for _ in range(5))
    assert RateLimitCounter.objects.count() == 0


def test_decorated_view_names_its_limit():
    assert limited_view.rate_limit == "decorated"
    assert limited_view.__name__ == "limited_view"


# Client addresses ------------------------------------------------------------------------


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_forwarded_headers_are_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request_from("10.0.0.9", "203.0.113.5")) == "10.0.0.9"


def test_behind_one_proxy_the_address_it_saw_is_used(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; the proxy appended the real address.
    request = request_from("127.0.0.1", "198.51.100.1, 203.0.113.5")
    assert ratelimit.client_ip(request) == "203.0.113.5"


def test_a_forwarded_entry_that_is_not_an_address_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request_from("127.0.0.1", "unknown")) == "127.0.0.1"


def test_no_usable_address_is_none_for_axes_and_unknown_for_limits(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="")
    assert ratelimit.client_ip(request) is None
    assert ratelimit.by_ip(request) == "ip:unknown"


def test_too_few_forwarded_entries_fall_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert ratelimit.client_ip(request_from("127.0.0.1", "203.0.113.5")) == "127.0.0.1"


def test_by_user_keys_signed_in_users_by_account():
    user = UserFactory()
    request = request_from("10.0.0.1")
    request.user = user
    assert ratelimit.by_user(request) == f"user:{user.pk}"
    request.user = AnonymousUser()
    assert ratelimit.by_user(request) == "ip:10.0.0.1"


# Shared across processes -----------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from healthlead.core import ratelimit
    allowed = sum(
        ratelimit.hit("shared", "ip:203.0.113.7", limit=150, period=3600, now=7200).allowed
        for _ in range(int(sys.argv[1]))
    )
    print(allowed)
    """
)


@pytest.mark.processes
def test_processes_share_one_count_and_lose_no_hits(tmp_path):
    database = tmp_path / "shared.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "healthlead.config.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "HEALTHLEAD_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    setup = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from healthlead.core.models import RateLimitCounter\n"
        "with connection.schema_editor() as editor: editor.create_model(RateLimitCounter)\n"
    )
    subprocess.run([sys.executable, "-c", setup], env=env, cwd=ROOT, check=True, timeout=60)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, "50"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    allowed = 0
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        allowed += int(out.strip().splitlines()[-1])
    check = (
        "import django; django.setup()\n"
        "from healthlead.core.models import RateLimitCounter\n"
        "print(RateLimitCounter.objects.get().hits)\n"
    )
    total = subprocess.run(
        [sys.executable, "-c", check], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert int(total.stdout.strip().splitlines()[-1]) == 200
    assert allowed == 150
