"""WSGI entry point (gunicorn healthlead.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthlead.config.settings")
application = get_wsgi_application()
