"""A counting SMTP sink for the mail benchmarks, and a client that blasts it.

    smtp_sink.py serve --port P --dir D [--processes N]
        Accepts every message on 127.0.0.1:P (N processes sharing one listening socket;
        `--engine minimal`, the default, is a bare asyncio SMTP protocol, `aiosmtpd` the
        library's server, about 1,000 messages/s per core). Each process writes D/totals-<i>.json
        (messages, first/last arrival, unix time) at most every 0.2 s, and on SIGTERM or
        SIGUSR1 D/counts-<i>.json: copies per envelope recipient and per Message-ID.
        `read_totals(D)` / `read_counts(D)` merge them.
    smtp_sink.py blast --port P --messages M --connections K [--size BYTES]
        M messages of BYTES over K persistent connections (one process each, smtplib):
        the sink's own ceiling. Prints one JSON line.

Standard library plus aiosmtpd (a cophub dependency).
"""

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import smtplib
import socket
import sys
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.I | re.M)


class CountingHandler:
    def __init__(self, directory: Path, index: int):
        self.directory, self.index = directory, index
        self.by_rcpt: Counter = Counter()
        self.by_message_id: Counter = Counter()
        self.messages, self.first, self.last = 0, None, None
        self.written = -1

    async def handle_DATA(self, server, session, envelope):
        self.count(envelope)
        return "250 OK"

    def count(self, envelope) -> None:
        now = time.time()
        self.first = self.first or now
        self.last = now
        self.messages += 1
        for rcpt in envelope.rcpt_tos:
            self.by_rcpt[rcpt] += 1
        head = envelope.original_content[:8192].split(b"\r\n\r\n", 1)[0]
        if match := MESSAGE_ID.search(head):
            self.by_message_id[match.group(1).decode("ascii", "replace")] += 1

    def write_totals(self) -> None:
        if self.messages == self.written:
            return
        self.written = self.messages
        _write(self.directory / f"totals-{self.index}.json",
               {"messages": self.messages, "first": self.first, "last": self.last})

    def write_counts(self) -> None:
        self.write_totals()
        _write(self.directory / f"counts-{self.index}.json",
               {"messages": self.messages, "by_rcpt": self.by_rcpt,
                "by_message_id": self.by_message_id})


def _write(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.replace(path)  # a reader never sees half a file


class _Envelope:
    __slots__ = ("mail_from", "rcpt_tos", "original_content")

    def __init__(self):
        self.mail_from, self.rcpt_tos, self.original_content = "", [], b""


class MinimalSMTP(asyncio.Protocol):
    """Just enough SMTP for a sink (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).

    Hand-written because aiosmtpd's per-command machinery (hooks, logging, argument
    parsing) tops out near 1,000 messages/s per core, below the rate being measured; the
    `--engine aiosmtpd` sink is kept to show that. Like a real server, a message counts
    only once its end of data has arrived; a connection lost mid-DATA delivers nothing."""

    def __init__(self, handler: CountingHandler):
        self.handler = handler
        self.buffer = b""
        self.in_data = False
        self.scan_from = 0
        self.envelope = _Envelope()

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n", self.scan_from)
                if end < 0:
                    self.scan_from = max(0, len(self.buffer) - 4)
                    break
                self.envelope.original_content = self.buffer[2:end + 2]
                self.buffer = self.buffer[end + 5:]
                self.in_data, self.scan_from = False, 0
                self.handler.count(self.envelope)
                self.envelope = _Envelope()
                replies.append(b"250 OK\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                break
            line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
            verb = line[:4].upper()
            if verb == b"EHLO":
                replies.append(b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb in (b"HELO", b"NOOP"):
                replies.append(b"250 OK\r\n")
            elif verb == b"MAIL":
                self.envelope = _Envelope()
                self.envelope.mail_from = _address(line)
                replies.append(b"250 OK\r\n")
            elif verb == b"RCPT":
                self.envelope.rcpt_tos.append(_address(line))
                replies.append(b"250 OK\r\n")
            elif verb == b"DATA":
                # Keep the CRLF before the data so a message that is only "." is found too.
                self.in_data, self.buffer, self.scan_from = True, b"\r\n" + self.buffer, 0
                replies.append(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            elif verb == b"RSET":
                self.envelope = _Envelope()
                replies.append(b"250 OK\r\n")
            elif verb == b"QUIT":
                replies.append(b"221 Bye\r\n")
                self.transport.write(b"".join(replies))
                self.transport.close()
                return
            else:
                replies.append(b"500 Unknown command\r\n")
        if replies:
            self.transport.write(b"".join(replies))


def _address(line: bytes) -> str:
    start, end = line.find(b"<"), line.find(b">")
    return line[start + 1:end].decode("utf-8", "replace") if 0 <= start < end else ""


def _serve_one(sock: socket.socket, directory: Path, index: int, engine: str) -> None:
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per command otherwise
    handler = CountingHandler(directory, index)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def dump_and_stop():
        handler.write_counts()
        stop.set()

    loop.add_signal_handler(signal.SIGTERM, dump_and_stop)
    loop.add_signal_handler(signal.SIGINT, dump_and_stop)
    loop.add_signal_handler(signal.SIGUSR1, handler.write_counts)

    async def main():
        if engine == "aiosmtpd":
            from aiosmtpd.smtp import SMTP

            def factory():
                return SMTP(handler, hostname="sink", data_size_limit=None,
                            auth_require_tls=False, loop=loop)
        else:
            def factory():
                return MinimalSMTP(handler)
        server = await loop.create_server(factory, sock=sock)
        handler.write_totals()
        while not stop.is_set():
            handler.write_totals()
            try:
                await asyncio.wait_for(stop.wait(), 0.2)
            except TimeoutError:
                pass
        server.close()

    loop.run_until_complete(main())


def serve(port: int, directory: Path, processes: int, engine: str = "minimal") -> int:
    directory.mkdir(parents=True, exist_ok=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    sock.setblocking(False)
    children = []
    for index in range(processes):
        pid = os.fork()
        if pid == 0:
            try:
                _serve_one(sock, directory, index, engine)
            finally:
                os._exit(0)
        children.append(pid)

    def forward(signum, frame):
        for pid in children:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGUSR1, forward)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for pid in children:
        while True:
            try:
                os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
    return 0


def read_totals(directory: Path) -> dict:
    """Messages received so far and the first/last arrival (unix time), all processes."""
    totals = {"messages": 0, "first": None, "last": None}
    for path in Path(directory).glob("totals-*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        totals["messages"] += data["messages"]
        for key, pick in (("first", min), ("last", max)):
            if data[key] is not None:
                totals[key] = data[key] if totals[key] is None else pick(totals[key], data[key])
    return totals


def read_counts(directory: Path) -> dict:
    """Copies per recipient and per Message-ID, merged (after SIGTERM or SIGUSR1)."""
    by_rcpt, by_message_id, messages = Counter(), Counter(), 0
    for path in Path(directory).glob("counts-*.json"):
        data = json.loads(path.read_text())
        messages += data["messages"]
        by_rcpt.update(data["by_rcpt"])
        by_message_id.update(data["by_message_id"])
    return {"messages": messages, "by_rcpt": by_rcpt, "by_message_id": by_message_id}


def _blast_one(job: tuple[int, int, int, int]) -> int:
    port, first, count, size = job
    body = ("x" * 76 + "\r\n") * max(1, size // 78)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as conn:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(first, first + count):
            message = (f"From: blast@bench.localhost\r\nTo: b{i}@bench.localhost\r\n"
                       f"Subject: blast {i}\r\nMessage-ID: <blast-{i}@bench>\r\n\r\n{body}")
            conn.sendmail("blast@bench.localhost", [f"b{i}@bench.localhost"],
                          message.encode())
    return count


def blast(port: int, messages: int, connections: int, size: int) -> dict:
    share = messages // connections
    jobs = [(port, i * share, share + (messages % connections if i == 0 else 0), size)
            for i in range(connections)]
    started = time.perf_counter()
    with Pool(connections) as pool:
        sent = sum(pool.map(_blast_one, jobs))
    seconds = time.perf_counter() - started
    return {"messages": sent, "connections": connections, "size_bytes": size,
            "seconds": round(seconds, 3), "per_second": round(sent / seconds, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--dir", type=Path, required=True)
    s.add_argument("--processes", type=int, default=1)
    s.add_argument("--engine", choices=("minimal", "aiosmtpd"), default="minimal")
    b = sub.add_parser("blast")
    b.add_argument("--port", type=int, required=True)
    b.add_argument("--messages", type=int, default=20000)
    b.add_argument("--connections", type=int, default=4)
    b.add_argument("--size", type=int, default=2000)
    args = parser.parse_args()
    if args.mode == "serve":
        return serve(args.port, args.dir, args.processes, args.engine)
    print(json.dumps(blast(args.port, args.messages, args.connections, args.size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
