"""The PDF renderer reads Healthlead's own static files only, under their plain or hashed names."""

from __future__ import annotations

import pytest

from healthlead.feedback.pdf import StaticFilesOnly


def test_an_app_static_file_is_read_from_disk():
    response = StaticFilesOnly().fetch("http://testserver/assets/feedback/report_print.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_a_collected_file_under_its_hashed_name_is_read(settings, tmp_path):
    # Production pages link to the hashed names that collectstatic writes to STATIC_ROOT.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "report_print.4e19677cb8de.css").write_text("body { color: red }")
    from django.contrib.staticfiles.storage import staticfiles_storage

    staticfiles_storage._setup()  # type: ignore[attr-defined]
    response = StaticFilesOnly().fetch(
        "http://testserver/assets/feedback/report_print.4e19677cb8de.css"
    )
    assert response.read() == b"body { color: red }"


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/assets/../healthlead/config/settings.py",
        "http://testserver/assets/feedback/missing.css",
        "https://example.com/tracker.css",
        "file:///etc/passwd",
    ],
)
def test_anything_else_is_refused(url):
    with pytest.raises(ValueError, match="Only Healthlead's own static files"):
        StaticFilesOnly().fetch(url)
