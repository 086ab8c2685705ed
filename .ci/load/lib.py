"""Shared pieces of the load and fault checks: start the real server, speak HTTP/1.1
over keep-alive sockets, read /metrics, RSS and open descriptors. Loopback only."""
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.join(ROOT, ".build", "release", "touchtone")
HOST = "127.0.0.1"

GATHER = b"<Gather "
DIAL = b"<Dial><Number>4915799912345</Number></Dial>"
VOICEMAIL = b"<Dial><Voicemail/></Dial>"
HANGUP = b"<Hangup/>"
EMPTY = b"<Response/>"


def raise_fd_limit(want=20000):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def answer_kind(body):
    """The verb of an answer: gather, dial, voicemail, hangup, empty, or other."""
    if GATHER in body:
        return "gather"
    if DIAL in body:
        return "dial"
    if VOICEMAIL in body:
        return "voicemail"
    if HANGUP in body:
        return "hangup"
    if EMPTY in body:
        return "empty"
    return "other"


def form(**fields):
    return "&".join("%s=%s" % (k, v) for k, v in fields.items()).encode()


def new_call(call_id):
    return form(event="newCall", **{"from": "492111234567"}, to="4921100000", direction="in", callId=call_id)


def dtmf(call_id, key):
    return form(event="dtmf", dtmf=key, callId=call_id)


def hangup(call_id):
    return form(event="hangup", cause="normalClearing", callId=call_id, **{"from": "492111234567"}, to="4921100000", direction="in")


def post(body):
    return (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


class HalfResponse(Exception):
    """The connection ended in the middle of a response."""


class Closed(Exception):
    """The connection ended before any byte of the response."""


class Conn:
    """One keep-alive HTTP/1.1 client connection with a blocking, timed read."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def request(self, raw):
        try:
            self.sock.sendall(raw)
        except OSError as e:
            raise Closed(str(e))
        return self.read_response()

    def read_response(self):
        """(status, headers dict lowercased, body)."""
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            self._fill()
        head = self.buf[:end].decode("latin-1").split("\r\n")
        try:
            status = int(head[0].split(" ")[1])
        except (IndexError, ValueError):
            raise HalfResponse("bad status line %r" % head[0])
        headers = {}
        for line in head[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < end + 4 + length:
            self._fill()
        body = self.buf[end + 4:end + 4 + length]
        self.buf = self.buf[end + 4 + length:]
        return status, headers, body

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise HalfResponse("timed out with %d bytes" % len(self.buf)) if self.buf else Closed("timed out")
        except OSError as e:
            chunk = b""
            if not self.buf:
                raise Closed(str(e))
        if not chunk:
            if self.buf:
                raise HalfResponse("closed after %d bytes" % len(self.buf))
            raise Closed("closed before any byte")
        self.buf += chunk


class Server:
    """`touchtone serve` on 127.0.0.1 as a child process."""

    def __init__(self, *args, port=None, fd_limit=20000):
        self.port = port or free_port()
        self.args = ["serve", "--port", str(self.port), "--log-format", "off", "--flows", "reference"] + list(args)
        self.log_path = "/tmp/touchtone-load-%d.log" % self.port
        self.log = open(self.log_path, "w")

        def limits():
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(fd_limit, hard), hard))
        self.proc = subprocess.Popen([BINARY] + self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=ROOT, preexec_fn=limits)
        self.pid = self.proc.pid
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited during start: %s" % self.log_text())
            try:
                socket.create_connection((HOST, self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("server did not listen within 15 s")

    def log_text(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def metrics(self):
        c = Conn(self.port, timeout=10)
        try:
            status, _, body = c.request(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        finally:
            c.close()
        values = {}
        for line in body.decode().splitlines():
            if line and not line.startswith("#"):
                k, _, v = line.rpartition(" ")
                try:
                    values[k] = float(v)
                except ValueError:
                    pass
        return values

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def fds(self):
        try:
            return len(os.listdir("/proc/%d/fd" % self.pid))
        except OSError:
            return 0

    def terminate(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()
            if not os.environ.get("TOUCHTONE_LOAD_KEEP_LOGS"):
                os.unlink(self.log_path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


class Monitor(threading.Thread):
    """Samples the server's RSS and open descriptors every 50 ms."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.max_rss = 0
        self.max_fds = 0
        self.stop_flag = threading.Event()

    def run(self):
        while not self.stop_flag.is_set():
            self.max_rss = max(self.max_rss, self.server.rss_kb())
            self.max_fds = max(self.max_fds, self.server.fds())
            time.sleep(0.05)

    def stop(self):
        self.stop_flag.set()
        self.join()


def percentile(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100.0))]


class GoodClient:
    """A well-behaved caller in its own process (no GIL shared with the attackers):
    whole calls (newCall, a key, hangup) over keep-alive connections, one after another."""

    def __init__(self, port, seconds, connections=2):
        self.proc = subprocess.Popen([sys.executable, __file__, "goodclient", str(port), str(seconds), str(connections)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def result(self):
        out, err = self.proc.communicate(timeout=600)
        try:
            return json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            return {"requests": 0, "failures": 1, "errors": [err.decode()[-500:]], "p50_ms": 0, "p99_ms": 0, "max_ms": 0}


def good_client_main(port, seconds, connections):
    rng = random.Random(os.getpid())
    latencies, errors = [], []
    failures = 0
    end = time.time() + seconds
    lock = threading.Lock()

    def worker(w):
        nonlocal failures
        conn = Conn(port)
        n = 0
        while time.time() < end:
            cid = "good-%d-%d-%d" % (os.getpid(), w, n)
            n += 1
            key = rng.choice("12")
            plan = [(new_call(cid), "gather"), (dtmf(cid, key), "dial" if key == "1" else "voicemail"), (hangup(cid), "empty")]
            for body, want in plan:
                t0 = time.perf_counter()
                try:
                    status, _, answer = conn.request(post(body))
                    dt = (time.perf_counter() - t0) * 1000
                    ok = status == 200 and answer_kind(answer) == want
                    detail = "status %d kind %s want %s" % (status, answer_kind(answer), want)
                except (Closed, HalfResponse, OSError) as e:
                    dt = (time.perf_counter() - t0) * 1000
                    ok, detail = False, "%s: %s" % (type(e).__name__, e)
                    conn.close()
                    conn = Conn(port)
                with lock:
                    latencies.append(dt)
                    if not ok:
                        failures += 1
                        if len(errors) < 5:
                            errors.append(detail)
                time.sleep(0.002)
        conn.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"requests": len(latencies), "failures": failures, "errors": errors,
                      "p50_ms": round(percentile(latencies, 50), 2), "p99_ms": round(percentile(latencies, 99), 2),
                      "max_ms": round(max(latencies) if latencies else 0, 2)}))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "goodclient":
    good_client_main(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
