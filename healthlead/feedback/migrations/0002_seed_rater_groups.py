"""Rater groups are data: the six groups and their default minimums."""

from django.db import migrations

GROUPS = [
    # code, name, default minimum, anonymous, is_self, patient, order
    ("self", "Self", 1, False, True, False, 0),
    ("line_manager", "Line manager", 1, False, False, False, 1),
    ("peers", "Peers", 3, True, False, False, 2),
    ("direct_reports", "Direct reports", 3, True, False, False, 3),
    ("other_colleagues", "Other colleagues", 3, True, False, False, 4),
    ("patients_carers", "Patients and carers", 3, True, False, True, 5),
]


def seed(apps, schema_editor):
    RaterGroup = apps.get_model("feedback", "RaterGroup")
    for code, name, minimum, anonymous, is_self, patient, order in GROUPS:
        RaterGroup.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "default_minimum": minimum,
                "anonymous": anonymous,
                "is_self": is_self,
                "patient": patient,
                "order": order,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("feedback", "RaterGroup").objects.filter(code__in=[g[0] for g in GROUPS]).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_feedback_models")]

    operations = [migrations.RunPython(seed, unseed)]
