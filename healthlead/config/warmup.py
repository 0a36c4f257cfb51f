"""Work a web process does once at start rather than on its first requests."""

from __future__ import annotations

from django.template import engines


def compile_templates() -> int:
    """Compile every Jinja2 template (the project's and the NHS.UK frontend's) into the
    environment's cache; returns how many.

    Otherwise each web process compiles a template the first time a page uses it, and the
    first users after a start or a deploy wait for it: in the load test, the slowest requests
    were first uses. With gunicorn's --preload this runs once, in the master, and the workers
    inherit the compiled templates.
    """
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    names = env.list_templates(extensions=["jinja", "html", "txt"])
    for name in names:
        env.get_template(name)
    return len(names)
