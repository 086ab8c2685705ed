"""Check 2: hostile clients, one kind at a time, against one server, while a well-behaved
caller (its own process) keeps placing whole calls. Each attack passes when the caller saw
no failure and its p99 stayed within the bound, the server's RSS stayed within its bound
and its open descriptors within --max-connections plus its own few."""
import os
import random
import selectors
import socket
import struct
import threading
import time

from lib import Conn, Server, Monitor, GoodClient, post, new_call, answer_kind, HOST, Closed, HalfResponse

P99_BOUND_MS = float(os.environ.get("TOUCHTONE_LOAD_P99_MS", "50"))
RSS_BOUND_MB = float(os.environ.get("TOUCHTONE_LOAD_RSS_MB", "256"))
MAX_CONNECTIONS = 10000
REQUEST_TIMEOUT_S = 5


def rst_close(sock):
    """Close with a reset: the abrupt way, and no TIME_WAIT left on our side."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def connect(port, timeout=5):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def status_of(data):
    if data.startswith(b"HTTP/1.1 "):
        try:
            return int(data[9:12])
        except ValueError:
            return -1
    return None


def slowloris(port, stop, stats, count):
    """`count` connections, each sending a request one byte per 100 ms; reconnects when
    the server gives up on one (408 after --request-timeout)."""
    request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 40) for i in range(40))
    sel = selectors.DefaultSelector()
    conns = {}

    def open_one():
        try:
            s = connect(port)
        except OSError:
            stats["connect_errors"] = stats.get("connect_errors", 0) + 1
            return
        s.setblocking(False)
        conns[s] = 0
        sel.register(s, selectors.EVENT_READ)

    for _ in range(count):
        open_one()
    stats["held_max"] = len(conns)
    while not stop.is_set():
        tick = time.time()
        for s in list(conns):
            i = conns[s]
            try:
                s.send(request[i % len(request):i % len(request) + 1])
                conns[s] = i + 1
            except OSError:
                pass
        for key, _ in sel.select(0):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            code = status_of(data)
            stats["closed_by_server_%s" % code] = stats.get("closed_by_server_%s" % code, 0) + 1
            sel.unregister(s)
            del conns[s]
            rst_close(s)
            open_one()
        stats["bytes_sent"] = sum(conns.values())
        time.sleep(max(0, 0.1 - (time.time() - tick)))
    for s in conns:
        rst_close(s)


def idle_flood(port, stop, stats, count):
    """`count` connections that never send a byte; those past --max-connections should be
    answered 503 and closed."""
    socks = []
    t0 = time.time()
    for _ in range(count):
        try:
            s = socket.socket()
            s.setblocking(True)
            s.settimeout(5)
            s.connect((HOST, port))
            socks.append(s)
        except OSError:
            stats["connect_errors"] = stats.get("connect_errors", 0) + 1
    stats["opened"] = len(socks)
    stats["open_seconds"] = round(time.time() - t0, 1)
    time.sleep(1.0)
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    refused = {}
    for key, _ in sel.select(0.5):
        try:
            data = key.fileobj.recv(4096)
        except OSError:
            data = b""
        code = status_of(data)
        refused[code] = refused.get(code, 0) + 1
    stats["refused"] = refused
    stats["held"] = len(socks) - sum(refused.values())
    stop.wait()
    # Still held at the end: not readable means the server kept them open.
    late = sum(1 for _ in sel.select(0))
    stats["held_then_closed_by_server"] = late - sum(refused.values())
    for s in socks:
        rst_close(s)


def oversize(port, stop, stats, _):
    """Headers past --max-header-bytes (431) and bodies past --max-body-bytes (413)."""
    big_header = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
    big_body_head = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 1000000\r\n\r\n")
    n = 0
    while not stop.is_set():
        n += 1
        # Bodies: either the headers alone (the 413 must come), or the whole 1 MB body at
        # once. The server answers 413 after the head, shuts its sending side and drops the
        # body as it comes (lingering close), so the client sends it all and then reads the
        # 413: a reset (what closing with the body unread gave) counts as wrong.
        want, raw = [(431, big_header), (413, big_body_head), (431, big_header),
                     (413, big_body_head + b"event=newCall&" + b"x" * (1000000 - 14))][n % 4]
        s = None
        try:
            s = connect(port)
            s.sendall(raw)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            code = status_of(data)
        except OSError as e:
            code = "error %s" % type(e).__name__
            data = b""
        finally:
            if s:
                rst_close(s)
        key = "%d->%s" % (want, code)
        stats[key] = stats.get(key, 0) + 1
        if code != want:
            stats["wrong"] = stats.get("wrong", 0) + 1


def disconnects(port, stop, stats, _):
    """Resets in the middle of a request, right after a whole request (the server writes
    its answer to a dead peer) and in the middle of a prompt download."""
    rng = random.Random(7)
    n = 0
    while not stop.is_set():
        n += 1
        kind = n % 3
        try:
            s = connect(port)
            if kind == 0:
                raw = post(new_call("cut-%d" % n))
                s.sendall(raw[:rng.randint(1, len(raw) - 1)])
                stats["mid_request"] = stats.get("mid_request", 0) + 1
            elif kind == 1:
                s.sendall(post(new_call("cut-%d" % n)))
                stats["mid_response_push"] = stats.get("mid_response_push", 0) + 1
            else:
                s.sendall(b"GET /audio/welcome.wav HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                s.recv(100)
                stats["mid_response_audio"] = stats.get("mid_response_audio", 0) + 1
            rst_close(s)
        except OSError as e:
            stats["error_" + type(e).__name__] = stats.get("error_" + type(e).__name__, 0) + 1


def garbage(port, stop, stats, _):
    """A valid push followed by garbage on the same connection (pipelined), and connections
    of random bytes: the push gets its answer, the garbage a 400 or a close, never a 200."""
    rng = random.Random(11)
    n = 0
    while not stop.is_set():
        n += 1
        junk = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300))) + b"\r\n\r\n"
        if n % 2:
            junk = rng.choice([b"GARBAGE / HTTP/1.1\r\n\r\n", b"POST / HTTP/9.9\r\n\r\n", b"\r\n\r\n\r\n" + junk,
                               b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                               junk])
        c = None
        try:
            c = Conn(port, timeout=3)
            c.sock.sendall(post(new_call("pipe-%d" % n)) + junk)
            status, _, body = c.read_response()
            if status != 200 or answer_kind(body) != "gather":
                stats["push_wrong"] = stats.get("push_wrong", 0) + 1
            try:
                status, _, _ = c.read_response()
                key = "garbage->%d" % status
            except Closed as e:
                # "timed out": the server is still waiting for the rest of a request.
                key = "garbage->waiting" if "timed out" in str(e) else "garbage->closed"
            except HalfResponse:
                key = "garbage->half"
        except (OSError, Closed, HalfResponse) as e:
            key = "error %s" % type(e).__name__
        finally:
            if c:
                rst_close(c.sock)
        stats[key] = stats.get(key, 0) + 1
        if not (key in ("garbage->closed", "garbage->waiting") or key.startswith("garbage->4") or key.startswith("garbage->5")):
            stats["wrong"] = stats.get("wrong", 0) + 1


def run(report, quick):
    seconds = 8 if quick else 30
    with Server("--request-timeout", "%ds" % REQUEST_TIMEOUT_S, "--max-connections", str(MAX_CONNECTIONS),
                fd_limit=MAX_CONNECTIONS + 2000) as server:
        baseline_fds = server.fds()
        # Its own descriptors, the connections it keeps, and a few accepted only to be
        # answered 503 and closed.
        fd_bound = MAX_CONNECTIONS + baseline_fds + 8
        attacks = [
            ("slowloris: %d connections sending headers a byte per 100 ms (--request-timeout %ds)" % (
                200 if quick else 1000, REQUEST_TIMEOUT_S), slowloris, 200 if quick else 1000, 1),
            ("idle: %d connections that send nothing (--max-connections %d)" % (MAX_CONNECTIONS + 500, MAX_CONNECTIONS),
             idle_flood, MAX_CONNECTIONS + 500, 1),
            ("oversize: headers of 20 kB (431) and bodies of 1 MB, sent whole (413, never a reset)", oversize, 0, 2),
            ("disconnects: resets mid-request, mid-answer, mid-prompt", disconnects, 0, 2),
            ("garbage: a push with garbage pipelined behind it, and random bytes", garbage, 0, 2),
        ]
        for name, attack, count, threads in attacks:
            monitor = Monitor(server)
            monitor.start()
            good = GoodClient(server.port, seconds)
            time.sleep(0.5)  # the good caller holds its connections before the attack starts
            stop = threading.Event()
            stats = {}
            workers = [threading.Thread(target=attack, args=(server.port, stop, stats, count)) for _ in range(threads)]
            for w in workers:
                w.start()
            time.sleep(seconds - 1)
            during = server.metrics()
            stop.set()
            for w in workers:
                w.join(60)
            result = good.result()
            monitor.stop()
            alive = server.proc.poll() is None
            wrong = stats.pop("wrong", 0)
            ok = (alive and result["failures"] == 0 and result["requests"] > 0 and result["p99_ms"] <= P99_BOUND_MS
                  and monitor.max_rss <= RSS_BOUND_MB * 1024 and monitor.max_fds <= fd_bound and wrong == 0)
            if attack is idle_flood:
                refused_503 = stats.get("refused", {}).get(503, 0)
                ok = ok and stats.get("held", 0) <= MAX_CONNECTIONS and refused_503 > 0 \
                    and set(stats.get("refused", {})) == {503}
            report("attacks: " + name, ok,
                   "good caller: %d requests, %d failed%s, p50 %.1f ms, p99 %.1f ms (bound %.0f), max %.1f ms; "
                   "server max RSS %.1f MB (bound %.0f), max fds %d (bound %d), open connections at end of attack %d; "
                   "attack: %s%s" % (
                       result["requests"], result["failures"], (" %s" % result["errors"]) if result["failures"] else "",
                       result["p50_ms"], result["p99_ms"], P99_BOUND_MS, result["max_ms"], monitor.max_rss / 1024,
                       RSS_BOUND_MB, monitor.max_fds, fd_bound, during.get("touchtone_connections_open", -1),
                       stats, (", %d wrong answers" % wrong) if wrong else ""))
            # Let the server notice the resets before the next attack.
            deadline = time.time() + 10
            while time.time() < deadline and server.metrics().get("touchtone_connections_open", 0) > 1:
                time.sleep(0.2)
        final = server.metrics()
        report("attacks: server afterwards", server.proc.poll() is None and final.get("touchtone_connections_open", 99) <= 1,
               "alive, open connections %d, RSS %.1f MB (holding %d live sessions the attacks' newCalls left), fds %d, "
               "refused by reason %s" % (
                   final.get("touchtone_connections_open", -1), server.rss_kb() / 1024,
                   final.get("touchtone_sessions_live", -1), server.fds(),
                   {k.split('"')[1]: int(v) for k, v in final.items() if k.startswith("touchtone_refused_total")}))
