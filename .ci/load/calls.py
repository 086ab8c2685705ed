"""Check 1: N concurrent calls, their events interleaved over many keep-alive connections.

Each call plays newCall, 0-2 misses (a wrong key or a silence, i.e. an empty dtmf), then
1 (Dial), 2 (Voicemail) or a third miss (Hangup), then hangup. Hangups are held back until
every call has its session, so all N are live at once. Every answer is checked against the
call's own plan: a session mixed with another call's would show as a wrong verb."""
import random
import threading
import time

from lib import Conn, Server, Monitor, post, new_call, dtmf, hangup, answer_kind, percentile, Closed, HalfResponse


def plan_for(rng, cid):
    misses = rng.randint(0, 2)
    steps = [(new_call(cid), "gather")]
    for _ in range(misses):
        steps.append((dtmf(cid, rng.choice(["", "3", "9", "0", "*", "#"])), "gather"))
    final = rng.choice(["1", "2", "miss"])
    if final == "1":
        steps.append((dtmf(cid, "1"), "dial"))
    elif final == "2":
        steps.append((dtmf(cid, "2"), "voicemail"))
    else:
        for i in range(3 - misses):
            steps.append((dtmf(cid, rng.choice(["", "7"])), "gather" if i < 2 - misses else "hangup"))
    steps.append((hangup(cid), "empty"))
    return steps


def run(report, calls=1000, connections=100, seed=1):
    rng = random.Random(seed)
    with Server() as server:
        monitor = Monitor(server)
        monitor.start()
        plans = {"call-%05d-%x" % (i, rng.getrandbits(32)): None for i in range(calls)}
        for cid in plans:
            plans[cid] = plan_for(rng, cid)
        position = {cid: 0 for cid in plans}
        ready = list(plans)  # calls whose previous answer has arrived
        lock = threading.Condition()
        started = [0]
        all_started = threading.Event()
        wrong, failures, latencies = [], [], []
        peak = {}
        done = [0]

        def take():
            with lock:
                while True:
                    if done[0] == calls:
                        return None
                    choices = [i for i in range(len(ready))
                               if all_started.is_set() or plans[ready[i]][position[ready[i]]][1] != "empty"]
                    if choices:
                        i = rng.choice(choices)
                        ready[i], ready[-1] = ready[-1], ready[i]
                        return ready.pop()
                    lock.wait(0.5)

        def worker():
            conn = Conn(server.port)
            while True:
                cid = take()
                if cid is None:
                    break
                body, want = plans[cid][position[cid]]
                t0 = time.perf_counter()
                try:
                    status, _, answer = conn.request(post(body))
                    kind = answer_kind(answer) if status == 200 else "status %d" % status
                except (Closed, HalfResponse, OSError) as e:
                    kind = "%s %s" % (type(e).__name__, e)
                    conn.close()
                    conn = Conn(server.port)
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    latencies.append(dt)
                    if kind != want:
                        wrong.append((cid, position[cid], want, kind))
                    position[cid] += 1
                    if position[cid] == 1:
                        started[0] += 1
                        if started[0] == calls:
                            # Every call has its session and none has hung up yet.
                            peak.update(server.metrics())
                            all_started.set()
                    if position[cid] < len(plans[cid]):
                        ready.append(cid)
                    else:
                        done[0] += 1
                    lock.notify_all()
            conn.close()

        t0 = time.time()
        threads = [threading.Thread(target=worker) for _ in range(connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        elapsed = time.time() - t0
        monitor.stop()
        end = server.metrics()
        events = sum(len(p) for p in plans.values())
        finals = {}
        for p in plans.values():
            finals[p[-2][1]] = finals.get(p[-2][1], 0) + 1
        ok = (not wrong and done[0] == calls and peak.get("touchtone_sessions_live") == calls
              and end.get("touchtone_sessions_live") == 0 and end.get("touchtone_unknown_call_events_total") == 0)
        report("calls: %d concurrent calls, events interleaved over %d keep-alive connections" % (calls, connections), ok,
               "%d events in %.1f s (%.0f/s), p50 %.1f ms p99 %.1f ms; peak live sessions %d, live at end %d, "
               "unknown-call events %d; endings %s; wrong answers %d%s; max RSS %.1f MB, max fds %d" % (
                   events, elapsed, events / elapsed, percentile(latencies, 50), percentile(latencies, 99),
                   peak.get("touchtone_sessions_live", -1), end.get("touchtone_sessions_live", -1),
                   end.get("touchtone_unknown_call_events_total", -1), finals, len(wrong),
                   (" e.g. %s" % (wrong[:3],)) if wrong else "", monitor.max_rss / 1024, monitor.max_fds))
