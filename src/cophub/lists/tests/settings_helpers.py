"""Helpers for the list settings tests: a new list's settings as the service takes them, the
same as a browser posts them."""

from cophub.core.access import AccessLevel
from cophub.lists.models import MailingList


def settings_data(**overrides) -> dict:
    """Everything a new list needs, as the service takes it."""
    return {"local_part": "ai-news", "name": "AI News", "description": "What is **new**.",
            "subject_prefix": "[AI News]", "audience": MailingList.Audience.ANYONE,
            "kind": MailingList.Kind.ANNOUNCE, "moderation": MailingList.Moderation.NONE,
            "digests_enabled": True, "archive_access_level": AccessLevel.PUBLIC,
            "group": None, "is_active": True, **overrides}


def form_data(mailing_list=None, **overrides) -> dict:
    """The same as a browser posts it: unticked boxes are absent, the group is an id."""
    if mailing_list is not None:
        data = {name: getattr(mailing_list, name) for name in (
            "name", "description", "subject_prefix", "audience", "kind", "moderation",
            "digests_enabled", "archive_access_level", "is_active")}
        data["group"] = mailing_list.group_id
    else:
        data = settings_data()
    data.update(overrides)
    posted = {k: ("on" if v is True else v) for k, v in data.items()
              if v is not False and v is not None}
    if posted.get("group") is not None:
        posted["group"] = str(posted["group"].pk if hasattr(posted["group"], "pk")
                              else posted["group"])
    return posted


def errors_of(exc_info) -> dict:
    return exc_info.value.message_dict
