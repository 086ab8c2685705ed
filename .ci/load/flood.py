"""Check 4: a flood of newCalls with random callIds against --max-sessions. The live count
never passes the limit (sampled from /metrics during the flood), every call past it gets an
empty <Response/> (it rings on as without Touchtone), RSS stays within its bound."""
import os
import random
import threading
import time

from lib import Conn, Server, Monitor, post, new_call

RSS_BOUND_MB = {True: float(os.environ.get("TOUCHTONE_LOAD_FLOOD_RSS_MB_QUICK", "128")),
                False: float(os.environ.get("TOUCHTONE_LOAD_FLOOD_RSS_MB", "512"))}
BATCH, CONNECTIONS = 128, 4


def drain(conn, want, counts):
    """Reads `want` pipelined answers, counting gathers, empties and anything else."""
    buf = conn.buf
    got = 0
    while got < want:
        end = buf.find(b"\r\n\r\n")
        if end >= 0:
            cl_at = buf.find(b"Content-Length: ", 0, end)
            length = int(buf[cl_at + 16:buf.find(b"\r\n", cl_at)]) if cl_at >= 0 else 0
            if len(buf) >= end + 4 + length:
                body = buf[end + 4:end + 4 + length]
                if not buf.startswith(b"HTTP/1.1 200"):
                    counts["not 200"] += 1
                elif b"<Gather " in body:
                    counts["gather"] += 1
                elif body.endswith(b"<Response/>"):
                    counts["empty"] += 1
                else:
                    counts["other"] += 1
                buf = buf[end + 4 + length:]
                got += 1
                continue
        chunk = conn.sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed after %d answers" % got)
        buf += chunk
    conn.buf = buf


def run(report, quick):
    total, limit = (200_000, 20_000) if quick else (1_000_000, 100_000)
    rng = random.Random(5)
    with Server("--max-sessions", str(limit)) as server:
        server.metrics()
        baseline_rss = server.rss_kb()
        monitor = Monitor(server)
        monitor.start()
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], int(server.metrics().get("touchtone_sessions_live", 0)))
                time.sleep(0.1)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        conns = [Conn(server.port, timeout=60) for _ in range(CONNECTIONS)]
        counts = {"gather": 0, "empty": 0, "other": 0, "not 200": 0}
        sent = 0
        t0 = time.time()
        rss_at_limit = None
        while sent < total:
            batches = []
            for c in conns:
                k = min(BATCH, total - sent)
                if k <= 0:
                    break
                c.sock.sendall(b"".join(post(new_call("%016x%016x" % (rng.getrandbits(64), rng.getrandbits(64))))
                                        for _ in range(k)))
                sent += k
                batches.append((c, k))
            for c, k in batches:
                drain(c, k, counts)
            if rss_at_limit is None and counts["gather"] >= limit:
                rss_at_limit = server.rss_kb()
        elapsed = time.time() - t0
        stop.set()
        sampler.join()
        monitor.stop()
        end = server.metrics()
        for c in conns:
            c.close()
        live = int(end.get("touchtone_sessions_live", -1))
        refused = int(end.get('touchtone_refused_total{reason="store_full"}', 0))
        per_session = ((rss_at_limit or server.rss_kb()) - baseline_rss) * 1024 / max(1, live)
        ok = (peak[0] <= limit and live == limit and counts["gather"] == limit and counts["empty"] == total - limit
              and counts["other"] == 0 and counts["not 200"] == 0 and refused == total - limit
              and monitor.max_rss <= RSS_BOUND_MB[quick] * 1024)
        report("flood: %d newCalls with random callIds against --max-sessions %d" % (total, limit), ok,
               "%.1f s (%.0f pushes/s over %d pipelined keep-alive connections); answers: %d Gather, %d empty <Response/>, "
               "%d other, %d not 200; live sessions: peak sampled %d, at end %d; store_full refusals %d; RSS %.1f MB "
               "before, %.1f MB at the limit, max %.1f MB (bound %.0f); %.0f bytes per session" % (
                   elapsed, total / elapsed, CONNECTIONS, counts["gather"], counts["empty"], counts["other"],
                   counts["not 200"], peak[0], live, refused, baseline_rss / 1024, (rss_at_limit or 0) / 1024,
                   monitor.max_rss / 1024, RSS_BOUND_MB[quick], per_session))
