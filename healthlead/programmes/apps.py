from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "healthlead.programmes"
    label = "programmes"
    verbose_name = "Programmes, intakes and selection"
