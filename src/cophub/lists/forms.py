"""Forms of the list pages: subscribing, one's own delivery settings, composing a post,
moderating, a list's settings, and the search boxes. Rules live in services; these only
check the input."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from cophub.communities.models import Group
from cophub.core.access import AccessLevel
from cophub.core.forms import Form

from .models import MailingList, Subscription


def delivery_choices(mailing_list: MailingList) -> list[tuple[str, str]]:
    """Digests only where the list offers them (announcement lists and lists with digests
    off deliver each message or nothing)."""
    digests = (mailing_list.digests_enabled
               and mailing_list.kind == MailingList.Kind.DISCUSSION)
    return [(value, label) for value, label in Subscription.Delivery.choices
            if digests or value not in (Subscription.Delivery.DAILY,
                                        Subscription.Delivery.WEEKLY)]


class SubscribeForm(Form):
    """Signed-in people choose one of their verified addresses; visitors type an address and
    get a confirmation message (double opt-in)."""

    email = forms.EmailField(label="E-mail address", max_length=254)
    name = forms.CharField(label="Your name", max_length=150, required=False,
                           help_text="Optional. Shown with your posts in the archive.")
    delivery = forms.ChoiceField(label="How would you like to receive messages?",
                                 widget=forms.RadioSelect)

    def __init__(self, *args, mailing_list: MailingList, addresses: list[str] | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivery"].choices = delivery_choices(mailing_list)
        self.fields["delivery"].initial = Subscription.Delivery.EACH
        if addresses is not None:
            # A signed-in person subscribes one of their own verified addresses only; the
            # choice list is the whole check.
            self.fields["email"] = forms.ChoiceField(
                label="Address to subscribe", choices=[(a, a) for a in addresses],
                widget=forms.RadioSelect, initial=addresses[0] if addresses else None,
                help_text="Your verified addresses. Add another on your profile.")
            del self.fields["name"]


class SubscriptionSettingsForm(Form):
    delivery = forms.ChoiceField(label="Delivery", widget=forms.RadioSelect)
    digest_format = forms.ChoiceField(label="Digest format",
                                      choices=Subscription.DigestFormat.choices,
                                      widget=forms.RadioSelect,
                                      help_text="Used only for daily and weekly digests.")

    def __init__(self, *args, subscription: Subscription, **kwargs):
        kwargs.setdefault("initial", {"delivery": subscription.delivery,
                                      "digest_format": subscription.digest_format})
        # Several subscriptions share one page (/lists/my/): ids must stay unique.
        kwargs.setdefault("prefix", f"s{subscription.pk}")
        super().__init__(*args, **kwargs)
        self.fields["delivery"].choices = delivery_choices(subscription.mailing_list)


class ComposeForm(Form):
    subject = forms.CharField(label="Subject", max_length=200)
    body_markdown = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 16}), max_length=100_000,
        help_text="Markdown: **bold**, *italic*, [links](https://…), lists with - or 1.")


class ModerationForm(Form):
    ACTIONS = (("approve", "Approve"), ("approve_whitelist", "Approve and always allow"),
               ("reject", "Reject"), ("discard", "Discard"))

    post = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=ACTIONS)
    reason = forms.CharField(label="Reason for rejecting", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="Required to reject; sent to the sender.")

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the post is rejected: the sender gets this "
                                     "reason by e-mail.")
        return data


class SearchForm(Form):
    q = forms.CharField(label="Search", max_length=200, required=False)


class MailingListForm(Form):
    """A list's settings (configuration.mailing_list_save checks the rules). The address is
    asked only when the list is created; group leads see the group but cannot change it."""

    # Bounded here only; the rules (and their messages) are the service's.
    local_part = forms.CharField(label="Address", max_length=100)
    name = forms.CharField(label="Name", max_length=200,
                           help_text="Shown on the list's page, e.g. “AI CoP discussion”.")
    description = forms.CharField(
        label="Description", required=False, max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown. Who the list is for and what belongs on it.")
    subject_prefix = forms.CharField(
        label="Subject prefix", required=False, max_length=40,
        help_text="Added to the subject of every message, e.g. “[AI CoP]”. Leave it empty "
                  "for none.")
    audience = forms.ChoiceField(
        label="Who may join", choices=MailingList.Audience.choices, widget=forms.RadioSelect,
        help_text="Checked whenever someone subscribes. Government means a .gov or .mil "
                  "address; group means an address verified by a member of the group.")
    group = forms.ModelChoiceField(
        label="Group", required=False, queryset=Group.objects.none(),
        empty_label="No group: a list of the whole community",
        help_text="Needed when only the group's members may join or read the archive. The "
                  "group's leads help run its list.")
    kind = forms.ChoiceField(
        label="Kind of list", choices=MailingList.Kind.choices, widget=forms.RadioSelect,
        help_text="On an announcement list only the list's owners post; on a discussion "
                  "list subscribers post and reply to everyone.")
    moderation = forms.ChoiceField(
        label="Moderation", choices=MailingList.Moderation.choices, widget=forms.RadioSelect,
        initial=MailingList.Moderation.NONE,
        help_text="Held messages wait on the Moderation page; the owners are told by e-mail.")
    sender_policy = forms.ChoiceField(
        label="E-mail from unauthenticated senders", required=False,
        choices=MailingList.SenderPolicy.choices, widget=forms.RadioSelect,
        initial=MailingList.SenderPolicy.AUTO,
        help_text="A post by e-mail is authenticated when a DKIM signature or DMARC result "
                  "vouches for its From address. Without one the From line may be forged: "
                  "hold such posts for moderation, or accept them marked “not "
                  "authenticated” in the archive.")
    digests_enabled = forms.BooleanField(
        label="Offer daily and weekly digests", required=False, initial=True,
        help_text="Discussion lists only. Turned off, digest subscribers get every message "
                  "instead.")
    archive_access_level = forms.ChoiceField(
        label="Who may read the archive", choices=AccessLevel.choices,
        widget=forms.RadioSelect,
        help_text="Also decides who finds the list's messages in search.")
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True,
        help_text="An inactive list takes no posts and no new subscribers and sends no "
                  "digests; only the community's organizers see it.")
    confirm_narrow = forms.BooleanField(
        label="Unsubscribe those who no longer qualify", required=False,
        help_text="Needed only when a new audience or group leaves some subscribers out: "
                  "they are unsubscribed when you save.")

    def __init__(self, *args, community, mailing_list: MailingList | None = None,
                 may_change_group: bool = True, **kwargs):
        if mailing_list is not None:
            kwargs.setdefault("initial", {
                **{name: getattr(mailing_list, name) for name in (
                    "name", "description", "subject_prefix", "audience", "kind",
                    "moderation", "sender_policy", "digests_enabled", "archive_access_level",
                    "is_active")},
                "group": mailing_list.group_id})
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Group.objects.filter(community=community).order_by(
            "name")
        if mailing_list is not None:
            del self.fields["local_part"]  # set once, at creation
        else:
            del self.fields["confirm_narrow"]  # a new list has no subscribers to leave out
            self.fields["local_part"].help_text = (
                f"The part before @{settings.COPHUB_LIST_DOMAIN}, such as “ai-news”: "
                "lowercase letters, digits and hyphens. It cannot be changed once the list "
                "exists.")
        if not may_change_group:
            self.fields["group"].disabled = True
            self.fields["group"].help_text = ("Only the community's organizers can move a "
                                              "list to another group.")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("sender_policy"):
            data.pop("sender_policy", None)  # not asked: the list keeps its policy
        return data

    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)
