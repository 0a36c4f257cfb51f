"""CASE identifiers for stages and parent links, stage details, framework terms, and
crosswalks that keep their target's identifier (so a link survives an import of one
framework without the other)."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def fill_identifiers(apps, schema_editor):
    """Give rows that existed before this migration their own identifiers."""
    for model_name in ("Domain", "Element", "Indicator"):
        model = apps.get_model("frameworks", model_name)
        for row in model.objects.filter(link_uuid__isnull=True).only("pk"):
            model.objects.filter(pk=row.pk).update(link_uuid=uuid.uuid4())
    Stage = apps.get_model("frameworks", "Stage")
    for row in Stage.objects.filter(case_uuid__isnull=True).only("pk"):
        Stage.objects.filter(pk=row.pk).update(case_uuid=uuid.uuid4())
    Crosswalk = apps.get_model("frameworks", "Crosswalk")
    for row in Crosswalk.objects.select_related("target").filter(target_identifier=""):
        Crosswalk.objects.filter(pk=row.pk).update(
            target_identifier=str(row.target.case_uuid), target_title=row.target.name
        )


class Migration(migrations.Migration):
    dependencies = [
        ("frameworks", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="framework",
            name="domain_term",
            field=models.CharField(
                default="Domain", help_text="What the framework calls a domain", max_length=30
            ),
        ),
        migrations.AddField(
            model_name="framework",
            name="element_term",
            field=models.CharField(
                default="Element", help_text="What the framework calls an element", max_length=30
            ),
        ),
        migrations.AddField(
            model_name="frameworkversion",
            name="last_changed_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="When the content last changed (CASE lastChangeDateTime)",
            ),
        ),
        migrations.AddField(
            model_name="stage",
            name="description",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="stage",
            name="confirmed",
            field=models.BooleanField(
                default=True,
                help_text="False when the stage could not be checked against a primary source",
            ),
        ),
        migrations.AddField(
            model_name="stage",
            name="case_uuid",
            field=models.UUIDField(null=True),
        ),
        migrations.AddField(
            model_name="domain",
            name="link_uuid",
            field=models.UUIDField(null=True),
        ),
        migrations.AddField(
            model_name="element",
            name="link_uuid",
            field=models.UUIDField(null=True),
        ),
        migrations.AddField(
            model_name="indicator",
            name="link_uuid",
            field=models.UUIDField(null=True),
        ),
        migrations.AddField(
            model_name="crosswalk",
            name="target_identifier",
            field=models.CharField(
                default="", help_text="CASE identifier of the target element", max_length=100
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="crosswalk",
            name="target_title",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="crosswalk",
            name="target_uri",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(fill_identifiers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="stage",
            name="case_uuid",
            field=models.UUIDField(default=uuid.uuid4, unique=True),
        ),
        migrations.AlterField(
            model_name="domain",
            name="link_uuid",
            field=models.UUIDField(
                default=uuid.uuid4,
                help_text="CASE identifier of the link to its parent",
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="element",
            name="link_uuid",
            field=models.UUIDField(
                default=uuid.uuid4,
                help_text="CASE identifier of the link to its parent",
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="indicator",
            name="link_uuid",
            field=models.UUIDField(
                default=uuid.uuid4,
                help_text="CASE identifier of the link to its parent",
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="crosswalk",
            name="target",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="crosswalks_in",
                to="frameworks.element",
            ),
        ),
        migrations.AlterModelOptions(
            name="crosswalk",
            options={"ordering": ["source", "target_identifier"]},
        ),
        migrations.AddConstraint(
            model_name="crosswalk",
            constraint=models.UniqueConstraint(
                fields=("source", "target_identifier", "kind"), name="crosswalk_target_id_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="crosswalk",
            constraint=models.CheckConstraint(
                condition=models.Q(("target_identifier", ""), _negated=True),
                name="crosswalk_names_its_target",
            ),
        ),
    ]
