"""E-mail commands to <list>-request@, -join@, -leave@, and mail to -owner@.

The Subject is the command; if it is empty, the first non-blank body lines are (up to five,
stopping at a signature "-- "). An empty subject and an empty body on -request@ mean
"subscribe": the AI CoP has always told people to join by sending exactly that. Every
message gets one reply summarising what each command did, except messages from robots, lists
or null senders (RFC 3834), which are not run and get none, and replies past the per-address
throttle (`services.throttle`), which are recorded but not sent.
"""

import difflib
import re
from dataclasses import dataclass
from email.message import EmailMessage

from allauth.account.models import EmailAddress
from django.template.loader import render_to_string

from .. import selectors, services
from ..mailparse import automated_reason, body_text, header_text, robot_reason, sender_address
from ..models import Confirmation, MailingList, Subscription
from .replies import reply_send

COMMANDS = ("subscribe", "join", "unsubscribe", "leave", "help", "who", "confirm")
ALIASES = {"join": "subscribe", "leave": "unsubscribe"}
MAX_BODY_LINES = 5
# "Re:", "Fwd:", "AW:", "SV:" … as many as a mail client stacks up.
REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|tr|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)


@dataclass(frozen=True)
class Command:
    word: str  # as written, lower case
    argument: str  # the rest of the line

    @property
    def name(self) -> str:
        """The command meant, or "" for an unknown word."""
        return ALIASES.get(self.word, self.word) if self.word in COMMANDS else ""


def commands_parse(*, subject: str, body: str) -> list[Command]:
    """The commands in a message: the subject line, or else the first body lines."""
    subject = REPLY_PREFIX.sub("", subject or "").strip()
    if subject:
        lines = [subject]
    else:
        lines = []
        for line in (body or "").splitlines():
            if line.rstrip() == "--":  # "-- " signature separator
                break
            line = line.strip()
            if not line or line.startswith(">"):  # blank, or quoted from a reply
                continue
            lines.append(line)
            if len(lines) >= MAX_BODY_LINES:
                break
    commands = []
    for line in lines:
        word, _, argument = line.partition(" ")
        commands.append(Command(word.lower().strip(".,:;!?"), " ".join(argument.split())))
    return commands


def suggest(word: str) -> str:
    """The nearest command to a mistyped word ("subscirbe" → "subscribe"), or ""."""
    matches = difflib.get_close_matches(word.lower(), COMMANDS, n=1, cutoff=0.6)
    return matches[0] if matches else ""


def commands_handle(*, mailing_list: MailingList, message: EmailMessage, mail_from: str,
                    role: str) -> str:
    """Run the commands in a message to -request@ (or subscribe/unsubscribe for -join@ and
    -leave@) and send one reply. Returns the result line for the inbound record. The router
    has already dropped loops."""
    automated = automated_reason(message, mail_from)
    if automated:
        # A robot "subscribing" or echoing our confirmation would start a mail loop, and
        # mail with a null sender has nobody to act for.
        return f"dropped: automated message ({automated}), commands not run"
    name, address = sender_address(message, mail_from)
    if not address:
        return "dropped: no usable sender address to act for or reply to"
    subject = header_text(message, "Subject")
    body = body_text(message)
    if role == "join":
        # Whatever the subject says ("please add me"): the name comes from the From header.
        commands = [Command("subscribe", "")]
    elif role == "leave":
        commands = [Command("unsubscribe", "")]
    else:
        commands = _request_commands(subject, body)
    outcomes = [_run(mailing_list, command, address, name, subject, body) for command in commands]
    summary = "; ".join(o.summary for o in outcomes)
    if all(o.answered for o in outcomes):
        return f"commands: {summary} (no separate reply: the person has been mailed)"
    show_help = any(o.show_help for o in outcomes)
    replied = reply_send(mailing_list=mailing_list, message=message, mail_from=mail_from,
                         template="lists/email/command_reply",
                         context={"outcomes": outcomes, "show_help": show_help})
    return f"commands: {summary} ({replied})"


def owner_forward(*, mailing_list: MailingList, message: EmailMessage, mail_from: str) -> str:
    """Mail to <list>-owner@ goes to every owner as a quoted copy, unless it is a loop or
    from a robot (an owner's vacation notice must not bounce back and forth). The router
    has already dropped loops."""
    robot = robot_reason(message)
    if robot:
        return f"dropped: automated message ({robot})"
    name, address = sender_address(message, mail_from)
    context = {"mailing_list": mailing_list, "sender_name": name,
               "sender_email": address or mail_from or "(unknown sender)",
               "original_subject": header_text(message, "Subject")[:200],
               "body": body_text(message)[:50000]}
    subject = " ".join(render_to_string("lists/email/command_owner_forward_subject.txt",
                                        context).split())
    services.list_notify_owners(
        mailing_list=mailing_list, subject=subject,
        body_text=render_to_string("lists/email/command_owner_forward_message.txt", context))
    return "forwarded to the list owners"


# --- running commands ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    command: str  # the line as the person wrote it
    text: str  # what happened, a sentence for the person
    summary: str  # a few words for the inbound record
    show_help: bool = False
    # Another message already tells the person (the confirmation request, the welcome), so
    # a reply saying only that would be a second message with nothing new.
    answered: bool = False


def _request_commands(subject: str, body: str) -> list[Command]:
    # A reply to a confirmation message: the token is somewhere in the subject, whatever
    # words surround it ("Re: Confirm your subscription to ai@…: confirm <token>").
    confirmation = services.confirmation_find(text=subject) if subject else None
    if confirmation is not None:
        return [Command("confirm", confirmation.token)]
    commands = commands_parse(subject=subject, body=body)
    return commands or [Command("subscribe", "")]  # empty subject and body: join


def _run(mailing_list: MailingList, command: Command, address: str, name: str,
         subject: str, body: str) -> Outcome:
    written = f"{command.word} {command.argument}".strip()
    handler = {"subscribe": _subscribe, "unsubscribe": _unsubscribe, "help": _help,
               "who": _who, "confirm": _confirm}.get(command.name)
    if handler is None:
        nearest = suggest(command.word)
        hint = f' Did you mean "{nearest}"?' if nearest else ""
        return Outcome(written, f'"{command.word[:60]}" is not a command.{hint}',
                       f"unknown {command.word[:30]!r}", show_help=True)
    try:
        return handler(mailing_list, command, address, name, subject, body, written)
    except services.ListError as exc:
        return Outcome(written, str(exc), f"{command.name} refused", show_help=False)


def _subscribe(mailing_list, command, address, name, subject, body, written) -> Outcome:
    try:
        # Never user=…: a From header proves nothing, so e-mail always takes double opt-in.
        result = services.subscription_request(
            mailing_list=mailing_list, email=address, name=(command.argument or name)[:150],
            user=None, via=Subscription.Via.EMAIL)
    except services.NotEligible as exc:
        return Outcome(written, f"{exc} {_who_may_join(mailing_list)}".strip(),
                       "subscribe refused: not eligible")
    if isinstance(result, Confirmation):
        return Outcome(written, f"We have sent a confirmation message to {address}. Reply "
                       "to it, or open the link in it, to complete your subscription.",
                       "subscribe: confirmation sent", answered=True)
    return Outcome(written, f"{address} is now subscribed to {mailing_list.address}.",
                   "subscribed")


def _unsubscribe(mailing_list, command, address, name, subject, body, written) -> Outcome:
    services.unsubscribe_request(mailing_list=mailing_list, email=address,
                                 via=Subscription.Via.EMAIL)
    return Outcome(written, f"We have sent a message to {address} to confirm that you want "
                   "to leave. Reply to it, or open the link in it, to complete it.",
                   "unsubscribe: confirmation sent", answered=True)


def _help(mailing_list, command, address, name, subject, body, written) -> Outcome:
    return Outcome(written, "The commands this address understands are below.", "help",
                   show_help=True)


def _who(mailing_list, command, address, name, subject, body, written) -> Outcome:
    if not _is_owner(mailing_list, address):
        return Outcome(written, "Only the owners of this list may see who is subscribed.",
                       "who refused: not an owner")
    emails = sorted(_email_of(s) for s in selectors.list_who(mailing_list=mailing_list))
    listing = "\n".join(f"  {e}" for e in emails) or "  (nobody)"
    return Outcome(written, f"{len(emails)} active subscriber(s) of "
                   f"{mailing_list.address}:\n{listing}", f"who: {len(emails)} listed")


def _confirm(mailing_list, command, address, name, subject, body, written) -> Outcome:
    found = services.confirmation_find(text=command.argument or f"{subject}\n{body}")
    if found is not None:
        token = found.token
    else:  # confirmation_confirm explains what is wrong with a code it does not know
        token = command.argument.split()[0] if command.argument else ""
    if not token:
        return Outcome(written, "This confirmation needs the code from the confirmation "
                       "message: reply to that message without changing its subject.",
                       "confirm refused: no code")
    subscription = services.confirmation_confirm(token=token)
    if subscription.state == Subscription.State.UNSUBSCRIBED:
        return Outcome(written, f"You have left {subscription.mailing_list.address}.",
                       "confirmed: unsubscribed")
    return Outcome(written, f"You are now subscribed to {subscription.mailing_list.address}.",
                   "confirmed: subscribed", answered=True)  # the welcome message says so


def _is_owner(mailing_list: MailingList, address: str) -> bool:
    owners = selectors.list_owners(mailing_list=mailing_list)
    address = address.lower()
    if any((u.email or "").lower() == address for u in owners):
        return True
    # An owner writing from another of their verified addresses.
    return EmailAddress.objects.filter(user__in=owners, email__iexact=address,
                                       verified=True).exists()


def _email_of(item) -> str:
    """list_who yields subscriptions or subscribers; either way, the address."""
    subscriber = getattr(item, "subscriber", item)
    return getattr(subscriber, "email", str(subscriber))


def _who_may_join(mailing_list: MailingList) -> str:
    """Added to a refusal: what the person can do about it."""
    if mailing_list.audience == MailingList.Audience.GOVERNMENT:
        return ("The list is for federal, state, local and tribal government employees and "
                "mission-supporting contractors. If you have a government address, send "
                "your request again from that address.")
    if mailing_list.audience == MailingList.Audience.GROUP:
        return ("Join the group on the web first, then subscribe from an address verified "
                "on your account.")
    return ""
