"""Background work for accounts: password reset emails."""

from __future__ import annotations

from django_tasks import task

from healthlead.accounts import actions
from healthlead.accounts.models import User
from healthlead.core.actors import System


@task()
def send_password_reset(email: str) -> None:
    """Email a reset link if an active account with a password has this address; else nothing.

    The page that asks for it queues this task whatever the address, so its answer and
    its timing are the same whether or not the account exists.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    actions.send_password_reset_link(user=user, by=System("password_reset"))
