"""Personal survey links: the recipient's id signed with the site's key (`django.core.signing`),
so no token is stored (ADR 0012) and the invitation and every reminder carry the same link.
A forged or altered link fails the signature; a link of a removed recipient finds nobody."""

from django.core import signing
from django.urls import reverse

from .models import Recipient

_SALT = "cophub.surveys.recipient"


def recipient_token(recipient: Recipient) -> str:
    return signing.Signer(salt=_SALT).sign(f"{recipient.survey_id}.{recipient.pk}")


def recipient_path(recipient: Recipient) -> str:
    return reverse("surveys:personal", kwargs={"token": recipient_token(recipient)})


def recipient_from_token(token: str) -> Recipient | None:
    """The recipient a personal link names, or None for a forged, altered or stale link."""
    try:
        value = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    survey_id, _, recipient_id = value.partition(".")
    if not (survey_id.isdigit() and recipient_id.isdigit()):
        return None
    return (Recipient.objects.select_related("survey__community", "user")
            .filter(pk=int(recipient_id), survey_id=int(survey_id)).first())
