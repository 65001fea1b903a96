"""The inventory part of `cophub demo`: OMB's real 2025 AI use case inventory (from
`COPHUB_USECASES_CSV`), and a few demo government members listed as contacts for their
agency's use cases — the named government member among them. With `cophub demo --embed` the
import indexes the use cases with their vectors; by default the search part of the demo
indexes them by keywords and the worker embeds them in the background."""

from pathlib import Path

from django.conf import settings

from cophub.accounts.models import Tier, User

from .agencies import organization_key
from .importing import InventoryImportError, inventory_import, year_from_name
from .models import Agency
from .services import ContactNotAllowed, usecase_contact_add

DEFAULT_YEAR = 2025
CONTACTS_PER_AGENCY = 2
NAMED_CONTACT = "member@va.gov"


def build(*, context) -> None:
    out = context["out"]
    source = settings.COPHUB_USECASES_CSV
    if not source.startswith(("http://", "https://")) and not Path(source).exists():
        out.write(f"No AI use case inventory at {source} (COPHUB_USECASES_CSV): the demo has "
                  f"no use cases.")
        return
    year = year_from_name(source) or DEFAULT_YEAR
    # Embedding 3,611 use cases takes minutes: unless the demo is asked to embed now, the
    # search part of the demo indexes them by keywords and the worker embeds them later.
    embed = context.get("embed", True)
    try:
        report = inventory_import(source=source, year=year, index=embed)
    except InventoryImportError as exc:
        out.write(f"The AI use case inventory was not loaded: {exc}")
        return
    indexed = (f"; indexed {report.index.get('written', 0)} for search"
               if report.index is not None else "")
    out.write(f"Loaded the {year} AI use case inventory: {report.rows} use cases "
              f"({len(report.created)} new), {len(report.rejected)} rows rejected{indexed} "
              f"in {report.seconds:.1f} s.")
    if report.unmapped_agencies:
        out.write("  Agencies without a .gov registry organization: "
                  + ", ".join(report.unmapped_agencies))
    listed = _contacts()
    if listed:
        out.write(f"  {listed} government members listed as agency contacts for use cases.")


def _contacts() -> int:
    """Up to CONTACTS_PER_AGENCY government members per agency, the named member first.
    Through the service, which checks each person's verified domain."""
    agencies: dict[str, list[Agency]] = {}
    for agency in Agency.objects.exclude(organization=""):
        agencies.setdefault(organization_key(agency.organization), []).append(agency)
    if not agencies:
        return 0
    people = User.objects.filter(tier=Tier.GOVERNMENT, is_active=True).exclude(
        organization="").order_by("id")
    named = list(people.filter(email=NAMED_CONTACT))
    listed: dict[int, int] = {}
    total = 0
    for person in named + list(people.exclude(email=NAMED_CONTACT)[:2000]):
        for agency in agencies.get(organization_key(person.organization), []):
            # Suborganization agencies (NIGC) take only people of that suborganization;
            # the service decides, so such agencies are left to real members.
            if agency.suborganization or listed.get(agency.pk, 0) >= CONTACTS_PER_AGENCY:
                continue
            try:
                usecase_contact_add(user=person, agency=agency)
            except ContactNotAllowed:  # a demo address whose domain maps elsewhere
                continue
            listed[agency.pk] = listed.get(agency.pk, 0) + 1
            total += 1
    return total
