"""Sign-up, verification, login and the security rules around them, through the web."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from cophub.accounts.models import Tier, User
from cophub.core.models import AuditEvent, OutgoingMail

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def signup(client, email, password=PASSWORD, name="Nova Person"):
    return client.post(reverse("account_signup"), {
        "name": name, "email": email, "password1": password, "password2": password,
    })


def confirmation_link(email):
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    return re.search(r"http://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def test_signup_sends_verification_through_the_outbox_and_verifying_grants_tier(
        client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "new.person@gsa.gov")
    assert response.status_code == 302
    user = User.objects.get(email="new.person@gsa.gov")
    assert user.tier == Tier.PUBLIC  # not verified yet
    assert OutgoingMail.objects.filter(to="new.person@gsa.gov").count() == 1
    link = confirmation_link("new.person@gsa.gov")
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    client.post(path)
    user.refresh_from_db()
    assert user.tier == Tier.GOVERNMENT


def confirmation_path(email):
    return urlsplit(confirmation_link(email)).path


def test_signup_asks_for_the_name_first_and_stores_it(client,
                                                      django_capture_on_commit_callbacks):
    page = client.get(reverse("account_signup")).content.decode()
    assert page.index('name="name"') < page.index('name="email"')
    assert 'autocomplete="name"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "new.person@gsa.gov", name="  Nova   Person ")
    assert response.status_code == 302
    assert User.objects.get(email="new.person@gsa.gov").name == "Nova Person"


@pytest.mark.parametrize("name,error", [
    ("", "Enter your name."),
    ("   ", "Enter your name."),
    ("nova.person@gsa.gov", "Enter your name, not an e-mail address."),
    ("N" * 151, "at most 150 characters"),
])
def test_signup_without_a_name_is_refused_with_a_clear_error_and_creates_nothing(
        client, django_capture_on_commit_callbacks, name, error):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "new.person@gsa.gov", name=name)
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page and 'href="#id_name"' in page
    assert not User.objects.filter(email="new.person@gsa.gov").exists()
    assert not OutgoingMail.objects.exists()


def test_confirming_in_the_browser_that_signed_up_lands_on_the_next_steps(
        client, django_capture_on_commit_callbacks, community, make_group):
    make_group("generative-ai", name="Generative AI")
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "new.person@gsa.gov")
    response = client.post(confirmation_path("new.person@gsa.gov"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    page = client.get(response["Location"]).content.decode()
    assert "Next steps" in page and "Complete your profile" in page and "Join groups" in page


def test_confirming_in_another_browser_signs_in_then_shows_the_next_steps(
        client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "new.person@gsa.gov")
    other = Client()
    response = other.post(confirmation_path("new.person@gsa.gov"))
    assert response.status_code == 302
    login_url = f"{reverse('account_login')}?next=%2Fprofile%2F"
    assert response["Location"] == login_url
    response = other.post(login_url, {"login": "new.person@gsa.gov", "password": PASSWORD})
    assert response["Location"] == reverse("accounts:profile")


def test_a_second_address_confirmed_signed_out_keeps_allauths_landing(
        client, make_user, django_capture_on_commit_callbacks):
    person = make_user("nova@example.com", name="Nova Person")
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_email"), {"action_add": "", "email": "nova@gsa.gov"})
    client.logout()
    response = client.post(confirmation_path("nova@gsa.gov"))
    assert response.status_code == 302 and "next=" not in response["Location"]


def test_unverified_account_cannot_log_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "late@gsa.gov")
    client.logout()
    response = client.post(reverse("account_login"), {"login": "late@gsa.gov",
                                                      "password": PASSWORD})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("password,reason", [
    ("short1!", "too short"),
    ("qwerty123456", "too common"),
])
def test_weak_passwords_are_refused_with_a_message(client, password, reason):
    response = signup(client, "weak@gsa.gov", password=password)
    assert response.status_code == 200
    assert not User.objects.filter(email="weak@gsa.gov").exists()
    assert reason in response.content.decode().lower()


def test_long_passphrase_without_composition_rules_is_accepted(client):
    response = signup(client, "ok@gsa.gov", password="all lower case words are fine here")
    assert response.status_code == 302


def test_session_key_rotates_on_login(client, make_user):
    make_user("member@va.gov", password=PASSWORD)
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    client.post(reverse("account_login"), {"login": "member@va.gov", "password": PASSWORD})
    assert "_auth_user_id" in client.session
    assert client.session.session_key != before
    assert AuditEvent.objects.filter(verb="accounts.session.signed_in").exists()


def test_repeated_failed_logins_are_rate_limited(client, make_user):
    make_user("member@va.gov", password=PASSWORD)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "member@va.gov",
                                               "password": "wrong password"})
    # Even the right password is refused while the limit holds.
    response = client.post(reverse("account_login"), {"login": "member@va.gov",
                                                      "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "too many failed sign-in attempts" in response.content.decode().lower()


@override_settings(COPHUB_SESSION_IDLE_SECONDS=60)
def test_idle_session_times_out(client, make_user, monkeypatch):
    import time

    user = make_user("member@va.gov")
    client.force_login(user)
    assert client.get(reverse("accounts:profile")).status_code == 200
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 120)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and "login" in response["Location"]


@override_settings(SESSION_COOKIE_AGE=3600, COPHUB_SESSION_IDLE_SECONDS=1800)
def test_absolute_session_limit_applies_even_when_active(client, make_user, monkeypatch):
    import time

    user = make_user("member@va.gov")
    client.force_login(user)
    start = time.time()
    for minutes in range(0, 59, 20):  # active every 20 minutes
        monkeypatch.setattr(time, "time", lambda m=minutes: start + m * 60)
        assert client.get(reverse("accounts:profile")).status_code == 200
    monkeypatch.setattr(time, "time", lambda: start + 3700)
    assert client.get(reverse("accounts:profile")).status_code == 302
