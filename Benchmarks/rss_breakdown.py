#!/usr/bin/env python3
"""Where a running process's resident memory is: `python3 Benchmarks/rss_breakdown.py PID [PID...]`.

Prints VmRSS, RssAnon, RssFile and PSS, the resident KiB by group (`cluster_lab.rss_breakdown_kib`:
file pages of the binary, the Swift runtime, Foundation and other libraries; anonymous pages by
kind) and the threads by name. The cluster benchmark prints the same for h0 of its idle phase.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_lab import rss_breakdown_kib, rss_kib, thread_names  # noqa: E402


def pss_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return None


def main():
    for pid in (int(arg) for arg in sys.argv[1:]):
        print("pid %d (%s): VmRSS %.1f MiB, RssAnon %.1f MiB, RssFile %.1f MiB, PSS %.1f MiB"
              % (pid, os.path.basename(os.path.realpath("/proc/%d/exe" % pid)), rss_kib(pid) / 1024,
                 rss_kib(pid, "RssAnon") / 1024, rss_kib(pid, "RssFile") / 1024, pss_kib(pid) / 1024))
        for group, kib in sorted(rss_breakdown_kib(pid).items(), key=lambda g: -g[1]):
            print("   %-50s %6.2f MiB" % (group, kib / 1024))
        names = thread_names(pid)
        print("   threads: %d (%s)" % (sum(names.values()), ", ".join("%s x%d" % n for n in sorted(names.items()))))


if __name__ == "__main__":
    main()
