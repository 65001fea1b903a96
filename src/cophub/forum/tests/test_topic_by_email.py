"""Mail to a category's address (`forum+<community>.<category>@`) starts a topic there, for
a member who may post in it, from their verified address with their domain vouching for the
message; everything else gets one clear answer and changes nothing."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.urls import reverse

from cophub.core.access import AccessLevel
from cophub.forum.addresses import category_address
from cophub.forum.models import Category, Notification, Topic, Watch
from cophub.forum.services import watch_set
from cophub.lists.inbound import authentication
from cophub.lists.inbound.mailserver import recipient_known
from cophub.lists.models import Post
from cophub.lists.services import list_domain
from cophub.lists.tests.auth_helpers import dkim_sign, dns_with_test_key
from cophub.lists.tests.inbound_helpers import receive


@pytest.fixture(autouse=True)
def dkim_keys(monkeypatch):
    monkeypatch.setattr(authentication, "DNS_LOOKUP", dns_with_test_key)


def _mail(*, to, sender="Mia Member <member@va.gov>", subject="Fine-tuning on CUI?",
          body="Has anyone fine-tuned a model on CUI?\n\n-- \nMia\nVA", sign=True,
          message_id=None):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = message_id or make_msgid(domain="va.gov")
    message.set_content(body)
    domain = sender.rpartition("@")[2].rstrip(">")
    return dkim_sign(message.as_bytes(), domain=domain) if sign else message.as_bytes()


def test_mail_to_the_category_address_starts_a_topic(general, gov_member, make_user,
                                                     django_capture_on_commit_callbacks):
    watcher = make_user("ana@nih.gov", name="Ana")
    watch_set(user=watcher, level=Watch.Level.WATCHING, category=general)
    to = category_address(general)
    assert to == f"forum+ai-cop.general@{list_domain()}"
    assert recipient_known(to)
    raw = _mail(to=to)
    inbound = receive(django_capture_on_commit_callbacks, raw, to=to)
    assert "started topic" in inbound.result
    topic = Topic.objects.get()
    assert (topic.category, topic.title) == (general, "Fine-tuning on CUI?")
    assert topic.root.author == gov_member and topic.root.source == Post.Source.EMAIL
    assert topic.root.body_text == "Has anyone fine-tuned a model on CUI?"  # no signature
    assert Notification.objects.filter(user=watcher, topic=topic, kind="new_topic").exists()
    # The same message again (a retry after a crash) starts nothing more.
    again = receive(django_capture_on_commit_callbacks, raw, to=to)
    assert Topic.objects.count() == 1 and Post.objects.count() == 1, again.result


def test_the_category_page_shows_its_address_to_those_who_may_post(client, general,
                                                                    gov_member, bound):
    client.force_login(gov_member)
    page = client.get(reverse("forum:category", args=["ai-cop", "general"])).content.decode()
    assert category_address(general) in page
    assert category_address(bound) is None  # its list's address starts topics
    client.logout()
    page = client.get(reverse("forum:category", args=["ai-cop", "general"]))
    assert category_address(general).encode() not in page.content


def test_unknown_or_bound_category_addresses_are_refused_at_rcpt(general, bound):
    assert not recipient_known(f"forum+ai-cop.nope@{list_domain()}")
    assert not recipient_known(f"forum+ai-cop.ai-list@{list_domain()}")
    assert not recipient_known(f"forum+nodot@{list_domain()}")


@pytest.mark.parametrize(("case", "expected"), [
    ("stranger", "not the verified address of a member"),
    ("unsigned", "did not sign"),
    ("may not post", "Only"),
])
def test_refused_mail_gets_one_clear_answer_and_changes_nothing(
        make_category, general, gov_member, public_user, case, expected,
        django_capture_on_commit_callbacks):
    category, sender, mail_from, kwargs = general, "Mia Member <member@va.gov>", \
        "member@va.gov", {}
    if case == "stranger":
        sender, mail_from = "Eve <eve@nih.gov>", "eve@nih.gov"
    elif case == "unsigned":
        kwargs = {"sign": False}
    elif case == "may not post":
        category = make_category("announcements", access_level=AccessLevel.PUBLIC,
                                 posting_rule=Category.PostingRule.MANAGERS)
    to = category_address(category)
    inbound = receive(django_capture_on_commit_callbacks,
                      _mail(to=to, sender=sender, **kwargs), to=to, mail_from=mail_from)
    assert expected in inbound.result
    assert not Topic.objects.exists() and not Post.objects.exists()
    [answer] = [m for m in mail.outbox if m.to == [mail_from]]
    assert expected in answer.body
