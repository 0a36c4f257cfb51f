"""Model permissions: only for staff accounts, and read without queries for everyone else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission as ModelPermission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthlead.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_account_that_is_not_staff_has_no_model_permissions_and_costs_no_queries():
    user = UserFactory()
    user.user_permissions.add(ModelPermission.objects.get(codename="view_user"))
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert not user.has_perm("accounts.view_user")
        assert user.get_all_permissions() == set()
    assert len(queries) == 0


def test_a_staff_account_keeps_its_model_permissions_for_the_admin_site():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(ModelPermission.objects.get(codename="view_user"))
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("accounts.view_user")
    assert not user.has_perm("accounts.delete_user")
