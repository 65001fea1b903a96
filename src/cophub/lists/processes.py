"""The processes `cophub serve` runs for lists (found by `core.processes.load_processes`)."""

from cophub.core.processes import process

# The inbound mail server: mail to list addresses, commands, bounces. The `mailserver`
# command listens on COPHUB_MAILSERVER_HOST/PORT and speaks COPHUB_MAILSERVER_PROTOCOL.
process("mailserver", ["mailserver"])
