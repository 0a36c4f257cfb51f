from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "healthlead.frameworks"
    label = "frameworks"
    verbose_name = "Competency frameworks"
