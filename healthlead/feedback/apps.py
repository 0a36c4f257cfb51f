from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "healthlead.feedback"
    label = "feedback"
    verbose_name = "Self-assessment and 360 feedback"
