"""Start the web server (gunicorn) and the task worker together, for `make run`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and the background task worker until interrupted."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: Any, host: str, port: int, web_workers: int, **options: Any) -> None:
        python = sys.executable
        bin_dir = os.path.dirname(python)
        web = subprocess.Popen(  # noqa: S603 (our own executables, fixed arguments)
            [
                os.path.join(bin_dir, "gunicorn"),
                "healthlead.config.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                # Import the application once in the master; workers share its memory.
                "--preload",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ]
        )
        worker = subprocess.Popen(  # noqa: S603
            [python, "manage.py", "run_worker", "--no-reload", "--interval", "1"]
        )
        processes = [web, worker]
        self.stdout.write(
            self.style.SUCCESS(
                f"\nHealthlead is running at http://{host}:{port}/ "
                "(web server and task worker). Press Ctrl+C to stop.\n"
                "Sign in with one of the demo accounts listed above.\n"
            )
        )

        def stop(*_: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
