"""Writes about the inventory besides the import (`importing.inventory_import`): government
members offering themselves as contacts for their agency's AI use cases."""

from django.db import IntegrityError, transaction

from cophub.core.audit import audit_record

from .models import Agency, UseCaseContact
from .selectors import member_agencies


class ContactNotAllowed(Exception):
    """Only government members whose verified domain belongs to the agency may be listed."""


@transaction.atomic
def usecase_contact_add(*, user, agency: Agency, request=None) -> UseCaseContact:
    """List `user` as a contact for `agency`'s use cases. At most one listing per person and
    agency (adding twice changes nothing); raises ContactNotAllowed unless the person is a
    government member whose verified domain maps to the agency."""
    if agency not in member_agencies(user=user):
        raise ContactNotAllowed(
            f"Only government members of {agency.name}, signed in with a verified address at "
            f"its domain, can be listed as its contacts.")
    contact = UseCaseContact.objects.filter(user=user, agency=agency).first()
    if contact is not None:
        return contact
    try:
        with transaction.atomic():
            contact = UseCaseContact.objects.create(user=user, agency=agency)
    except IntegrityError:  # the same person in two tabs at once
        return UseCaseContact.objects.get(user=user, agency=agency)
    audit_record(actor=user, verb="usecases.contact.added", obj=contact, request=request,
                 data={"agency": agency.abbreviation})
    return contact


@transaction.atomic
def usecase_contact_remove(*, user, agency: Agency, request=None) -> bool:
    """Stop listing `user` as a contact for `agency`: the row is deleted. Anyone may remove
    their own listing (also after leaving the agency). Returns whether one existed."""
    deleted, _ = UseCaseContact.objects.filter(user=user, agency=agency).delete()
    if deleted:
        audit_record(actor=user, verb="usecases.contact.removed", obj=agency, request=request,
                     data={"agency": agency.abbreviation})
    return bool(deleted)
