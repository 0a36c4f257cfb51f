"""Template lint: every Jinja2 template in the project compiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template import engines
from jinja2 import TemplateSyntaxError


class Command(BaseCommand):
    help = "Compile every project Jinja2 template and report syntax errors."

    def handle(self, *args: Any, **options: Any) -> None:
        env = engines["jinja2"].env  # type: ignore[attr-defined]
        root = Path(settings.BASE_DIR) / "healthlead"
        problems = []
        count = 0
        for path in sorted(root.glob("*/jinja2/**/*.jinja")):
            count += 1
            try:
                env.parse(path.read_text())
            except TemplateSyntaxError as error:
                problems.append(f"{path}:{error.lineno}: {error.message}")
        if problems:
            raise CommandError("Template errors:\n" + "\n".join(problems))
        self.stdout.write(f"{count} templates compile.")
