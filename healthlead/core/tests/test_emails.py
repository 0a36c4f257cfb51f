"""Emails from templates: the text parts are plain text, the HTML part is escaped."""

from __future__ import annotations

from healthlead.core.emails import templated_message


def test_names_reach_the_subject_and_text_as_written_and_the_html_escaped():
    context = {
        "manager_name": "Siobhan O'Neill",
        "applicant_name": "Tomás <O'Brien> & Co",
        "programme": "Mary Seacole",
        "intake": "Spring intake",
        "closes_on": "1 March 2027",
        "link": "https://healthlead.example/endorsements/1/",
    }
    message = templated_message("programmes/emails/endorsement_request", context, ["a@nhs.example"])
    assert message.subject == "Please endorse Tomás <O'Brien> & Co's application to Mary Seacole"
    assert "Dear Siobhan O'Neill," in message.body
    assert "Tomás <O'Brien> & Co has applied" in message.body
    assert "&#39;" not in message.body
    assert "&amp;" not in message.body
    ((html, kind),) = message.alternatives
    assert kind == "text/html"
    assert "Tomás &lt;O&#39;Brien&gt; &amp; Co" in html
    assert "<O'Brien>" not in html
