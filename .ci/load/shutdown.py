"""Check 3: SIGTERM under load (in-flight answers complete, exit 0, sessions saved, a
restart with the same --state-file carries the calls on), then kill -9 under load (what is
lost is measured and printed)."""
import os
import random
import shutil
import signal
import tempfile
import threading
import time

from lib import Conn, Server, post, new_call, dtmf, hangup, answer_kind, Closed, HalfResponse


def prepare(server, prefix, count, rng):
    """`count` calls left mid-menu, each after 0-2 misses; returns {callId: misses}."""
    calls = {}
    conns = [Conn(server.port) for _ in range(4)]
    for i in range(count):
        cid = "%s-%05d" % (prefix, i)
        misses = rng.randint(0, 2)
        c = conns[i % len(conns)]
        for body in [new_call(cid)] + [dtmf(cid, "9")] * misses:
            status, _, answer = c.request(post(body))
            assert status == 200 and answer_kind(answer) == "gather", (cid, status, answer)
        calls[cid] = misses
    for c in conns:
        c.close()
    return calls


class Load:
    """Workers placing calls (newCall, misses, a final key, hangup) until the server goes
    away; every request ends as answered, refused before any byte, or half answered."""

    def __init__(self, port, prefix, workers=16):
        self.port, self.prefix = port, prefix
        self.lock = threading.Lock()
        self.answered = self.closed = self.half = self.wrong = 0
        self.answered_after_signal = 0
        self.signal_time = None
        self.live = {}  # callId -> misses, for calls whose every push was answered
        self.uncertain = set()  # calls with a push that got no answer
        self.errors = []
        self.threads = [threading.Thread(target=self.worker, args=(w,)) for w in range(workers)]
        for t in self.threads:
            t.start()

    def worker(self, w):
        rng = random.Random(w)
        try:
            conn = Conn(self.port, timeout=30)
        except OSError:
            return
        n = 0
        while True:
            cid = "%s-w%d-%d" % (self.prefix, w, n)
            n += 1
            misses = rng.randint(0, 2)
            final = rng.choice(["1", "2"])
            steps = [(new_call(cid), "gather")] + [(dtmf(cid, "9"), "gather")] * misses + [
                (dtmf(cid, final), "dial" if final == "1" else "voicemail"), (hangup(cid), "empty")]
            for k, (body, want) in enumerate(steps):
                try:
                    status, _, answer = conn.request(post(body))
                except Closed:
                    with self.lock:
                        self.closed += 1
                        self.uncertain.add(cid)
                    return
                except HalfResponse as e:
                    with self.lock:
                        self.half += 1
                        self.errors.append(str(e))
                        self.uncertain.add(cid)
                    return
                with self.lock:
                    self.answered += 1
                    if self.signal_time is not None:
                        self.answered_after_signal += 1
                    if status != 200 or answer_kind(answer) != want:
                        self.wrong += 1
                    if want == "gather":
                        self.live[cid] = k  # k-th push answered: k misses so far
                    else:
                        self.live.pop(cid, None)
                time.sleep(0.001)

    def join(self, timeout=60):
        for t in self.threads:
            t.join(timeout)


def check_restored(server, calls, rng):
    """Next answers for restored calls: half press 1 (Dial), half miss once more (Gather,
    or Hangup at the third miss), then hang up. Returns the wrong ones."""
    wrong = []
    conns = [Conn(server.port) for _ in range(4)]
    for i, (cid, misses) in enumerate(sorted(calls.items())):
        c = conns[i % len(conns)]
        if rng.random() < 0.5:
            body, want = dtmf(cid, "1"), "dial"
        else:
            body, want = dtmf(cid, "9"), "gather" if misses + 1 < 3 else "hangup"
        status, _, answer = c.request(post(body))
        if status != 200 or answer_kind(answer) != want:
            wrong.append((cid, misses, want, answer_kind(answer)))
        c.request(post(hangup(cid)))
    for c in conns:
        c.close()
    return wrong


def run(report, quick):
    rng = random.Random(3)
    prepared_count = 200 if quick else 1000
    folder = tempfile.mkdtemp(prefix="touchtone-load-")
    state = os.path.join(folder, "sessions.jsonl")

    # SIGTERM while 16 callers are mid-call.
    server = Server("--state-file", state)
    try:
        prepared = prepare(server, "kept", prepared_count, rng)
        load = Load(server.port, "term")
        time.sleep(2.0)
        with load.lock:
            load.signal_time = time.time()
            answered_before = load.answered
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(30)
        stop_seconds = time.time() - load.signal_time
        load.join()
    finally:
        server.kill()
    saved_lines = sum(1 for _ in open(state)) if os.path.exists(state) else 0
    saved_bytes = os.path.getsize(state) if os.path.exists(state) else 0
    known = dict(prepared)
    known.update({cid: m for cid, m in load.live.items() if cid not in load.uncertain})
    restarted = Server("--state-file", state)
    try:
        live_after_restart = restarted.metrics().get("touchtone_sessions_live", -1)
        wrong = check_restored(restarted, known, rng)
        ok = (code == 0 and load.half == 0 and load.wrong == 0 and saved_lines > 0
              and len(known) <= live_after_restart <= len(known) + len(load.uncertain) and not wrong)
        report("shutdown: SIGTERM with %d callers mid-call, restart with the same --state-file" % len(load.threads), ok,
               "exit code %s after %.2f s; %d answers before the signal, %d after it, %d half answers, %d pushes "
               "refused before any byte (connection closed), %d wrong; state file %d lines (%d bytes); after restart %d live "
               "sessions (expected %d known + up to %d uncertain); %d restored calls given their next key: %d wrong%s" % (
                   code, stop_seconds, answered_before, load.answered_after_signal, load.half, load.closed, load.wrong,
                   saved_lines, saved_bytes, live_after_restart, len(known),
                   len(load.uncertain), len(known), len(wrong), (" e.g. %s" % wrong[:3]) if wrong else ""))

        # kill -9 while callers are mid-call: sessions since this start are in memory only.
        fresh = prepare(restarted, "since", 100, rng)  # calls begun after the restart
        load = Load(restarted.port, "nine")
        time.sleep(2.0)
        # The restarted server moved the restored file aside (to STATE.restored).
        moved_aside = not os.path.exists(state) and os.path.exists(state + ".restored")
        restarted.proc.send_signal(signal.SIGKILL)
        restarted.proc.wait(10)
        load.join()
    finally:
        restarted.kill()
    nothing_written = not os.path.exists(state)
    third = Server("--state-file", state)
    try:
        live3 = third.metrics().get("touchtone_sessions_live", -1)
        # A call begun after the restart: unknown now.
        c = Conn(third.port)
        lost_answers = {}
        for cid in list(fresh)[:20]:
            _, _, answer = c.request(post(dtmf(cid, "1")))
            lost_answers[answer_kind(answer)] = lost_answers.get(answer_kind(answer), 0) + 1
        # A call the SIGTERM saved and the restarted server then finished (hung up): back again.
        back = {}
        for cid in list(prepared)[:20]:
            _, _, answer = c.request(post(dtmf(cid, "1")))
            back[answer_kind(answer)] = back.get(answer_kind(answer), 0) + 1
        c.close()
    finally:
        third.kill()
        shutil.rmtree(folder, ignore_errors=True)
    ok = moved_aside and nothing_written and lost_answers == {"hangup": min(20, len(fresh))} \
        and back == {"hangup": min(20, len(prepared))}
    report("shutdown: kill -9 with %d callers mid-call (what is lost, measured)" % len(load.threads), ok,
           "the restored state file was moved aside at start: %s; the killed server wrote none: %s; after restart %d "
           "live sessions: every call in memory is lost (%d+ calls begun since the start: their next push gets %s, "
           "i.e. <Response><Hangup/></Response> for an unknown call), and no old snapshot comes back (%d calls saved "
           "by the earlier SIGTERM asked for key 1: %s); %d half answers, %d pushes cut before any byte at the kill" % (
               moved_aside, nothing_written, live3, len(fresh) + len(load.live), lost_answers, sum(back.values()), back,
               load.half, load.closed))
