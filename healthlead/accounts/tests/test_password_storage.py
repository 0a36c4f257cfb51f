"""Passwords are stored with Argon2 (tests switch to a fast hasher unless they ask)."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth.hashers import identify_hasher

from healthlead.accounts import actions
from healthlead.accounts.tests.factories import UserFactory
from healthlead.core.actors import System

pytestmark = pytest.mark.django_db


def test_production_settings_hash_with_argon2_first():
    settings_module = importlib.import_module("healthlead.config.settings")
    assert settings_module.PASSWORD_HASHERS[0] == (
        "healthlead.accounts.hashers.Argon2PasswordHasher"
    )
    # PBKDF2 stays only so that older hashes can still be checked and upgraded.
    assert "django.contrib.auth.hashers.MD5PasswordHasher" not in settings_module.PASSWORD_HASHERS


def test_accounts_store_argon2_hashes_when_settings_say_so(settings):
    settings.PASSWORD_HASHERS = importlib.import_module(
        "healthlead.config.settings"
    ).PASSWORD_HASHERS
    user = actions.create_user(
        email="Someone@NHS.example", password="a-long-enough-passphrase", by=System("tests")
    )
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("a-long-enough-passphrase")
    factory_user = UserFactory()
    factory_user.refresh_from_db()
    assert factory_user.password.startswith("argon2$")


def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_at_sign_in(client, settings):
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = importlib.import_module(
        "healthlead.config.settings"
    ).PASSWORD_HASHERS
    user = UserFactory()
    user.password = make_password("an-old-style-passphrase", hasher="pbkdf2_sha256")
    user.save()
    response = client.post(
        "/accounts/sign-in/", {"username": user.email, "password": "an-old-style-passphrase"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def _parameters(encoded: str) -> tuple[int, int, int]:
    import argon2

    found = argon2.extract_parameters(encoded.removeprefix("argon2"))
    return found.memory_cost, found.time_cost, found.parallelism


def test_new_hashes_are_argon2id_at_owasp_parameters_or_stronger(settings):
    settings.PASSWORD_HASHERS = importlib.import_module(
        "healthlead.config.settings"
    ).PASSWORD_HASHERS
    from django.contrib.auth.hashers import make_password

    encoded = make_password("a-long-enough-passphrase")
    assert encoded.startswith("argon2$argon2id$")
    memory_kib, passes, lanes = _parameters(encoded)
    # OWASP: at least 19 MiB with 2 passes and 1 lane (or more memory with fewer passes).
    assert memory_kib >= 19 * 1024
    assert passes >= 2
    assert lanes == 1


def test_a_hash_with_djangos_default_argon2_parameters_verifies_and_is_rehashed_at_sign_in(
    client, settings
):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    settings.PASSWORD_HASHERS = importlib.import_module(
        "healthlead.config.settings"
    ).PASSWORD_HASHERS
    user = UserFactory()
    old = Argon2PasswordHasher().encode("an-older-passphrase", Argon2PasswordHasher().salt())
    assert _parameters(old) == (102_400, 2, 8)
    user.password = old
    user.save()
    response = client.post(
        "/accounts/sign-in/", {"username": user.email, "password": "an-older-passphrase"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password != old
    assert _parameters(user.password) == (19 * 1024, 2, 1)
    assert user.check_password("an-older-passphrase")
