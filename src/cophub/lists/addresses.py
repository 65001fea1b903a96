"""List addresses: `ai@<list domain>` and its companions, and VERP bounce addresses.

    ai@lists.example.gov                  post to the list
    ai-request@, ai-join@, ai-leave@      commands (subscribe, unsubscribe, help, who, confirm)
    ai-owner@                             the people who run the list
    ai-bounces@                           bounces; per recipient as VERP:
    ai-bounces+jane=agency.gov@           the bounce of the copy sent to jane@agency.gov

Hand-written: the format is ours (Mailman's VERP convention), a few lines of string work.
"""

from dataclasses import dataclass

from django.conf import settings

ROLES = ("request", "join", "leave", "owner", "bounces")
POST = "post"


@dataclass(frozen=True)
class ListAddress:
    local_part: str  # the list's own local part ("ai")
    role: str  # POST or one of ROLES
    verp_email: str = ""  # for bounces+<encoded>@: the recipient whose copy bounced


def list_domain() -> str:
    return settings.COPHUB_LIST_DOMAIN.lower()


def address_parse(address: str) -> ListAddress | None:
    """What an envelope recipient means, or None if it is not one of ours. Does not look the
    list up: `ai-owner@` parses even if there is no list `ai`."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or not local or domain.lower() != list_domain():
        return None
    local = local.lower()
    base, plus, extension = local.partition("+")
    for role in ROLES:
        suffix = f"-{role}"
        if base.endswith(suffix) and len(base) > len(suffix):
            list_part = base[: -len(suffix)]
            if role == "bounces" and plus:
                return ListAddress(list_part, role, verp_decode(extension))
            if plus:  # only bounces take an extension
                return None
            return ListAddress(list_part, role)
    if plus:
        return None
    return ListAddress(base, POST)


def verp_address(*, local_part: str, recipient: str) -> str:
    """The Return-Path for the copy sent to `recipient`: its bounce names the recipient."""
    return f"{local_part}-bounces+{verp_encode(recipient)}@{list_domain()}"


def verp_encode(email: str) -> str:
    local, _, domain = email.rpartition("@")
    return f"{local}={domain}".lower()


def verp_decode(extension: str) -> str:
    local, eq, domain = extension.rpartition("=")
    if not eq or not local or not domain:
        return ""
    return f"{local}@{domain}"
