"""Which e-mail addresses grant the government tier, and what they say about the person.

An address grants the tier when its domain is under `.gov` or `.mil`, or an operator has
allowed it (or a parent domain); an operator's deny rule wins over everything. The official
.gov registry (`RegistryDomain`, imported by `accounts.registry`) only adds the organization
and level of government; it never decides the tier, because it can lag behind new domains.

The parser here is deliberately stricter than RFC 5321/5322. The tier is a security boundary:
anything that two mail libraries might read differently (quoting, a second "@", comments,
Unicode look-alikes, IDNA) is refused rather than interpreted, so the domain we check is the
domain the verification mail is delivered to.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from cophub.accounts.models import DomainRule, Level, RegistryDomain

MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
MAX_LOCAL_LENGTH = 64

GOVERNMENT_TLDS = frozenset({"gov", "mil"})

# RFC 5322 dot-atom, ASCII only. Quoted strings, comments, backslashes and a second "@" are
# all left out on purpose (see the module docstring).
_LOCAL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
# LDH label: letters, digits, hyphens; no hyphen at either end.
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")

# `.mil` is not in CISA's registry. The big services get their own name; everything else
# under .mil belongs to the Department of Defense (the default below).
DEPARTMENT_OF_DEFENSE = "U.S. Department of Defense"
MILITARY_ORGANIZATIONS = {
    "army.mil": "U.S. Army",
    "navy.mil": "U.S. Navy",
    "af.mil": "U.S. Air Force",
    "usmc.mil": "U.S. Marine Corps",
    "uscg.mil": "U.S. Coast Guard",
    "spaceforce.mil": "U.S. Space Force",
    "mail.mil": DEPARTMENT_OF_DEFENSE,
    "osd.mil": DEPARTMENT_OF_DEFENSE,
}

# First segment of the registry's "Domain type" ("Federal - Executive", "City - Election"…).
_DOMAIN_TYPE_LEVELS = {
    "federal": Level.FEDERAL,
    "state or territory": Level.STATE,
    "state": Level.STATE,
    "county": Level.COUNTY,
    "city": Level.CITY,
    "tribal": Level.TRIBAL,
    "special district": Level.SPECIAL_DISTRICT,
    "school district": Level.SCHOOL_DISTRICT,
    "interstate": Level.INTERSTATE,
}


@dataclass(frozen=True)
class DomainVerdict:
    domain: str  # the normalised (lower-case ASCII) domain of the address, "" if invalid
    is_government: bool
    organization: str  # "" if unknown
    level: str  # a Level value, "" if unknown
    reason: str  # short human explanation


def domain_normalize(domain: str) -> str | None:
    """Lower-case an ASCII host name; None unless it is a plain LDH name of two or more
    labels with a non-numeric top-level label and no IDNA (`xn--`) label."""
    # ASCII is checked before lower-casing: str.lower() maps some non-ASCII characters to
    # ASCII ones (KELVIN SIGN → "k"), which would turn a look-alike into the real name.
    if not domain or not domain.isascii() or len(domain) > MAX_DOMAIN_LENGTH:
        return None
    domain = domain.lower()
    labels = domain.split(".")  # a trailing dot or ".." yields an empty label
    if len(labels) < 2:
        return None
    for label in labels:
        if len(label) > MAX_LABEL_LENGTH or not _LABEL_RE.fullmatch(label):
            return None
        # Punycode renders as a look-alike in mail clients and browsers (xn--nh-… for
        # "nіh"); no government domain needs it, so none is accepted.
        if label.startswith("xn--"):
            return None
    if labels[-1].isdigit():  # 10.0.0.1 is an IP address, not a domain
        return None
    return domain


def address_domain(email: str) -> str | None:
    """The normalised domain of `email`, or None if the address is unusable.

    The domain is what follows the last "@"; an address with more than one "@" is refused,
    since a library that splits at the first one would deliver elsewhere."""
    if not isinstance(email, str) or not email.isascii():
        return None
    local, at, domain = email.rpartition("@")
    if not at or not local or len(local) > MAX_LOCAL_LENGTH:
        return None
    # The dot-atom pattern also rules out whitespace, control characters, quotes and "@".
    if not _LOCAL_RE.fullmatch(local):
        return None
    return domain_normalize(domain)


def domain_candidates(domain: str) -> list[str]:
    """The domain and its parents down to two labels: x.y.nih.gov → [x.y.nih.gov, y.nih.gov,
    nih.gov], most specific first. The bare top-level label is never a candidate, so a rule
    typed as "com" cannot allow a whole TLD."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def level_for_domain_type(domain_type: str) -> str:
    """Map the registry's "Domain type" column to a `Level` value; unknown types → other."""
    head = domain_type.split(" - ", 1)[0]
    key = " ".join(head.split()).casefold()
    return str(_DOMAIN_TYPE_LEVELS.get(key, Level.OTHER))


def _military_organization(domain: str) -> str:
    for candidate in domain_candidates(domain):
        if candidate in MILITARY_ORGANIZATIONS:
            return MILITARY_ORGANIZATIONS[candidate]
    return DEPARTMENT_OF_DEFENSE


def addresses_government(emails: Iterable[str]) -> set[str]:
    """Those of `emails` that grant the government tier now: `domain_verdict(e).is_government`
    for many addresses in one query (the operator's rules; the registry never decides the
    tier). For checks over a batch, such as the outbox asking whether each recipient of a
    government list still qualifies (`lists.gates`)."""
    domains = {email: address_domain(email) for email in emails}
    candidates = {email: domain_candidates(domain) for email, domain in domains.items()
                  if domain is not None}
    wanted = {c for found in candidates.values() for c in found}
    rules = ({rule.domain: rule for rule in DomainRule.objects.filter(domain__in=wanted)}
             if wanted else {})
    return {email for email, found in candidates.items()
            if _government_by_rules(domains[email], [rules[c] for c in found if c in rules])}


def government_address_q(*, field: str = "email") -> Q:
    """`addresses_government` as a filter on an e-mail field, for finding qualifying
    addresses among many rows in the database (the yearly check): under .gov or .mil or an
    allow rule, and under no deny rule. One query for the operator's rules. It does not
    parse addresses as `address_domain` does, so callers that act on an address check it
    with `addresses_government` as well; the two agree on every valid address (tested)."""

    def under(domain: str) -> Q:
        return (Q(**{f"{field}__iendswith": f"@{domain}"})
                | Q(**{f"{field}__iendswith": f".{domain}"}))

    allowed = Q(**{f"{field}__iendswith": ".gov"}) | Q(**{f"{field}__iendswith": ".mil"})
    denied = Q()
    for domain, kind in DomainRule.objects.values_list("domain", "kind"):
        if kind == DomainRule.Kind.DENY:
            denied |= under(domain)
        else:
            allowed |= under(domain)
    return allowed & ~denied if denied else allowed


def _government_by_rules(domain: str, matched: list[DomainRule]) -> bool:
    """The tier decision, given the operator's rules for the domain and its parents: a deny
    rule wins; otherwise .gov, .mil or an allow rule grants it."""
    if any(rule.kind == DomainRule.Kind.DENY for rule in matched):
        return False
    return (domain.rsplit(".", 1)[1] in GOVERNMENT_TLDS
            or any(rule.kind == DomainRule.Kind.ALLOW for rule in matched))


def domain_verdict(email: str) -> DomainVerdict:
    """Whether `email` grants the government tier, with organization and level when known.

    At most two queries (operator rules, then the registry); none for an invalid address."""
    domain = address_domain(email)
    if domain is None:
        return DomainVerdict(domain="", is_government=False, organization="", level="",
                             reason="invalid address")

    candidates = domain_candidates(domain)
    rules = {rule.domain: rule for rule in DomainRule.objects.filter(domain__in=candidates)}
    # Most specific first, so the closest allow rule supplies the organization.
    matched = [rules[c] for c in candidates if c in rules]
    deny = next((r for r in matched if r.kind == DomainRule.Kind.DENY), None)
    if deny is not None:
        return DomainVerdict(domain=domain, is_government=False, organization="", level="",
                             reason=f"denied by operator ({deny.domain})")
    allow = next((r for r in matched if r.kind == DomainRule.Kind.ALLOW), None)

    tld = domain.rsplit(".", 1)[1]
    if tld not in GOVERNMENT_TLDS and allow is None:
        return DomainVerdict(domain=domain, is_government=False, organization="", level="",
                             reason="not a .gov or .mil address")

    organization, level, reason = "", "", ""
    if tld == "mil":
        organization, level = _military_organization(domain), str(Level.MILITARY)
        reason = f".mil domain ({candidates[-1]})"
    elif tld == "gov":
        registered = {
            row.domain: row
            for row in RegistryDomain.objects.filter(domain__in=candidates)
            .only("domain", "organization", "level")
        }
        row = next((registered[c] for c in candidates if c in registered), None)
        if row is not None:
            organization, level = row.organization, row.level
            reason = f"registered .gov domain ({row.domain})"
        else:
            reason = f".gov domain not in the registry ({candidates[-1]})"

    if allow is not None:
        organization = allow.organization or organization
        level = allow.level or level
        if not reason:
            reason = f"allowed by operator ({allow.domain})"

    return DomainVerdict(domain=domain, is_government=True, organization=organization,
                         level=level, reason=reason)
