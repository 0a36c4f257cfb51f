"""Each submitted response keeps its ratings packed (one byte an item) for the reliability
figures; responses submitted before this change are filled from their answers."""

from django.db import migrations, models

# One statement on PostgreSQL: every submitted response's ratings in item order, 0 where
# an item has no rating (not observed) or no answer.
BACKFILL_SQL = """
UPDATE feedback_response AS r SET ratings = p.packed
FROM (
    SELECT s.id, string_agg(
        set_byte('\\x00'::bytea, 0, COALESCE(a.rating, 0)), ''::bytea ORDER BY i."order", i.id
    ) AS packed
    FROM feedback_response s
    JOIN feedback_feedbackcycle c ON c.id = s.cycle_id
    JOIN feedback_questionnaireitem i ON i.questionnaire_id = c.questionnaire_id
    LEFT JOIN feedback_answer a ON a.response_id = s.id AND a.item_id = i.id
    WHERE s.state = 'submitted'
    GROUP BY s.id
) AS p
WHERE p.id = r.id
"""


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKFILL_SQL)
        return
    Response = apps.get_model("feedback", "Response")
    Answer = apps.get_model("feedback", "Answer")
    QuestionnaireItem = apps.get_model("feedback", "QuestionnaireItem")
    items: dict[int, list[int]] = {}
    for response in Response.objects.filter(state="submitted").select_related("cycle"):
        questionnaire_id = response.cycle.questionnaire_id
        if questionnaire_id not in items:
            items[questionnaire_id] = list(
                QuestionnaireItem.objects.filter(questionnaire_id=questionnaire_id)
                .order_by("order", "pk")
                .values_list("pk", flat=True)
            )
        answers = dict(Answer.objects.filter(response=response).values_list("item_id", "rating"))
        response.ratings = bytes(answers.get(pk) or 0 for pk in items[questionnaire_id])
        response.save(update_fields=["ratings"])


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_seed_rater_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="response",
            name="ratings",
            field=models.BinaryField(
                default=b"",
                editable=False,
                help_text=(
                    "Written once, on submission: one byte per questionnaire item in item "
                    "order, 1-5, or 0 for not observed (the reliability figures read these, "
                    "not the answers)"
                ),
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
