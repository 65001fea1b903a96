"""The yearly check of qualifying addresses and the way back from a lapse (issue "Government
status that follows people"): the daily job asks once, lapses after the grace period; the
signed link confirms, signed in or not, and lifts a lapse; a lapsed address can ask for the
link again, throttled."""

import re
from datetime import timedelta

import pytest
from allauth.account import signals as account_signals
from allauth.account.models import EmailAddress
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from cophub.accounts.domains import addresses_government, government_address_q
from cophub.accounts.models import (
    DomainRule,
    QualifyingAddressCheck,
    QualifyingAddressLapse,
    Tier,
    User,
)
from cophub.accounts.services import address_checks, address_checks_run, address_lapse
from cophub.accounts.tests.tiers import with_personal_address
from cophub.accounts.tokens import SALT
from cophub.core.models import AuditEvent, OutgoingMail

pytestmark = pytest.mark.django_db

YEAR = timedelta(days=365)
GRACE = timedelta(days=30)
LINK = re.compile(r"/addresses/confirm/[^/\s]+/")


@pytest.fixture
def jane(make_user):
    """A government member through jane@va.gov, with a verified personal address too."""
    return with_personal_address(make_user("jane@va.gov", name="Jane Doe"),
                                 address="jane@example.com")


@pytest.fixture
def start(jane):
    """The day the job first sees Jane's address: her year starts."""
    now = timezone.now()
    report = address_checks_run(now=now)
    assert report.started == 1
    return now


def run(capture, now, **kwargs):
    with capture(execute=True):
        return address_checks_run(now=now, **kwargs)


def mails_to(email):
    return list(OutgoingMail.objects.filter(to=email).order_by("pk"))


def link_in(mail) -> str:
    return LINK.search(mail.body_text).group(0)


def state_of(email):
    address = EmailAddress.objects.get(email=email)
    check = QualifyingAddressCheck.objects.filter(email_address=address).first()
    lapse = QualifyingAddressLapse.objects.filter(email_address=address).first()
    user = User.objects.get(pk=address.user_id)
    return (user.tier, check and (check.confirmed_at, check.requested_at),
            lapse and lapse.reason)


def ask(capture, start):
    report = run(capture, start + YEAR)
    assert report.asked == 1
    return link_in(mails_to("jane@va.gov")[-1])


def lapse_by_job(capture, start):
    ask(capture, start)
    report = run(capture, start + YEAR + GRACE)
    assert report.lapsed == 1


# --- The job ---------------------------------------------------------------------------

def test_job_asks_a_qualifying_address_once_when_its_year_is_over(
        jane, start, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert run(capture, start + YEAR - timedelta(days=1)).asked == 0
    assert mails_to("jane@va.gov") == []

    assert run(capture, start + YEAR).asked == 1
    # The same day again, and every day after: nothing more.
    assert run(capture, start + YEAR).asked == 0
    assert run(capture, start + YEAR + timedelta(days=1)).asked == 0

    [mail] = mails_to("jane@va.gov")
    assert "government" in mail.subject.lower()
    assert "jane@va.gov" in mail.body_text and LINK.search(mail.body_text)
    assert "&#x27;" not in mail.body_text and "&amp;" not in mail.body_text
    assert mails_to("jane@example.com") == []  # only the address asked about
    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT  # asking changes nothing else


def test_job_lapses_an_address_not_confirmed_within_the_grace_period(
        jane, start, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    ask(capture, start)
    assert run(capture, start + YEAR + GRACE - timedelta(days=1)).lapsed == 0

    assert run(capture, start + YEAR + GRACE).lapsed == 1
    assert run(capture, start + YEAR + GRACE + timedelta(days=1)).lapsed == 0

    jane.refresh_from_db()
    assert jane.tier == Tier.PUBLIC
    lapse = QualifyingAddressLapse.objects.get(email_address__email="jane@va.gov")
    assert lapse.reason == QualifyingAddressLapse.Reason.NOT_RECONFIRMED
    event = AuditEvent.objects.get(verb="accounts.address.lapsed")
    assert (event.data["reason"], event.data["tier"]) == ("not_reconfirmed", "public")
    # Told at her other address what to do; the address itself gets one last link.
    [notice] = mails_to("jane@example.com")
    assert "jane@va.gov" in notice.body_text and "new work address" in notice.body_text
    assert "Once a year" in notice.body_text
    asked, last = mails_to("jane@va.gov")
    assert LINK.search(last.body_text) and link_in(last) != link_in(asked)


def test_job_leaves_public_addresses_participants_and_lapsed_addresses_alone(
        make_user, jane, start, public_user, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    make_user("ned@nasa.gov", verified=False)
    DomainRule.objects.create(domain="denied.gov", kind=DomainRule.Kind.DENY)
    make_user("dan@denied.gov")
    with capture(execute=True):
        address_lapse(email="jane@va.gov", reason=QualifyingAddressLapse.Reason.HARD_BOUNCE)
    OutgoingMail.objects.all().delete()

    for day in (0, 365, 395, 800):
        report = run(capture, start + timedelta(days=day))
        assert (report.asked, report.lapsed) == (0, 0)

    assert not OutgoingMail.objects.exists()
    emails = set(QualifyingAddressCheck.objects.values_list("email_address__email", flat=True))
    assert emails == {"jane@va.gov"}  # its year started before it lapsed; no one else's
    assert QualifyingAddressLapse.objects.get().reason == "hard_bounce"


def test_job_that_dies_part_way_resumes_without_asking_twice(
        make_user, jane, start, django_capture_on_commit_callbacks, monkeypatch):
    capture = django_capture_on_commit_callbacks
    make_user("sam@army.mil")
    run(capture, start)  # Sam's year starts too
    real = address_checks._address_confirm_mail

    def dies_on_sam(**kwargs):
        if kwargs["email_address"].email == "sam@army.mil":
            raise RuntimeError("worker killed")
        real(**kwargs)

    monkeypatch.setattr(address_checks, "_address_confirm_mail", dies_on_sam)
    with pytest.raises(RuntimeError):
        run(capture, start + YEAR)
    # Jane's request committed with its mail; Sam's rolled back with the claim.
    assert len(mails_to("jane@va.gov")) == 1
    assert state_of("sam@army.mil")[1][1] is None

    monkeypatch.setattr(address_checks, "_address_confirm_mail", real)
    assert run(capture, start + YEAR).asked == 1
    assert run(capture, start + YEAR).asked == 0
    assert (len(mails_to("jane@va.gov")), len(mails_to("sam@army.mil"))) == (1, 1)


def test_job_takes_a_bounded_batch_per_run(make_user, jane, start,
                                           django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    for name in ("a", "b"):
        make_user(f"{name}@nih.gov")
    assert run(capture, start, batch=1).started == 1
    assert run(capture, start, batch=1).started == 1
    assert run(capture, start, batch=1).started == 0
    assert [run(capture, start + YEAR, batch=1).asked for _ in range(4)] == [1, 1, 1, 0]


def test_the_daily_job_is_registered():
    from cophub.core.scheduler import load_periodic_jobs

    job = load_periodic_jobs()["accounts.address_checks_run"]
    assert job.every == timedelta(days=1)


def test_confirming_through_allauth_starts_a_new_year(jane, start, rf):
    address = EmailAddress.objects.get(email="jane@va.gov")
    QualifyingAddressCheck.objects.filter(email_address=address).update(
        confirmed_at=start - YEAR, requested_at=start)
    account_signals.email_confirmed.send(sender=EmailAddress, request=rf.post("/"),
                                         email_address=address)
    check = QualifyingAddressCheck.objects.get(email_address=address)
    assert check.requested_at is None and check.confirmed_at > start


def test_the_database_filter_agrees_with_the_address_parser():
    DomainRule.objects.create(domain="partner.org", kind=DomainRule.Kind.ALLOW)
    DomainRule.objects.create(domain="lab.partner.org", kind=DomainRule.Kind.DENY)
    DomainRule.objects.create(domain="denied.gov", kind=DomainRule.Kind.DENY)
    emails = ["a@va.gov", "b@x.nih.gov", "c@army.mil", "d@partner.org", "e@sub.partner.org",
              "f@lab.partner.org", "g@x.lab.partner.org", "h@denied.gov", "i@example.com",
              "j@gov.example.com", "k@x.gov.evil.com", "l@notpartner.org", "m@VA.GOV",
              "n@govx", "o@mil.example.org"]
    user = User.objects.create_user(email="owner@example.net")
    for email in emails:
        EmailAddress.objects.create(user=user, email=email, verified=True)
    matched = set(EmailAddress.objects.filter(government_address_q())
                  .values_list("email", flat=True))
    assert matched == addresses_government(emails)


# --- The link --------------------------------------------------------------------------

def test_get_shows_what_will_happen_and_changes_nothing(client, jane, start,
                                                        django_capture_on_commit_callbacks):
    link = ask(django_capture_on_commit_callbacks, start)
    before = state_of("jane@va.gov")
    events = AuditEvent.objects.count()

    response = client.get(link)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm jane@va.gov" in page
    assert state_of("jane@va.gov") == before
    assert AuditEvent.objects.count() == events


def test_link_confirms_without_signing_in_and_only_once(client, jane, start,
                                                       django_capture_on_commit_callbacks):
    link = ask(django_capture_on_commit_callbacks, start)

    response = client.post(link)

    assert response.status_code == 302 and response["Location"] == link
    tier, (confirmed_at, requested_at), lapse = state_of("jane@va.gov")
    assert (tier, requested_at, lapse) == (Tier.GOVERNMENT, None, None)
    assert confirmed_at > start  # a new year starts now
    assert AuditEvent.objects.filter(verb="accounts.address.reconfirmed").count() == 1
    page = client.get(link).content.decode()
    assert "is confirmed" in page and "Confirm jane@va.gov" not in page

    client.post(link)  # again: nothing left to confirm
    assert AuditEvent.objects.filter(verb="accounts.address.reconfirmed").count() == 1
    # Confirmed: next year's run asks nothing, nor does the run that would have lapsed it.
    assert run(django_capture_on_commit_callbacks, start + YEAR + GRACE).lapsed == 0


def test_link_signed_in_lifts_the_lapse_and_restores_the_tier(
        client, jane, start, django_capture_on_commit_callbacks):
    lapse_by_job(django_capture_on_commit_callbacks, start)
    last_link = link_in(mails_to("jane@va.gov")[-1])
    client.force_login(jane)

    page = client.get(last_link).content.decode()
    assert "counts again" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(last_link)

    jane.refresh_from_db()
    assert (jane.tier, jane.tier_domain) == (Tier.GOVERNMENT, "va.gov")
    assert not QualifyingAddressLapse.objects.exists()
    assert AuditEvent.objects.filter(verb="accounts.address.lapse_lifted").count() == 1


def test_a_link_from_before_the_lapse_cannot_lift_it(client, jane, start,
                                                    django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    yearly_link = ask(capture, start)
    with capture(execute=True):
        address_lapse(email="jane@va.gov", reason=QualifyingAddressLapse.Reason.HARD_BOUNCE)
    before = state_of("jane@va.gov")

    assert client.get(yearly_link).status_code == 400
    assert client.post(yearly_link).status_code == 400

    assert state_of("jane@va.gov") == before
    assert before[0] == Tier.PUBLIC


def bad_links(link):
    token = link.split("/")[-2]
    payload = signing.TimestampSigner(salt=SALT).unsign_object(token)
    flipped = "B" if token[1] != "B" else "C"
    return {
        "tampered": link.replace(token, token[0] + flipped + token[2:]),
        "cut": link.replace(token, token[: len(token) // 2]),
        "forged with another salt": link.replace(
            token, signing.TimestampSigner(salt="another-salt").sign_object(payload)),
        "without a timestamp": link.replace(token, signing.Signer(salt=SALT).sign_object(payload)),
        "garbage": "/addresses/confirm/not-a-token/",
    }


def test_bad_links_show_a_clear_page_and_change_nothing(client, jane, start,
                                                        django_capture_on_commit_callbacks):
    link = ask(django_capture_on_commit_callbacks, start)
    before = state_of("jane@va.gov")
    events = AuditEvent.objects.count()

    for name, bad in bad_links(link).items():
        for method in (client.get, client.post):
            response = method(bad)
            assert response.status_code == 400, name
            assert "cannot confirm" in response.content.decode(), name
            assert "jane@va.gov" not in response.content.decode(), name

    with freeze_time(timezone.now() + GRACE + timedelta(minutes=1)):
        expired = client.post(link)
    assert expired.status_code == 400 and "expired" in expired.content.decode()

    assert state_of("jane@va.gov") == before
    assert AuditEvent.objects.count() == events


def test_a_link_for_an_address_removed_since_changes_nothing(client, jane, start,
                                                            django_capture_on_commit_callbacks):
    link = ask(django_capture_on_commit_callbacks, start)
    EmailAddress.objects.filter(email="jane@va.gov").delete()
    assert client.post(link).status_code == 400


# --- "Send me a confirmation link" -----------------------------------------------------

def test_email_page_says_why_an_address_lapsed_and_offers_a_link(
        client, jane, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        address_lapse(email="jane@va.gov", reason=QualifyingAddressLapse.Reason.HARD_BOUNCE)
    client.force_login(jane)

    page = client.get(reverse("account_email")).content.decode()

    assert "Mail to the address bounced permanently".lower() in page.lower()
    assert "Send me a confirmation link" in page
    assert reverse("accounts:address_confirm_link",
                   kwargs={"pk": EmailAddress.objects.get(email="jane@va.gov").pk}) in page
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "no longer counts for government membership" in profile


def test_signing_in_says_an_address_lapsed(client, jane, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        address_lapse(email="jane@va.gov", reason=QualifyingAddressLapse.Reason.HARD_BOUNCE)

    response = client.post(reverse("account_login"), {
        "login": "jane@example.com", "password": "a long test passphrase"}, follow=True)

    assert response.wsgi_request.user == jane
    assert "jane@va.gov no longer counts" in response.content.decode()


def test_the_link_sent_on_request_brings_the_tier_back(client, jane,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        address_lapse(email="jane@va.gov", reason=QualifyingAddressLapse.Reason.HARD_BOUNCE)
    address = EmailAddress.objects.get(email="jane@va.gov")
    client.force_login(jane)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:address_confirm_link",
                                       kwargs={"pk": address.pk}))

    assert response.status_code == 302
    [mail] = mails_to("jane@va.gov")
    client.logout()  # the link works from the mailbox, signed in or not
    client.post(link_in(mail))
    jane.refresh_from_db()
    assert jane.tier == Tier.GOVERNMENT
    assert AuditEvent.objects.filter(verb="accounts.address.confirmation_sent").count() == 1


def test_sending_the_link_again_is_throttled(client, jane, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        address_lapse(email="jane@va.gov", reason=QualifyingAddressLapse.Reason.HARD_BOUNCE)
    url = reverse("accounts:address_confirm_link",
                  kwargs={"pk": EmailAddress.objects.get(email="jane@va.gov").pk})
    client.force_login(jane)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        response = client.post(url, follow=True)

    assert len(mails_to("jane@va.gov")) == 1
    assert "a moment ago" in response.content.decode()


def test_sending_a_link_needs_the_persons_own_address_with_something_to_confirm(
        client, jane, make_user):
    other = make_user("omar@nih.gov")
    client.force_login(jane)

    url = reverse("accounts:address_confirm_link",
                  kwargs={"pk": EmailAddress.objects.get(email="omar@nih.gov").pk})
    assert client.post(url).status_code == 404
    assert client.get(url).status_code == 405

    own = reverse("accounts:address_confirm_link",
                  kwargs={"pk": EmailAddress.objects.get(email="jane@va.gov").pk})
    response = client.post(own, follow=True)
    assert "needs no confirmation" in response.content.decode()
    assert not OutgoingMail.objects.exists()
    assert other.tier == Tier.GOVERNMENT


def test_sending_a_link_needs_a_signed_in_person(client, jane):
    url = reverse("accounts:address_confirm_link",
                  kwargs={"pk": EmailAddress.objects.get(email="jane@va.gov").pk})
    assert client.post(url).status_code == 302
    assert not OutgoingMail.objects.exists()
