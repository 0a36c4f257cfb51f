from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "healthlead.privacy"
    label = "privacy"
    verbose_name = "Privacy: subject access, erasure and retention"
