from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "healthlead.core"
    label = "core"
    verbose_name = "Core"
