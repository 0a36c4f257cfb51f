from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "healthlead.demo"
    label = "demo"
    verbose_name = "Demonstration data"
