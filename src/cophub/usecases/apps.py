from django.apps import AppConfig


class UsecasesConfig(AppConfig):
    name = "cophub.usecases"
    label = "usecases"
    verbose_name = "AI use case inventory"

    def ready(self) -> None:
        # Imported here, not at the top: it reads models, which cannot be imported before
        # the app registry is ready (and so is `.models` below).
        from cophub.accounts.services import EXPORT_SECTIONS

        EXPORT_SECTIONS.append(_export_contacts)


def _export_contacts(*, user) -> dict:
    """A person's data export says for which agencies they offered to be a contact."""
    from .models import UseCaseContact

    return {"usecase_contacts": [
        {"agency": contact.agency.abbreviation, "agency_name": contact.agency.name,
         "since": contact.created_at.isoformat()}
        for contact in UseCaseContact.objects.filter(user=user).select_related("agency")
    ]}
