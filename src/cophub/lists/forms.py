"""Forms of the list pages: subscribing, one's own delivery settings, composing a post,
moderating, and the search boxes. Rules live in services; these only check the input."""

from django import forms

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
