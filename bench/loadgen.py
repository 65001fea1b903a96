"""A small HTTP/1.1 load generator for requests that differ one from the next (wrk sends the
same request again and again): each request is sent once, by one of `concurrency` clients,
and its status, timings and one chosen cookie are recorded.

Standard library only (asyncio streams); 127.0.0.1 only. Run as a child process so the CPU
it uses is counted apart from the servers' (common.CpuMeter counts waited-for children):

    python bench/loadgen.py plan.json results.json

plan.json: {"port": 8000, "concurrency": 64, "timeout_s": 60, "deadline_s": 300,
            "capture_cookie": "messages",
            "requests": [{"id": ..., "method": "POST", "path": "/…",
                          "headers": {"Cookie": "…", …}, "body": "…"}, …],
            "repeat": {"count": 10000, "request": {…}}}   # instead of "requests"

results.json: {"wall_s", "cpu_s", "sent", "answered", "retries", "aborted",
               "results": [{"id", "status", "start", "end", "cookie", "location", "error"}, …]}
`start`/`end` are seconds on this process's monotonic clock (time.perf_counter), so the
order of requests can be compared with what the server recorded.

A connection is kept alive when the server allows it (gunicorn's sync workers close it
after every response, so each request then opens a new one, as wrk does against them). A
request on a kept-alive connection that the server had closed meanwhile is sent once more on
a new connection only if not a byte of an answer came back (counted in `retries`).
"""

import asyncio
import json
import resource
import sys
import time
from http.cookies import CookieError, SimpleCookie

HOST = "127.0.0.1"


class Stale(Exception):
    """The kept-alive connection was closed before any byte of the answer."""


def _encode(request: dict, port: int) -> bytes:
    body = request.get("body", "").encode()
    headers = {"Host": f"{HOST}:{port}", "User-Agent": "cophub-bench-loadgen",
               "Accept": "text/html", **request.get("headers", {})}
    if body or request.get("method", "GET") not in ("GET", "HEAD"):
        headers["Content-Length"] = str(len(body))
    head = f"{request.get('method', 'GET')} {request['path']} HTTP/1.1\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


async def _read_response(reader: asyncio.StreamReader, *, reused: bool):
    """(status, headers as a list of (lower-case name, value), keep_alive)."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if reused and not exc.partial:
            raise Stale() from None
        raise
    except ConnectionResetError:
        if reused:
            raise Stale() from None
        raise
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip().lower(), value.strip()))
    fields = dict(headers)
    connection = fields.get("connection", "").lower()
    keep_alive = (connection != "close") if version == "HTTP/1.1" else (connection ==
                                                                        "keep-alive")
    if "chunked" in fields.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    else:
        await reader.read()  # until the server closes
        keep_alive = False
    return int(status), headers, keep_alive


def _cookie(headers, name: str) -> str:
    for header, value in headers:
        if header != "set-cookie" or not value.startswith(f"{name}="):
            continue
        try:
            morsel = SimpleCookie(value).get(name)
        except CookieError:
            return value.split(";", 1)[0].split("=", 1)[1]
        return morsel.value if morsel is not None else ""
    return ""


async def _client(port: int, queue: asyncio.Queue, results: list, capture: str,
                  timeout: float, stats: dict) -> None:
    reader = writer = None
    try:
        while True:
            try:
                index, request, payload = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            result = {"id": request.get("id", index), "status": 0, "start": 0.0, "end": 0.0,
                      "cookie": "", "location": "", "error": ""}
            results[index] = result
            result["start"] = time.perf_counter()
            stats["sent"] += 1
            for attempt in (1, 2):
                reused = writer is not None
                try:
                    if writer is None:
                        reader, writer = await asyncio.wait_for(
                            asyncio.open_connection(HOST, port), timeout)
                    writer.write(payload)
                    await writer.drain()
                    status, headers, keep_alive = await asyncio.wait_for(
                        _read_response(reader, reused=reused), timeout)
                except Stale:
                    writer.close()
                    reader = writer = None
                    if attempt == 1:
                        stats["retries"] += 1
                        continue
                    result["error"] = "connection closed before an answer"
                    break
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    if writer is not None:
                        writer.close()
                    reader = writer = None
                    result["error"] = f"{type(exc).__name__}: {exc}"[:200]
                    break
                result["status"] = status
                if capture:
                    result["cookie"] = _cookie(headers, capture)
                result["location"] = next((v for h, v in headers if h == "location"), "")
                if not keep_alive:
                    writer.close()
                    reader = writer = None
                break
            result["end"] = time.perf_counter()
            if result["status"]:
                stats["answered"] += 1
    finally:
        if writer is not None:
            writer.close()


async def run(plan: dict) -> dict:
    port = int(plan["port"])
    if "repeat" in plan:
        requests = [plan["repeat"]["request"]] * int(plan["repeat"]["count"])
    else:
        requests = plan["requests"]
    queue: asyncio.Queue = asyncio.Queue()
    for index, request in enumerate(requests):
        queue.put_nowait((index, request, _encode(request, port)))
    results: list = [None] * len(requests)
    stats = {"sent": 0, "answered": 0, "retries": 0}
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    tasks = [asyncio.create_task(_client(port, queue, results, plan.get("capture_cookie", ""),
                                         float(plan.get("timeout_s", 60)), stats))
             for _ in range(int(plan.get("concurrency", 64)))]
    done, pending = await asyncio.wait(tasks, timeout=float(plan.get("deadline_s", 300)))
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            raise task.exception()
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall_s": round(wall, 4),
        "cpu_s": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 4),
        "sent": stats["sent"], "answered": stats["answered"], "retries": stats["retries"],
        "aborted": bool(pending),
        "results": [r for r in results if r is not None],
    }


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[0], file=sys.stderr)
        print("usage: loadgen.py PLAN.json RESULTS.json", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    outcome = asyncio.run(run(plan))
    with open(sys.argv[2], "w") as f:
        json.dump(outcome, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
