from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    name = "healthlead.appraisal"
    label = "appraisal"
    verbose_name = "Appraisal and development plans"
