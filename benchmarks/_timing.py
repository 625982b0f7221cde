"""Shared by the benchmarks: run variants alternately, report medians and ratios."""
import platform
import statistics
import time


def machine():
    """Cores and CPU model, for the printed header and RESULTS.md."""
    import os

    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def alternate(variants, repeats):
    """Time each variant ``repeats`` times, alternating; return {name: [seconds]}.

    The order rotates every round, so no variant always runs right after the
    same other one (a variant that leaves threads or caches behind would
    otherwise tax one neighbour only).
    """
    times = {name: [] for name in variants}
    names = list(variants)
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            run = variants[name]
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def report(title, times, base):
    """Print each variant's median and its ratio to ``base``'s median."""
    ref = statistics.median(times[base])
    print(title)
    print(f"{'variant':44} {'median s':>9} {'ratio':>8}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:44} {med:9.3f} {med / ref:7.3f}x")
