"""The 360 report as a PDF (WeasyPrint), from the same presenter and templates as the page.

WeasyPrint may fetch only our own static files (read from disk); any other address is
refused, so a report can never make the server fetch a remote URL. The print template
has no forms, and hidden inputs are hidden anyway, so no token can leak into a PDF.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# WeasyPrint logs a warning for every CSS rule it ignores; fontTools logs font subsetting.
for _name in ("weasyprint", "fontTools"):
    logging.getLogger(_name).setLevel(logging.ERROR)

HIDE_INPUTS = CSS(string="input[type=hidden], form { display: none !important; }")


def _static_file(name: str) -> str | None:
    """A static file by its name in the app folders, or by its hashed name among the collected
    files (production pages link to report_print.<hash>.css); None if it is neither."""
    try:
        found = finders.find(name)
        if isinstance(found, str):
            return found
        collected = Path(staticfiles_storage.path(name))
    except (NotImplementedError, SuspiciousFileOperation):
        return None
    return str(collected) if collected.is_file() else None


class StaticFilesOnly(URLFetcher):
    """Serve /assets/... from the static files on disk and read data: URLs; refuse the rest."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):  # inline images (the charts): nothing is fetched
            return super().fetch(url, headers)
        path = urlsplit(url).path
        if path.startswith(settings.STATIC_URL):
            found = _static_file(path.removeprefix(settings.STATIC_URL))
            if found is not None:
                content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    url, body=Path(found).read_bytes(), headers={"Content-Type": content_type}
                )
        raise ValueError(f"Only Healthlead's own static files may be used in a PDF: {url}")


def render_pdf(template: str, context: dict[str, Any], request: HttpRequest | None = None) -> bytes:
    """Render a template to PDF bytes with the static-only fetcher."""
    html = render_to_string(template, context, request=request)
    document = HTML(string=html, base_url=settings.SITE_URL + "/", url_fetcher=StaticFilesOnly())
    return document.write_pdf(stylesheets=[HIDE_INPUTS])
