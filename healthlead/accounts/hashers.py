"""Password hashing: Argon2id at OWASP's parameters (docs/adr/0005-password-hashing.md)."""

from __future__ import annotations

from django.contrib.auth import hashers


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    """Argon2id with 19 MiB of memory, 2 passes and 1 lane: OWASP's recommended configuration.

    Django's defaults (100 MiB, 8 lanes) cost about 210 ms of CPU a sign-in on a two-core web
    node, enough for a burst of sign-ins to hold up every other page; these cost about 25 ms.
    The algorithm name stays "argon2", so hashes made with Django's defaults still verify, and
    `must_update` (parameters differ) re-hashes them with these at the next sign-in.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
