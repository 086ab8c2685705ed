"""Time from exec to the first answered request: starts COMMAND, polls GET /healthz on
PORT every millisecond, prints milliseconds. Repeats N times and prints the median.
usage: startup-time.py PORT N COMMAND..."""
import socket
import subprocess
import sys
import time

port, runs, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
times = []
for _ in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    answered = None
    while time.perf_counter() - start < 10:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    answered = time.perf_counter() - start
                    break
        except OSError:
            time.sleep(0.001)
    proc.terminate()
    proc.wait()
    if answered is None:
        sys.exit("no answer within 10 s")
    times.append(answered * 1000)
times.sort()
print("start-up to first answer: median %.1f ms, min %.1f ms, max %.1f ms over %d runs" % (times[len(times) // 2], times[0], times[-1], runs))
