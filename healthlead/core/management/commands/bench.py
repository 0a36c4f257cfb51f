"""Run the registered benchmarks and write docs/benchmarks.md and docs/benchmarks.json."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import override_settings

from healthlead.core import benchmarks
from healthlead.core.benchmarks import BenchContext, BenchResult

SCALES = ("trust", "region", "england")


def database_is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def database_description() -> str:
    if database_is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        return f"PostgreSQL {version} (database {connection.settings_dict['NAME']})"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def create_database() -> str:
    """Create DATABASE_URL's PostgreSQL database if it does not exist yet."""
    if not database_is_postgresql():
        return "SQLite creates its database file on first use; nothing to do."
    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            return f"Database {name} exists."
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
    return f"Created database {name}."


def _static_files_override() -> tuple[dict[str, Any] | None, str]:
    """Pages need the collected-assets manifest in production mode; fall back if it is missing."""
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if "Manifest" in backend and not manifest.exists():
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        return {"STORAGES": storages}, (
            "Static assets were not collected, so pages ran with plain static file storage "
            "(run collectstatic first to measure the production setup)."
        )
    return None, ""


class Command(BaseCommand):
    help = (
        "Run every benchmark registered in the apps' benchmarks modules (or those named with "
        "--only), print a table, and write docs/benchmarks.md and docs/benchmarks.json. "
        "`make bench` runs this on a dedicated PostgreSQL database after loading synthetic data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="trust")
        parser.add_argument("--only", nargs="+", metavar="NAME", help="Run only these.")
        parser.add_argument(
            "--repeats", type=int, default=5, help="Runs per figure (the median is kept)."
        )
        parser.add_argument("--seed", type=int, default=2012)
        parser.add_argument(
            "--output-dir",
            default=str(Path(settings.BASE_DIR) / "docs"),
            help="Where benchmarks.md and benchmarks.json go (default: docs/).",
        )
        parser.add_argument("--list", action="store_true", help="List the benchmarks and stop.")
        parser.add_argument(
            "--create-database",
            action="store_true",
            help="Create DATABASE_URL's PostgreSQL database if it is missing, then stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["create_database"]:
            self.stdout.write(create_database())
            return
        if options["repeats"] < 1:
            raise CommandError("--repeats must be at least 1.")
        registry = benchmarks.discover_benchmarks()
        if options["list"]:
            for name, bench in sorted(registry.items()):
                needs = " (PostgreSQL)" if bench.needs_postgres else ""
                self.stdout.write(f"{name}{needs}: {bench.target}")
            return
        selected = self._select(registry, options["only"])
        postgres = database_is_postgresql()
        override, storage_note = _static_files_override()
        notes = [storage_note] if storage_note else []
        results: list[BenchResult] = []
        with tempfile.TemporaryDirectory(prefix="healthlead-bench-") as scratch:
            ctx = BenchContext(
                scale=options["scale"],
                repeats=options["repeats"],
                scratch=Path(scratch),
                seed=options["seed"],
                log=lambda message: self.stderr.write(message.rstrip("\n")),
            )
            machine = benchmarks.machine_description(database_description())
            with override_settings(**(override or {})):
                for bench in selected:
                    if bench.needs_postgres and not postgres:
                        reason = "needs PostgreSQL; DATABASE_URL points at SQLite"
                        self.stderr.write(f"{bench.name}: skipped ({reason}).")
                        results.append(
                            BenchResult(bench.name, bench.target, "skipped", 0.0, [], reason)
                        )
                        continue
                    self.stderr.write(f"{bench.name}: running ({bench.target or 'no target'})...")
                    result = benchmarks.run_benchmark(bench, ctx)
                    self.stderr.write(f"{bench.name}: {result.status} in {result.seconds:.1f} s")
                    results.append(result)
        command = (
            f"python manage.py bench --scale {options['scale']} --repeats {options['repeats']}"
        )
        if options["only"]:
            command += " --only " + " ".join(options["only"])
        meta = {
            "command": command,
            "scale": options["scale"],
            "repeats": options["repeats"],
            "seed": options["seed"],
            "notes": notes,
        }
        self._print(results)
        self._write(Path(options["output_dir"]), results, machine, meta)
        failed = [r.name for r in results if r.status == "failed"]
        if failed:
            raise CommandError(f"{len(failed)} benchmark(s) failed: {', '.join(failed)}.")

    def _select(self, registry: dict[str, Any], only: list[str] | None) -> list[Any]:
        if not only:
            return [registry[name] for name in registry]
        unknown = [name for name in only if name not in registry]
        if unknown:
            raise CommandError(
                f"No benchmark is called {', '.join(unknown)}. "
                f"Registered: {', '.join(sorted(registry)) or 'none'}."
            )
        chosen = [registry[name] for name in only]
        if not database_is_postgresql():
            refused = [b.name for b in chosen if b.needs_postgres]
            if refused:
                raise CommandError(
                    f"{', '.join(refused)} needs PostgreSQL, and DATABASE_URL points at SQLite. "
                    "Run `make bench`, or set DATABASE_URL=postgres://... (a scratch database)."
                )
        return chosen

    def _print(self, results: list[BenchResult]) -> None:
        self.stdout.write("")
        for result in results:
            if result.status != "ok":
                self.stdout.write(f"{result.name}: {result.status}: {result.reason}")
                continue
            for m in result.measurements:
                ratio = (
                    f"  ratio {benchmarks.format_ratio(m.ratio)} to {m.baseline_name}"
                    if m.ratio
                    else ""
                )
                met = {True: "  met", False: "  NOT MET", None: ""}[m.met]
                target = f"  (target: {m.target})" if m.target else ""
                self.stdout.write(
                    f"{result.name}: {m.figure}: {benchmarks.format_number(m.value)} {m.unit}"
                    f"{ratio}{target}{met}"
                )

    def _write(
        self,
        directory: Path,
        results: list[BenchResult],
        machine: dict[str, str],
        meta: dict[str, Any],
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        markdown = directory / "benchmarks.md"
        data = directory / "benchmarks.json"
        markdown.write_text(benchmarks.results_markdown(results, machine, meta))
        data.write_text(
            json.dumps(benchmarks.results_json(results, machine, meta), indent=2, default=str)
            + "\n"
        )
        self.stdout.write(f"Wrote {markdown} and {data}.")
