"""The demo's surveys: anonymous answers with no person or time, as many as the recipients
marked as having answered, each passing the questions' checks."""

import pytest

from cophub.surveys.models import Answer, Recipient, Response, Survey

pytestmark = pytest.mark.django_db


def test_the_demo_surveys(run_demo):
    run_demo(60)
    practitioner = Survey.objects.get(title="2026 survey of AI practitioners")
    cx = Survey.objects.get(title__startswith="How was the")
    assert practitioner.anonymous and practitioner.status == Survey.Status.OPEN
    assert cx.status == Survey.Status.CLOSED and cx.results_published
    for survey in (practitioner, cx):
        responses = Response.objects.filter(survey=survey)
        assert responses.count() == Recipient.objects.filter(survey=survey,
                                                             responded=True).count() > 0
        assert not responses.filter(user__isnull=False).exists()
        assert not responses.filter(submitted_at__isnull=False).exists()
        assert not responses.exclude(
            pk__in=Answer.objects.values("response")).exists()  # every one has answers
    assert Recipient.objects.filter(invited=False).count() == 0  # nobody e-mailed twice later


def test_the_demo_member_may_still_answer_the_practitioner_survey(run_demo, client):
    from cophub.accounts.models import User

    run_demo(30)
    member = User.objects.get(email="member@va.gov")
    survey = Survey.objects.get(title="2026 survey of AI practitioners")
    assert not Recipient.objects.get(survey=survey, user=member).responded
    client.force_login(member)
    assert "2026 survey of AI practitioners" in client.get("/").content.decode()
