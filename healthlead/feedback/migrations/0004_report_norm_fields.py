"""What national norms read, copied out of each frozen report into columns of its own, so the
norms never parse whole reports; reports frozen before this change are filled from their data."""

from django.db import migrations, models

BACKFILL_SQL = """
UPDATE feedback_report SET
    staff_group = COALESCE(data -> 'subject' ->> 'staff_group', ''),
    career_stage = COALESCE(data -> 'subject' ->> 'career_stage', ''),
    norm_inputs = COALESCE(data -> 'norm_inputs', '{}'::jsonb)
"""


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKFILL_SQL)
        return
    Report = apps.get_model("feedback", "Report")
    for report in Report.objects.all():
        subject = report.data.get("subject") or {}
        report.staff_group = subject.get("staff_group") or ""
        report.career_stage = subject.get("career_stage") or ""
        report.norm_inputs = report.data.get("norm_inputs") or {}
        report.save(update_fields=["staff_group", "career_stage", "norm_inputs"])


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_response_ratings"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="career_stage",
            field=models.CharField(blank=True, help_text="The subject's, frozen", max_length=20),
        ),
        migrations.AddField(
            model_name="report",
            name="norm_inputs",
            field=models.JSONField(
                default=dict,
                help_text="All-others element and domain means: what norms are made of",
            ),
        ),
        migrations.AddField(
            model_name="report",
            name="staff_group",
            field=models.CharField(blank=True, help_text="The subject's, frozen", max_length=30),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
