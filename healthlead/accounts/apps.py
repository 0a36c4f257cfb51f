from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "healthlead.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and permissions"
