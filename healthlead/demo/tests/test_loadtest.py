"""The load test's preparation makes accounts and records that really work."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts.models import User
from healthlead.core.actors import System
from healthlead.demo import loadtest
from healthlead.demo.synth import facts
from healthlead.demo.tests.synth_support import synthesise_in_test
from healthlead.feedback import actions as feedback_actions


@pytest.fixture
def small_load(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts, "TRUST_SCALE_STAFF", 600)
    monkeypatch.setattr(loadtest, "MIN_STAFF", 500)
    monkeypatch.setattr(loadtest, "ACCOUNTS_PER_KIND", 2)
    monkeypatch.setattr(loadtest, "CARD_CODES", 50)
    monkeypatch.setattr(loadtest, "REPORTS", 1)


def test_prepare_refuses_a_database_without_enough_staff(db, tmp_path):
    with pytest.raises(loadtest.LoadTestError, match="synth --scale region"):
        loadtest.prepare(path=tmp_path / "users.json")
    assert not (tmp_path / "users.json").exists()


def test_prepared_accounts_sign_in_read_reports_and_answer_cards(db, tmp_path, small_load):
    synthesise_in_test(scale="trust", seed=3, stdout=io.StringIO(), progress=io.StringIO())
    path = tmp_path / "users.json"
    data = loadtest.prepare(path=path)
    assert json.loads(path.read_text()) == data
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(data["card_codes"]) == 50
    assert len(set(data["card_codes"])) == 50

    staff = User.objects.get(email=data["staff"][0])
    assert staff.check_password(data["password"])
    assert staff.person is not None
    # Each staff account has a draft application to an open intake, and can write a statement.
    assert set(data["applications"]) == set(data["staff"])
    writer = Client()
    writer.force_login(staff)
    application = data["applications"][staff.email]
    assert writer.get(application["application"]).status_code == 200
    saved = writer.post(application["statement"], {"text": "I lead our ward's handover."})
    assert saved.status_code == 302
    assert "I lead our ward" in writer.get(application["statement"]).content.decode()

    subject = data["subjects"][0]
    client = Client()
    client.force_login(User.objects.get(email=subject["email"]))
    assert client.get(subject["report"]).status_code == 200

    lead = User.objects.get(email=data["regional_leads"][0]["email"])
    device = TOTPDevice.objects.get(user=lead, confirmed=True)
    assert device.key == data["regional_leads"][0]["totp_key"]
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    assert device.verify_token(f"{code:06d}")

    api = Client().get(
        "/api/v1/people/",
        {"q": data["surnames"][0]},
        HTTP_AUTHORIZATION=f"Bearer {data['api_token']}",
    )
    assert api.status_code == 200
    assert api.json()["count"] >= 1

    invitation, token = feedback_actions.redeem_card_code(
        code=data["card_codes"][0], by=System("tests")
    )
    assert invitation.cycle.state == "open"
    assert token

    # Running again with the same accounts: new codes replace the used ones.
    assert loadtest.refresh_card_codes(path=path) == 50
    fresh = json.loads(path.read_text())["card_codes"]
    assert not set(fresh) & set(data["card_codes"])
    again, _ = feedback_actions.redeem_card_code(code=fresh[0], by=System("tests"))
    assert again.cycle_id == invitation.cycle_id

    with pytest.raises(loadtest.LoadTestError, match="already exist"):
        loadtest.prepare(path=tmp_path / "again.json")

    # An accounts file from before programme applications were prepared: say to start again.
    older = tmp_path / "older.json"
    older.write_text(json.dumps({k: v for k, v in data.items() if k != "applications"}))
    with pytest.raises(loadtest.LoadTestError, match="without --reuse"):
        loadtest.refresh_card_codes(path=older)
