from django.apps import AppConfig


class TalentConfig(AppConfig):
    name = "healthlead.talent"
    label = "talent"
    verbose_name = "Talent, the national talent pool and succession"
