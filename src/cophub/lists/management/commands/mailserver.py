"""`cophub mailserver`: the inbound mail server for list addresses (lists/inbound/mailserver.py).

SMTP on COPHUB_MAILSERVER_HOST:COPHUB_MAILSERVER_PORT (127.0.0.1:2525) by default; `--lmtp`
(or COPHUB_MAILSERVER_PROTOCOL=lmtp) behind Postfix. SIGTERM or SIGINT stops it gracefully:
no new connections, messages being stored still get their answer.
"""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cophub.lists.inbound.mailserver import MailServer


class Command(BaseCommand):
    help = "Run the inbound mail server (SMTP or LMTP) for mailing list addresses."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.COPHUB_MAILSERVER_HOST,
                            help="Address to listen on (default: COPHUB_MAILSERVER_HOST).")
        parser.add_argument("--port", type=int, default=settings.COPHUB_MAILSERVER_PORT,
                            help="Port to listen on (default: COPHUB_MAILSERVER_PORT).")
        parser.add_argument("--lmtp", action="store_true",
                            default=settings.COPHUB_MAILSERVER_PROTOCOL == "lmtp",
                            help="Speak LMTP instead of SMTP (behind Postfix).")

    def handle(self, *, host, port, lmtp, **options):
        if settings.COPHUB_MAILSERVER_PROTOCOL not in ("smtp", "lmtp"):
            raise CommandError("COPHUB_MAILSERVER_PROTOCOL must be smtp or lmtp, not "
                               f"{settings.COPHUB_MAILSERVER_PROTOCOL!r}.")
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        server = MailServer(host=host, port=port, lmtp=lmtp)
        try:
            server.start()
        except Exception as exc:  # port taken, address not ours, …
            raise CommandError(f"Could not listen on {host}:{port}: {exc}") from exc
        protocol = "LMTP" if lmtp else "SMTP"
        self.stdout.write(f"cophub mailserver: {protocol} on {host}:{port} for "
                          f"*@{settings.COPHUB_LIST_DOMAIN} (Ctrl-C to stop)")
        self.stdout.flush()

        stopping = threading.Event()
        previous = {s: signal.signal(s, lambda signum, frame: stopping.set())
                    for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not stopping.wait(1.0):  # a timeout keeps signal handling prompt
                pass
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            server.stop_gracefully()
        self.stdout.write(f"cophub mailserver: stopped ({server.handler.accepted} accepted)")
