"""Inventory agencies ↔ organizations of the .gov registry.

The inventory names agencies by abbreviation and full name ("DOE", "Department of Energy");
a member's verified domain gives the registry's organization name. Names are compared after
normalising case, punctuation, "&" and a leading "The"/"U.S."/"United States"; the few that
still differ are in `AGENCY_ALIASES`."""

import re
from collections import defaultdict

from cophub.accounts.models import Level, RegistryDomain

# Agency abbreviation → (the registry's organization, its suborganization or "").
AGENCY_ALIASES: dict[str, tuple[str, str]] = {
    "FRB": ("Board of Governors of the Federal Reserve", ""),
}


def organization_key(name: str) -> str:
    """A comparable form of an organization's name: "U.S. Department of the Interior" and
    "Department of Interior" give the same key."""
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    words = [w for w in text.split() if w not in ("the", "u", "s", "us")]
    if words[:2] == ["united", "states"]:
        words = words[2:]
    return " ".join(words)


def registry_organizations() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Federal organizations of the registry by key, and its suborganizations by key →
    (organization, suborganization) where that name is unambiguous: one query."""
    organizations: dict[str, str] = {}
    suborganizations: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for organization, suborganization in (
            RegistryDomain.objects.filter(level=Level.FEDERAL)
            .values_list("organization", "suborganization").distinct()):
        organizations.setdefault(organization_key(organization), organization)
        if suborganization:
            suborganizations[organization_key(suborganization)].add(
                (organization, suborganization))
    unique_subs = {name: next(iter(pairs)) for name, pairs in suborganizations.items()
                   if len(pairs) == 1}
    return organizations, unique_subs


def agency_registry_match(*, abbreviation: str, name: str, organizations: dict[str, str],
                          suborganizations: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(organization, suborganization) in the .gov registry for an inventory agency: the
    alias table first, then the same name as an organization, then as a suborganization
    (the National Indian Gaming Commission is one under the Department of the Interior);
    ("", "") when nothing matches."""
    alias = AGENCY_ALIASES.get(abbreviation)
    if alias is not None:
        return alias
    key = organization_key(name)
    if key in organizations:
        return organizations[key], ""
    if key in suborganizations:
        return suborganizations[key]
    return "", ""
