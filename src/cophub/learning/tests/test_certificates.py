"""Certificates: issued for credit earned, verified publicly, invalidated by revoking the
attendance behind them; the PDF is a real PDF for its holder and organizers only."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cophub.learning.models import Certificate
from cophub.learning.services import (
    CertificateNotEarned,
    certificate_issue,
    certificate_issue_for_track,
    certificate_revoke,
)

pytestmark = pytest.mark.django_db


def verify_url(certificate):
    return reverse("learning:certificate_verify", kwargs={"code": certificate.code})


def pdf_url(certificate):
    return reverse("learning:certificate_pdf", kwargs={"code": certificate.code})


@pytest.fixture
def earned(make_session, attend, gov_member):
    session = make_session(past=True, minutes=90, title="Responsible AI in Practice")
    attend(gov_member, session, 80)
    return session


def test_certificate_for_a_session_carries_the_credit_and_an_unguessable_code(earned,
                                                                             gov_member):
    certificate = certificate_issue(user=gov_member, session=earned)
    assert certificate.credit == Decimal("1.33")
    assert certificate.holder_name == "Mia Member"
    assert len(certificate.code) >= 22 and certificate.code.isascii()
    assert certificate_issue(user=gov_member, session=earned).pk == certificate.pk


def test_no_certificate_without_qualifying_attendance(make_session, attend, gov_member):
    session = make_session(past=True)
    with pytest.raises(CertificateNotEarned):
        certificate_issue(user=gov_member, session=session)
    attend(gov_member, session, 20)
    with pytest.raises(CertificateNotEarned):
        certificate_issue(user=gov_member, session=session)
    assert not Certificate.objects.exists()


def test_certificate_needs_a_name_to_print(earned, make_user, attend):
    nameless = make_user("nameless@nasa.gov")
    attend(nameless, earned, 90)
    with pytest.raises(CertificateNotEarned, match="name"):
        certificate_issue(user=nameless, session=earned)


def test_verification_page_shows_name_title_date_and_credit_and_nothing_else(client, earned,
                                                                            gov_member):
    certificate = certificate_issue(user=gov_member, session=earned)
    page = client.get(verify_url(certificate)).content.decode()
    assert "Valid certificate" in page
    assert "Mia Member" in page and "Responsible AI in Practice" in page
    assert "1.33" in page and earned.event.starts_at.strftime("%B") in page
    assert gov_member.email not in page and "va.gov" not in page


def test_revoking_the_attendance_invalidates_the_certificate(client, earned, gov_member):
    certificate = certificate_issue(user=gov_member, session=earned)
    earned.event.attendances.update(revoked_at=timezone.now())
    page = client.get(verify_url(certificate)).content.decode()
    assert "Revoked certificate" in page and "Valid certificate" not in page


def test_attendance_corrected_below_the_threshold_invalidates_the_certificate(
        client, earned, gov_member):
    certificate = certificate_issue(user=gov_member, session=earned)
    earned.event.attendances.update(minutes=10)
    assert "Revoked certificate" in client.get(verify_url(certificate)).content.decode()


def test_organizer_can_revoke_a_certificate_and_a_new_one_gets_a_new_code(
        client, earned, gov_member, organizer):
    certificate = certificate_issue(user=gov_member, session=earned)
    certificate_revoke(certificate=certificate, actor=organizer)
    assert "Revoked certificate" in client.get(verify_url(certificate)).content.decode()
    fresh = certificate_issue(user=gov_member, session=earned)
    assert fresh.code != certificate.code


def test_only_organizers_revoke_certificates(earned, gov_member):
    from django.core.exceptions import PermissionDenied

    certificate = certificate_issue(user=gov_member, session=earned)
    with pytest.raises(PermissionDenied):
        certificate_revoke(certificate=certificate, actor=gov_member)


@pytest.mark.parametrize("code", ["AAAAAAAAAAAAAAAAAAAAAA", "not-a-real-code-at-all",
                                  "short", "x" * 40, "abc%27%20OR%201%3D1abcdefgh"])
def test_forged_or_malformed_codes_are_not_found(client, earned, gov_member, code):
    certificate_issue(user=gov_member, session=earned)
    assert client.get(f"/certificates/{code}/").status_code == 404


def test_track_certificate_needs_every_session_of_the_track(make_session, make_track, attend,
                                                            gov_member, client):
    track = make_track("Leadership")
    first = make_session(past=True, tracks=[track])
    second = make_session(past=True, tracks=[track], minutes=90)
    attend(gov_member, first, 60)
    with pytest.raises(CertificateNotEarned, match="1 of the track's 2"):
        certificate_issue_for_track(user=gov_member, track=track)
    attend(gov_member, second, 50)
    certificate = certificate_issue_for_track(user=gov_member, track=track)
    assert certificate.credit == Decimal("1.83")
    assert set(certificate.covers.all()) == {first, second}
    page = client.get(verify_url(certificate)).content.decode()
    assert "Valid certificate" in page and "Leadership track" in page
    second.event.attendances.update(revoked_at=timezone.now())
    assert "Revoked certificate" in client.get(verify_url(certificate)).content.decode()


def test_track_with_sessions_to_come_is_not_complete(make_session, make_track, attend,
                                                     gov_member):
    track = make_track()
    attend(gov_member, make_session(past=True, tracks=[track]), 60)
    make_session(tracks=[track])
    with pytest.raises(CertificateNotEarned, match="still to come"):
        certificate_issue_for_track(user=gov_member, track=track)


def test_pdf_is_a_one_page_pdf_with_the_code_for_its_holder(client, earned, gov_member):
    certificate = certificate_issue(user=gov_member, session=earned)
    client.force_login(gov_member)
    response = client.get(pdf_url(certificate))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b(?!s)", body)) == 1 and b"/Count 1" in body
    assert certificate.code.encode() in body
    assert verify_url(certificate).encode() in body  # the public verification link


def test_pdf_is_for_the_holder_and_organizers_only(client, earned, gov_member, make_user,
                                                   organizer):
    certificate = certificate_issue(user=gov_member, session=earned)
    url = pdf_url(certificate)
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(make_user("someone@nasa.gov"))
    assert client.get(url).status_code == 404
    client.force_login(organizer)
    assert client.get(url).status_code == 200


def test_no_pdf_of_a_revoked_certificate(client, earned, gov_member):
    certificate = certificate_issue(user=gov_member, session=earned)
    earned.event.attendances.update(revoked_at=timezone.now())
    client.force_login(gov_member)
    response = client.get(pdf_url(certificate))
    assert response.status_code == 302 and response["Location"] == verify_url(certificate)


def test_transcript_lists_sessions_hours_credit_totals_and_certificates(
        client, make_session, attend, gov_member):
    a = make_session(past=True, minutes=90, title="Deep learning")
    b = make_session(past=True, minutes=60, title="Securing AI")
    c = make_session(past=True, minutes=60, title="Left early")
    attend(gov_member, a, 90)
    attend(gov_member, b, 45)
    attend(gov_member, c, 10)
    certificate = certificate_issue(user=gov_member, session=a)
    client.force_login(gov_member)
    page = client.get(reverse("learning:transcript")).content.decode()
    for title in ("Deep learning", "Securing AI", "Left early"):
        assert title in page
    assert "1.50" in page and "0.75" in page and "0.00" in page
    assert "2.25" in page  # total CLPs
    assert "2.4" in page  # total hours: 145 minutes
    assert pdf_url(certificate) in page and verify_url(certificate) in page
    assert "Get the certificate" in page  # for "Securing AI"


def test_transcript_certificate_button_issues_and_lists_it(client, earned, gov_member):
    client.force_login(gov_member)
    page = client.post(reverse("learning:certificate_issue"), {"session": earned.pk},
                       follow=True).content.decode()
    certificate = Certificate.objects.get()
    assert "Its verification code is " + certificate.code in page
    assert pdf_url(certificate) in page


def test_someone_else_cannot_issue_a_certificate_for_attendance_they_lack(client, earned,
                                                                        make_user):
    client.force_login(make_user("other@nasa.gov", name="Other Person"))
    page = client.post(reverse("learning:certificate_issue"), {"session": earned.pk},
                       follow=True).content.decode()
    assert "does not earn credit" in page and not Certificate.objects.exists()
