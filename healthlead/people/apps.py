from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "healthlead.people"
    label = "people"
    verbose_name = "People and organisations"
