"""WSGI entry point (gunicorn healthlead.config.wsgi).

The URL configuration (and with it every view, the API and the PDF and chart libraries) is
imported here rather than on the first request, and every template compiled, so a worker is
ready when it starts answering and, with gunicorn's --preload, the work is done once in the
master and shared by its workers.
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from healthlead.config.warmup import compile_templates

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthlead.config.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (imports every view module now)
compile_templates()
