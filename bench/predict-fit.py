#!/usr/bin/env python3
"""Fit BG/NBD and Gamma-Gamma with the Python `lifetimes` package, for
comparison with kaleido::predict (figures and fit times).

Usage:
    python3 -m venv /tmp/lt && /tmp/lt/bin/pip install lifetimes
    cargo test --release --test predict timing -- --ignored --nocapture   # writes the 100k CSV
    /tmp/lt/bin/python bench/predict-fit.py [SHARED_DIR] [/tmp/kaleido-predict-100k.csv]

SHARED_DIR defaults to $KALEIDO_SHARED, else ../shared beside the repo, else /work/shared.

Benchmark mode (spawned by bench/predict.mjs on the CSV it generated):
    /tmp/lt/bin/python bench/predict-fit.py --bench CSV [--score N | --score-csv CSV2] [--horizon H]
prints one JSON object: fit and scoring times in seconds and the fitted parameters.
"""
import json
import os
import sys
import time
import warnings

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter

warnings.filterwarnings("ignore")


def shared_dir():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("KALEIDO_SHARED"):
        return os.environ["KALEIDO_SHARED"]
    beside = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
    return beside if os.path.isdir(beside) else "/work/shared"


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - start:.3f} s")
    return result


def bench(path, score_n, horizon, score_csv=None):
    """Times lifetimes on the benchmark CSV: both fits, then P(alive) +
    E[Y(horizon)] + P(no purchase ... ) for score_n customers (the CSV tiled)."""
    import lifetimes
    import numpy as np

    s = pd.read_csv(path)
    out = {"lifetimes": lifetimes.__version__, "customers": len(s)}
    start = time.perf_counter()
    bgf = BetaGeoFitter().fit(s.frequency, s.recency, s["T"])
    out["bgFit"] = time.perf_counter() - start
    out["bgNbd"] = {k: float(v) for k, v in bgf.params_.items()}
    rep = s[s.frequency > 0]
    start = time.perf_counter()
    ggf = GammaGammaFitter().fit(rep.frequency, rep.monetary_value)
    out["ggFit"] = time.perf_counter() - start
    out["gammaGamma"] = {k: float(v) for k, v in ggf.params_.items()}
    if score_csv:
        sc = pd.read_csv(score_csv)
        f, r, t = sc.frequency.to_numpy(), sc.recency.to_numpy(), sc["T"].to_numpy()
    else:
        reps = -(-score_n // len(s))
        f = np.tile(s.frequency.to_numpy(), reps)[:score_n]
        r = np.tile(s.recency.to_numpy(), reps)[:score_n]
        t = np.tile(s["T"].to_numpy(), reps)[:score_n]
    start = time.perf_counter()
    alive = bgf.conditional_probability_alive(f, r, t)
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(horizon, f, r, t)
    out["score"] = time.perf_counter() - start
    out["scored"] = int(len(f))
    out["checksum"] = float(np.sum(alive) + np.sum(expected))
    print(json.dumps(out))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--bench":
        args = sys.argv[2:]
        flag = lambda name, default: type(default)(args[args.index(name) + 1]) if name in args else default
        bench(args[0], flag("--score", 1_000_000), flag("--horizon", 13.0), flag("--score-csv", ""))
        return
    cdnow = os.path.join(shared_dir(), "corpora", "cdnow")
    d = pd.read_csv(os.path.join(cdnow, "cdnow_customers_summary.csv"))
    # Note: d.T is pandas' transpose; the column is d["T"].
    bgf = timed("lifetimes BG/NBD fit, CDNOW 2,357", lambda: BetaGeoFitter().fit(d.frequency, d.recency, d["T"]))
    print("  ", {k: round(v, 6) for k, v in bgf.params_.items()})
    g = pd.read_csv(os.path.join(cdnow, "cdnow_customers_summary_with_transactions.csv"))
    r = g[g.x > 0]
    ggf = timed("lifetimes Gamma-Gamma fit, CDNOW 946 repeaters", lambda: GammaGammaFitter().fit(r.x, r.zbar))
    print("  ", {k: round(v, 6) for k, v in ggf.params_.items()})
    print("   E[Y(39) | 2, 30.43, 38.86] =", float(bgf.conditional_expected_number_of_purchases_up_to_time(39, 2, 30.43, 38.86)))

    big = sys.argv[2] if len(sys.argv) > 2 else "/tmp/kaleido-predict-100k.csv"
    if os.path.exists(big):
        s = pd.read_csv(big)
        bgf = timed(f"lifetimes BG/NBD fit, {len(s):,} synthetic", lambda: BetaGeoFitter().fit(s.frequency, s.recency, s["T"]))
        print("  ", {k: round(v, 6) for k, v in bgf.params_.items()})
        rep = s[s.frequency > 0]
        ggf = timed(f"lifetimes Gamma-Gamma fit, {len(rep):,} synthetic repeaters",
                    lambda: GammaGammaFitter().fit(rep.frequency, rep.monetary_value))
        print("  ", {k: round(v, 6) for k, v in ggf.params_.items()})
    else:
        print(f"({big} not found: run the ignored timing test first)")


if __name__ == "__main__":
    main()
