"""Is an e-mailed post really from the domain in its From line? (issue 17, finding 1)

Anyone can write any From line, so a list that publishes by From publishes forgeries. Two ways
to know better, in this order:

1. **Our own MTA's verdict.** In production Postfix with OpenDKIM/OpenDMARC (or rspamd) checks
   SPF, DKIM and DMARC and stamps an `Authentication-Results` header (RFC 8601) carrying its
   `authserv-id`. Only headers with `settings.COPHUB_AUTHSERV_ID` are read; any other copy —
   a sender can put whatever they like in their own headers — is ignored. Of ours, the
   topmost header reporting a method wins (an MTA prepends, so a forged copy claiming our id
   that the MTA failed to remove sits below the real one).
2. **DKIM and SPF checked here** (the embedded mail server, no MTA in front): every
   DKIM-Signature is verified with `dkimpy`; the post is authenticated when one passes and
   its `d=` domain is aligned with the From domain. Failing that, SPF (`pyspf`) for the
   connecting address and the envelope sender, when the sender's domain is aligned with
   From (what DMARC accepts too) — only for a peer that is not this host: behind a local
   MTA the peer is that MTA, and SPF would judge it instead of the sender. Lookups are
   injectable (`DNS_LOOKUP` for DKIM keys, `SPF_DNS_LOOKUP` for SPF), and a lookup that
   fails means "not checked", never "passed".

Alignment is DMARC's relaxed mode approximated without a public-suffix list: the From domain
and the signing domain are equal, or one is a subdomain of the other and the shorter has at
least two labels (`va.gov` and `mail.va.gov` align; `a.va.gov` and `b.va.gov`, siblings, do
not: stricter than DMARC, never looser).

What a list does with a post that fails is the list's policy (`posting`); this module only
answers."""

import ipaddress
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses

import dkim
import dns.exception
import dns.resolver
import spf
from django.conf import settings

logger = logging.getLogger(__name__)

DnsFunc = Callable[..., bytes | None]

# The default key lookup (dnspython through dkimpy). A module attribute so that tests and
# hosts without DNS can swap it; `sender_authenticate(dnsfunc=…)` overrides it per call.
DNS_LOOKUP: DnsFunc = dkim.dnsplug.get_txt

# Checking a pathological message costs CPU per signature: a real one has one or two.
MAX_SIGNATURES = 5
SPF_TIMEOUT = 10  # seconds for all of one check's lookups (RFC 7208 §4.6.4 suggests 20)


def _spf_dns_dnspython(name: str, qtype: str, timeout: float) -> list:
    """SPF's lookups with dnspython's current API, as pyspf wants them:
    [((name, qtype), value), …]; TXT values are lists of byte strings."""
    records = []
    try:
        answers = dns.resolver.resolve(name, qtype, lifetime=timeout, raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return records
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise spf.TempError(f"DNS {exc}") from exc
    for rdata in answers:
        if qtype in ("A", "AAAA"):
            records.append(((name, qtype), rdata.address))
        elif qtype == "MX":
            records.append(((name, qtype), (rdata.preference, rdata.exchange)))
        elif qtype == "PTR":
            records.append(((name, qtype), rdata.target.to_text(True)))
        elif qtype in ("TXT", "SPF"):
            records.append(((name, qtype), rdata.strings))
    return records


# SPF's lookup, a module attribute as DNS_LOOKUP is: (name, qtype, timeout) → records.
SPF_DNS_LOOKUP: Callable[[str, str, float], list] = _spf_dns_dnspython


def _spf_dns(name, qtype, tcpfallback=True, timeout=30):
    return SPF_DNS_LOOKUP(name, qtype, timeout)


# pyspf looks its records up through its module function `DNSLookup`, which it points at
# whichever DNS library it finds (its own switch uses dnspython's deprecated `query`). Ours
# goes through SPF_DNS_LOOKUP, resolved at each call, so tests and hosts without DNS swap it.
spf.DNSLookup = _spf_dns


@dataclass(frozen=True)
class AuthResult:
    passed: bool
    method: str  # "dkim", "dmarc", "spf" (from our MTA's header), or "" when nothing passed
    domain: str  # the domain that was authenticated (or the From domain when none was)
    reason: str  # in words, for the moderators and the inbound log


def sender_authenticate(raw_bytes: bytes, message: Message, *,
                        dnsfunc: DnsFunc | None = None, peer: str = "",
                        mail_from: str = "") -> AuthResult:
    """Whether the From domain of `message` (whose bytes as received are `raw_bytes`) is
    authenticated: by our MTA's Authentication-Results when it stamped one, else by a DKIM
    signature aligned with From, else by SPF for the connecting `peer` (an IP address) and
    the envelope sender `mail_from`, aligned with From. Never raises and never passes on
    doubt."""
    from_domain, problem = _from_domain(message)
    if problem:
        return AuthResult(False, "", from_domain, problem)
    trusted = _trusted_results(message)
    if trusted is not None:
        return _from_authentication_results(trusted, from_domain)
    result = _dkim_check(raw_bytes, from_domain, dnsfunc or DNS_LOOKUP)
    if result.passed:
        return result
    checked = _spf_check(peer, mail_from, from_domain)
    if checked is None:
        return result
    return checked if checked.passed else AuthResult(
        False, "", from_domain, f"{result.reason}; {checked.reason}"[:300])


def aligned(from_domain: str, other: str) -> bool:
    """DMARC-style relaxed alignment by suffix (see the module docstring)."""
    a, b = _domain(from_domain), _domain(other)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return shorter.count(".") >= 1 and longer.endswith("." + shorter)


# --- From ----------------------------------------------------------------------------------


def _from_domain(message: Message) -> tuple[str, str]:
    """(domain, problem). DMARC authenticates exactly one From address."""
    values = message.get_all("From") or []
    try:
        found = [address for _, address in getaddresses([str(v) for v in values]) if address]
    except Exception:  # noqa: BLE001 — getaddresses can choke on pathological input
        found = []
    if len(values) != 1 or len(found) != 1 or "@" not in found[0]:
        return "", "not authenticated: the message needs exactly one From address"
    return _domain(found[0].rsplit("@", 1)[1]), ""


def _domain(value: str) -> str:
    return (value or "").strip().strip(".").lower()


# --- Authentication-Results from our MTA ----------------------------------------------------


_RESINFO_RE = re.compile(r"^([a-z0-9_-]+)\s*=\s*([a-z0-9_-]+)", re.IGNORECASE)
_PROPERTY_RE = re.compile(r"([a-z0-9_-]+\.[a-z0-9_.-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)",
                          re.IGNORECASE)


def _trusted_results(message: Message) -> list[list[tuple[str, str, dict]]] | None:
    """The parsed Authentication-Results headers stamped by our MTA, topmost first; None when
    no authserv-id is configured or no header carries it."""
    authserv_id = (getattr(settings, "COPHUB_AUTHSERV_ID", "") or "").strip().lower()
    if not authserv_id:
        return None
    trusted = []
    for value in message.get_all("Authentication-Results") or []:
        parts = _split(_uncomment(str(value)))
        if not parts:
            continue
        head = parts[0].split()
        if not head or head[0].lower() != authserv_id:
            continue  # someone else's header, or a forgery: never read
        trusted.append([_resinfo(part) for part in parts[1:] if _resinfo(part)])
    return trusted or None


def _uncomment(value: str) -> str:
    """RFC 5322 comments (nested parentheses) removed, quoted strings kept."""
    out, depth, quoted, escaped = [], 0, False, False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            quoted = char != '"'
            out.append(char)
        elif char == '"' and depth == 0:
            quoted = True
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _split(value: str) -> list[str]:
    """Split on semicolons outside quoted strings."""
    parts, current, quoted = [], [], False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _resinfo(part: str) -> tuple[str, str, dict] | None:
    """("dkim", "pass", {"header.d": "va.gov", …}) from one result."""
    match = _RESINFO_RE.match(part)
    if not match:
        return None
    props = {name.lower(): value.strip('"').lower()
             for name, value in _PROPERTY_RE.findall(part[match.end():])}
    return match.group(1).lower(), match.group(2).lower(), props


def _from_authentication_results(headers: list, from_domain: str) -> AuthResult:
    """DMARC pass from our MTA, else an aligned DKIM pass, else an aligned SPF pass (what
    DMARC itself would accept). Per method, the topmost of our headers that reports it."""
    by_method: dict[str, list[tuple[str, dict]]] = {}
    for results in headers:
        methods = {method for method, _, _ in results}
        for method in methods - set(by_method):
            by_method[method] = [(result, props) for m, result, props in results
                                 if m == method]
    for result, props in by_method.get("dmarc", []):
        if result == "pass" and aligned(from_domain, props.get("header.from", from_domain)):
            return AuthResult(True, "dmarc", from_domain, "DMARC passed (our mail server)")
    for result, props in by_method.get("dkim", []):
        signer = props.get("header.d") or _domain(props.get("header.i", "").rpartition("@")[2])
        if result == "pass" and aligned(from_domain, signer):
            return AuthResult(True, "dkim", signer, f"DKIM signature of {signer} passed "
                                                    f"(our mail server)")
    for result, props in by_method.get("spf", []):
        mailfrom = props.get("smtp.mailfrom", "").rpartition("@")[2]
        if result == "pass" and aligned(from_domain, mailfrom):
            return AuthResult(True, "spf", _domain(mailfrom), "SPF passed for an aligned "
                                                             "envelope sender (our mail server)")
    seen = ", ".join(f"{m}={r}" for m, rs in sorted(by_method.items()) for r, _ in rs)
    return AuthResult(False, "", from_domain, f"not authenticated: our mail server found no "
                                              f"pass aligned with {from_domain} "
                                              f"({seen or 'no results'})")


# --- SPF checked here ----------------------------------------------------------------------


def _spf_check(peer: str, mail_from: str, from_domain: str) -> AuthResult | None:
    """SPF for an aligned envelope sender; None when it does not apply (no peer, this host
    as the peer, a null or unaligned envelope sender)."""
    try:
        address = ipaddress.ip_address(peer.strip().strip("[]"))
    except ValueError:
        return None
    sender_domain = _domain(mail_from.rpartition("@")[2])
    if address.is_loopback or not sender_domain or not aligned(from_domain, sender_domain):
        return None
    try:
        verdict, explanation = spf.check2(i=str(address), s=mail_from, h=sender_domain,
                                          timeout=SPF_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 — a failing check is "not checked", never a pass
        logger.info("SPF check for %s from %s failed: %s", mail_from, address, exc)
        return AuthResult(False, "", from_domain, "SPF could not be checked")
    if verdict == "pass":
        return AuthResult(True, "spf", sender_domain,
                          f"SPF passed for {sender_domain} from {address}")
    return AuthResult(False, "", from_domain,
                      f"SPF {verdict} for {sender_domain} from {address}"[:200])


# --- DKIM checked here ---------------------------------------------------------------------


class _Lookup:
    """Wraps the key lookup to tell "no key" from "could not look" (no DNS here)."""

    def __init__(self, dnsfunc: DnsFunc):
        self.dnsfunc = dnsfunc
        self.failed = False

    def __call__(self, name, timeout=5):
        try:
            return self.dnsfunc(name, timeout=timeout)
        except Exception as exc:  # noqa: BLE001 — any lookup failure means "not checked"
            logger.info("DKIM key lookup for %r failed: %s", name, exc)
            self.failed = True
            return None


def _dkim_check(raw_bytes: bytes, from_domain: str, dnsfunc: DnsFunc) -> AuthResult:
    try:
        checker = dkim.DKIM(bytes(raw_bytes), logger=logger)
        count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    except Exception as exc:  # noqa: BLE001 — a message dkimpy cannot read is not signed
        return AuthResult(False, "", from_domain, f"not authenticated: unreadable ({exc})"[:200])
    if count == 0:
        return AuthResult(False, "", from_domain, "not authenticated: no DKIM signature")
    lookup = _Lookup(dnsfunc)
    failures = []
    for idx in range(min(count, MAX_SIGNATURES)):
        try:
            ok = checker.verify(idx=idx, dnsfunc=lookup)
        except Exception as exc:  # noqa: BLE001 — dkimpy raises for malformed signatures
            logger.info("DKIM signature %s could not be verified: %s", idx, exc)
            ok = False
        signer = _domain((checker.domain or b"").decode("ascii", "replace"))
        if ok and aligned(from_domain, signer):
            return AuthResult(True, "dkim", signer, f"DKIM signature of {signer} verified")
        failures.append(f"{signer or '?'}: {'not aligned with ' + from_domain if ok else 'failed'}")
    if lookup.failed:
        return AuthResult(False, "", from_domain, "not authenticated: the signing key could "
                                                  "not be looked up (not checked)")
    return AuthResult(False, "", from_domain, "not authenticated: no DKIM signature aligned "
                                              f"with {from_domain} verified "
                                              f"({'; '.join(failures)})"[:280])
