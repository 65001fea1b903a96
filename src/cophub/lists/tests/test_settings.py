"""Organizers start lists and change their settings (configuration.mailing_list_save):
address rules, group requirements, subscribers left out by a narrower audience, digests
turned off, search following the archive level, and who may do what. The pages are tested in
test_settings_pages.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cophub.communities.models import Community, CommunityRole
from cophub.communities.services import community_role_ensure, group_join
from cophub.core.access import ANONYMOUS, AccessLevel
from cophub.core.models import AuditEvent
from cophub.lists.models import MailingList, Subscription
from cophub.lists.services import mailing_list_save
from cophub.lists.services.configuration import RESERVED_LOCAL_PARTS
from cophub.search.selectors import search_run

from .settings_helpers import errors_of, settings_data
from .web_helpers import mail_post

pytestmark = pytest.mark.django_db


# --- creating through the service ------------------------------------------------------------

def test_organizer_creates_a_list_with_an_audit_row(community, organizer):
    ml = mailing_list_save(community=community, actor=organizer,
                           data=settings_data(local_part="  AI-News "))
    ml.refresh_from_db()
    assert (ml.local_part, ml.name, ml.audience, ml.kind) == (
        "ai-news", "AI News", "anyone", "announce")
    assert ml.community == community and ml.address == "ai-news@lists.localhost"
    event = AuditEvent.objects.get(verb="lists.list.created")
    assert (event.actor, event.scope, event.object_id) == (organizer, "ai-cop", str(ml.pk))
    assert event.data["local_part"] == "ai-news" and event.data["audience"] == "anyone"


@pytest.mark.parametrize("who", ["gov_member", "public_user", "lead"])
def test_only_organizers_create_lists(community, request, who):
    person = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        mailing_list_save(community=community, actor=person, data=settings_data())
    assert not MailingList.objects.exists()


def test_organizer_of_another_community_cannot_create_here(community, make_user):
    other = Community.objects.create(slug="cloud", name="Cloud CoP")
    boss = make_user("boss@gsa.gov", mfa=True)
    community_role_ensure(community=other, user=boss, role=CommunityRole.Role.ORGANIZER)
    with pytest.raises(PermissionDenied):
        mailing_list_save(community=community, actor=boss, data=settings_data())


@pytest.mark.parametrize(("local_part", "says"), [
    ("", "Give the list an address"),
    ("a", "2 to 50 characters"),
    ("x" * 51, "2 to 50 characters"),
    ("ai+news", "cannot contain “+”"),
    ("ai news", "Use only lowercase letters"),
    ("-ainews", "Use only lowercase letters"),
    ("ai.news", "Use only lowercase letters"),
    ("ai-request", "cannot end in “-request”"),
    ("ai-join", "cannot end in “-join”"),
    ("ai-leave", "cannot end in “-leave”"),
    ("ai-owner", "cannot end in “-owner”"),
    ("ai-bounces", "cannot end in “-bounces”"),
    *[(word, "is reserved") for word in ("my", "confirm", "unsubscribe", "new")],
])
def test_bad_addresses_are_refused_with_a_reason(community, organizer, local_part, says):
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer,
                          data=settings_data(local_part=local_part))
    assert says in " ".join(errors_of(exc_info)["local_part"])
    assert not MailingList.objects.exists()


def test_fixed_url_words_are_all_reserved():
    assert {"my", "confirm", "unsubscribe", "new"} <= RESERVED_LOCAL_PARTS


@pytest.mark.parametrize("taken", ["ai", "AI"])
def test_an_address_in_use_is_refused_whatever_its_case(community, organizer, gov_list, taken):
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer,
                          data=settings_data(local_part=taken))
    assert "already a list with the address “ai”" in errors_of(exc_info)["local_part"][0]
    assert MailingList.objects.count() == 1


def test_missing_name_and_choices_are_named(community, organizer):
    data = settings_data(name="  ")
    for name in ("audience", "kind", "archive_access_level"):
        del data[name]
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer, data=data)
    errors = errors_of(exc_info)
    assert errors["name"] == ["Give the list a name, such as “AI CoP discussion”."]
    assert errors["audience"] == ["Choose who may join the list."]
    assert errors["kind"] == ["Choose the kind of list."]
    assert errors["archive_access_level"] == ["Choose who may read the archive."]


def test_an_unknown_choice_is_refused(community, organizer):
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer,
                          data=settings_data(audience="everybody"))
    assert "not a valid choice" in errors_of(exc_info)["audience"][0]


@pytest.mark.parametrize(("overrides", "says"), [
    ({"audience": "group"}, "Choose the group whose members may join the list."),
    ({"archive_access_level": "group"}, "Choose the group whose members may read the archive."),
])
def test_group_audience_or_archive_needs_a_group(community, organizer, overrides, says):
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer,
                          data=settings_data(**overrides))
    assert errors_of(exc_info)["group"] == [says]


def test_the_group_must_belong_to_the_community(community, organizer):
    from cophub.communities.models import Group

    other = Community.objects.create(slug="cloud", name="Cloud CoP")
    foreign = Group.objects.create(community=other, slug="k8s", name="Kubernetes",
                                   kind=Group.Kind.WORKING_GROUP)
    for value in (foreign, foreign.pk):
        with pytest.raises(ValidationError) as exc_info:
            mailing_list_save(community=community, actor=organizer,
                              data=settings_data(audience="group", group=value))
        assert errors_of(exc_info)["group"] == [
            "“Kubernetes” is not a group of AI Community of Practice. Choose one of this "
            "community's groups."]
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer,
                          data=settings_data(audience="group", group=999_999))
    assert errors_of(exc_info)["group"] == ["There is no such group. Choose one from the list."]


def test_a_group_list_is_created_with_its_group(community, organizer, group):
    ml = mailing_list_save(community=community, actor=organizer, data=settings_data(
        audience="group", group=group.pk, archive_access_level="group"))
    assert ml.group == group


# --- editing through the service ---------------------------------------------------------------

def test_editing_records_the_changed_fields(community, organizer, gov_list):
    mailing_list_save(community=community, actor=organizer, mailing_list=gov_list,
                      data={"name": "AI CoP talk", "moderation": "first_post",
                            "description": "Long text"})
    gov_list.refresh_from_db()
    assert (gov_list.name, gov_list.moderation) == ("AI CoP talk", "first_post")
    event = AuditEvent.objects.get(verb="lists.list.updated")
    assert event.data["changed"] == {"name": ["AI CoP", "AI CoP talk"],
                                     "moderation": ["none", "first_post"],
                                     "description": ["…", "…"]}


def test_saving_without_changes_writes_no_audit_row(community, organizer, gov_list):
    mailing_list_save(community=community, actor=organizer, mailing_list=gov_list,
                      data={"name": "AI CoP", "local_part": "ai"})
    assert not AuditEvent.objects.filter(verb="lists.list.updated").exists()


def test_the_address_cannot_be_changed(community, organizer, gov_list):
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer, mailing_list=gov_list,
                          data={"local_part": "ai2", "name": "Renamed"})
    assert "cannot be changed" in errors_of(exc_info)["local_part"][0]
    gov_list.refresh_from_db()
    assert (gov_list.local_part, gov_list.name) == ("ai", "AI CoP")


def test_a_list_of_another_community_is_refused(community, organizer, gov_list):
    other = Community.objects.create(slug="cloud", name="Cloud CoP")
    with pytest.raises(PermissionDenied):
        mailing_list_save(community=other, actor=organizer, mailing_list=gov_list,
                          data={"name": "Taken over"})


def test_group_lead_edits_own_groups_list_but_cannot_move_it(community, lead, group_list,
                                                             make_group):
    mailing_list_save(community=community, actor=lead, mailing_list=group_list,
                      data={"name": "AI Security talk", "group": group_list.group})
    group_list.refresh_from_db()
    assert group_list.name == "AI Security talk"
    elsewhere = make_group("ai-ethics", name="AI Ethics")
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=lead, mailing_list=group_list,
                          data={"group": elsewhere})
    assert errors_of(exc_info)["group"] == [
        "Only the community's organizers can move a list to another group."]


def test_group_lead_cannot_edit_other_lists(community, lead, gov_list):
    with pytest.raises(PermissionDenied):
        mailing_list_save(community=community, actor=lead, mailing_list=gov_list,
                          data={"name": "Mine now"})


# --- narrower audiences ------------------------------------------------------------------

def test_narrowing_the_audience_is_refused_with_a_count(community, organizer, public_list,
                                                        make_subscription):
    for email in ("pat@example.com", "sam@example.org", "member@va.gov"):
        make_subscription(public_list, email)
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer, mailing_list=public_list,
                          data={"audience": "government"})
    message = errors_of(exc_info)["audience"][0]
    assert message.startswith("2 subscribers (pat@example.com, sam@example.org) do not "
                              "qualify under the new setting (Government members only).")
    public_list.refresh_from_db()
    assert public_list.audience == "anyone"
    assert Subscription.objects.filter(state="active").count() == 3


def test_confirmed_narrowing_unsubscribes_those_who_no_longer_qualify(
        community, organizer, public_list, make_subscription):
    pat = make_subscription(public_list, "pat@example.com")
    paused = make_subscription(public_list, "old@example.net", state="disabled")
    mia = make_subscription(public_list, "member@va.gov")
    mailing_list_save(community=community, actor=organizer, mailing_list=public_list,
                      data={"audience": "government", "confirm_narrow": True})
    states = dict(Subscription.objects.values_list("subscriber__email", "state"))
    assert states == {"pat@example.com": "unsubscribed", "old@example.net": "unsubscribed",
                      "member@va.gov": "active"}
    cancelled = AuditEvent.objects.filter(verb="lists.subscription.cancelled")
    assert {e.object_id for e in cancelled} == {str(pat.pk), str(paused.pk)}
    assert all(e.data["via"] == "organizer" and e.actor == organizer for e in cancelled)
    assert AuditEvent.objects.get(verb="lists.list.updated").data["unsubscribed"] == 2
    assert mia.pk not in {int(e.object_id) for e in cancelled}


def test_widening_or_closing_the_list_unsubscribes_nobody(community, organizer, gov_list,
                                                          make_subscription):
    make_subscription(gov_list, "member@va.gov")
    mailing_list_save(community=community, actor=organizer, mailing_list=gov_list,
                      data={"audience": "anyone"})
    mailing_list_save(community=community, actor=organizer, mailing_list=gov_list,
                      data={"audience": "government", "is_active": False})
    assert Subscription.objects.get().state == "active"


def test_moving_a_group_list_to_another_group_counts_the_members_left_out(
        community, organizer, group_list, make_group, make_user, make_subscription):
    member = make_user("gail@nasa.gov")
    group_join(group=group_list.group, user=member)
    make_subscription(group_list, "gail@nasa.gov", user=member)
    other = make_group("ai-ethics", name="AI Ethics")
    with pytest.raises(ValidationError) as exc_info:
        mailing_list_save(community=community, actor=organizer, mailing_list=group_list,
                          data={"group": other})
    assert errors_of(exc_info)["group"][0].startswith(
        "1 subscriber (gail@nasa.gov) does not qualify under the new setting (Members of "
        "the group only: AI Ethics).")
    group_join(group=other, user=member)
    mailing_list_save(community=community, actor=organizer, mailing_list=group_list,
                      data={"group": other})
    assert Subscription.objects.get().state == "active"


# --- digests and search ----------------------------------------------------------------------

def test_turning_digests_off_moves_digest_subscribers_to_each_message(
        community, organizer, gov_list, make_subscription):
    make_subscription(gov_list, "a@va.gov", delivery="daily")
    make_subscription(gov_list, "b@va.gov", delivery="weekly")
    make_subscription(gov_list, "c@va.gov", delivery="none")
    mailing_list_save(community=community, actor=organizer, mailing_list=gov_list,
                      data={"digests_enabled": False})
    deliveries = dict(Subscription.objects.values_list("subscriber__email", "delivery"))
    assert deliveries == {"a@va.gov": "each", "b@va.gov": "each", "c@va.gov": "none"}
    event = AuditEvent.objects.get(verb="lists.list.updated")
    assert event.data["digest_subscriptions_moved_to_each"] == 2


def test_opening_the_archive_in_settings_makes_posts_findable(
        community, organizer, gov_list, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    with django_capture_on_commit_callbacks(execute=True):
        mail_post(gov_list, subject="Quokka census", body="Quokkas counted.")
    assert search_run(viewer=ANONYMOUS, query="quokka", types=["listpost"]).total == 0
    with django_capture_on_commit_callbacks(execute=True):
        mailing_list_save(community=community, actor=organizer, mailing_list=gov_list,
                          data={"archive_access_level": AccessLevel.PUBLIC})
    assert search_run(viewer=ANONYMOUS, query="quokka", types=["listpost"]).total == 1
