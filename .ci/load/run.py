"""Runs every load and fault check against the real server; one PASS/FAIL line per check."""
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

results = []


def report(name, ok, figures):
    results.append(ok)
    print("%s %s\n     %s" % ("PASS" if ok else "FAIL", name, figures), flush=True)


def main():
    quick = "--quick" in sys.argv[1:]
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    lib.raise_fd_limit(40000)
    load = os.getloadavg()
    print("touchtone load and faults (%s), %s, load average %.2f %.2f %.2f, %d cores" % (
        "quick" if quick else "full", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load[0], load[1], load[2],
        os.cpu_count()), flush=True)
    started = time.time()
    import attacks
    import calls
    import flood
    import shutdown
    steps = [
        ("calls", lambda: calls.run(report, calls=1000, connections=100)),
        ("attacks", lambda: attacks.run(report, quick)),
        ("shutdown", lambda: shutdown.run(report, quick)),
        ("flood", lambda: flood.run(report, quick)),
    ]
    for name, step in steps:
        if only and name not in only:
            continue
        t0 = time.time()
        try:
            step()
        except Exception as e:  # a check that crashes is a failed check
            import traceback
            traceback.print_exc()
            report("%s: crashed" % name, False, "%s: %s" % (type(e).__name__, e))
        print("     (%s took %.1f s)" % (name, time.time() - t0), flush=True)
    failed = results.count(False)
    print("%s: %d checks, %d failed, %.0f s" % ("PASS" if failed == 0 else "FAIL", len(results), failed, time.time() - started))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
