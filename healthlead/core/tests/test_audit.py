import pytest

from healthlead.core import audit
from healthlead.core.actors import System
from healthlead.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_events_form_an_unbroken_chain():
    for n in range(5):
        audit.record("test.thing", by=System("tests"), target=("thing", n), detail={"n": n})
    assert list(audit.verify_chain()) == []
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5]
    assert events[1].prev_hash == events[0].hash


def test_changed_event_is_named_as_first_broken_link():
    for n in range(4):
        audit.record("test.thing", by=System("tests"), detail={"n": n})
    AuditEvent.objects.filter(sequence=3).update(detail={"n": 99})
    breaks = list(audit.verify_chain())
    assert breaks[0].sequence == 3
    assert "content" in breaks[0].problem


def test_removed_event_breaks_the_chain():
    for n in range(4):
        audit.record("test.thing", by=System("tests"), detail={"n": n})
    AuditEvent.objects.filter(sequence=2)._raw_delete(AuditEvent.objects.db)
    assert next(audit.verify_chain()).sequence == 2


def test_events_cannot_be_changed_or_deleted_through_the_model():
    event = audit.record("test.thing", by=System("tests"))
    event.action = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_verify_audit_command_reports_a_break(capsys):
    from django.core.management import CommandError, call_command

    audit.record("test.thing", by=System("tests"))
    call_command("verify_audit")
    assert "intact: 1 events" in capsys.readouterr().out
    AuditEvent.objects.filter(sequence=1).update(actor_label="someone else")
    with pytest.raises(CommandError, match="broken at event 1"):
        call_command("verify_audit")
