#!/usr/bin/env python3
"""Prints JMH JSON results as Markdown tables of medians (over every fork's measurement iterations).

GEMM rows also get GFLOPS = 2*M*N*K / median time; elementwise rows get elements per second.
Usage: summarize.py results/*.json
"""
import json
import statistics
import sys

TO_SECONDS = {"ns/op": 1e-9, "us/op": 1e-6, "ms/op": 1e-3, "s/op": 1.0}


def median(result):
    raw = [v for fork in result["primaryMetric"]["rawData"] for v in fork]
    return statistics.median(raw)


def gflops(shape, seconds):
    m, k, n = (int(v) for v in shape.split(":")[0].split("x"))
    return 2.0 * m * n * k / seconds / 1e9


def elements(size):
    if "x" in size:
        r, c = size.split("x")
        return int(r) * int(c)
    return int(size)


def main(paths):
    for path in paths:
        with open(path) as f:
            results = json.load(f)
        if not results:
            continue
        print(f"\n### {path}\n")
        for r in results:
            name = r["benchmark"].rsplit(".", 2)
            bench = ".".join(name[-2:])
            params = r.get("params", {})
            unit = r["primaryMetric"]["scoreUnit"]
            med = median(r)
            extra = ""
            if "shape" in params:
                extra = f" | {gflops(params['shape'], med * TO_SECONDS[unit]):.1f} GFLOPS"
            elif "size" in params:
                extra = f" | {elements(params['size']) / (med * TO_SECONDS[unit]) / 1e9:.2f} G elements/s"
            gc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
            if gc:
                extra += f" | {gc['score']:.1f} B/op"
            p = ", ".join(f"{k}={v}" for k, v in params.items())
            print(f"| {bench} | {p} | {med:.3f} {unit}{extra} |")


if __name__ == "__main__":
    main(sys.argv[1:])
