#!/usr/bin/python3
"""scikit-learn as the comparator of mercato's clustering (tests/analytics/clustering_test.cc and
bench/cluster_bench.cc). Never used by the engine itself.

Matrices are files of rows: ".csv" (comma-separated, no header) or ".f64" (raw little-endian
float64, row-major; needs --cols). Prints one JSON object.

  sklearn_clustering.py kmeans MATRIX --centres CENTRES [--cols D] [--max-iter 300] [--tol 1e-4]
                        [--algorithm lloyd|elkan] [--repeat 1]
      KMeans(n_clusters=len(CENTRES), init=CENTRES, n_init=1) on MATRIX:
      {"inertia", "iterations", "seconds" (fastest fit of --repeat), "threads", "sklearn"}
  sklearn_clustering.py dbscan MATRIX --eps E --min-samples M [--cols D] [--labels OURS]
                        [--n-jobs N] [--no-labels]
      DBSCAN(eps, min_samples, n_jobs) on MATRIX: {"labels", "clusters", "noise", "seconds",
      "n_jobs", "sklearn"}
      and, with --labels (one integer per line), "ari": adjusted_rand_score(OURS, labels) and
      "equal": whether the labels are identical.

Run it with Debian's interpreter, /usr/bin/python3 (python3-sklearn).
"""

import argparse
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, KMeans
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_info


def load(path, cols):
    if path.endswith(".f64"):
        if not cols:
            sys.exit("--cols is needed for a .f64 matrix")
        return np.fromfile(path, dtype="<f8").reshape(-1, cols)
    return np.atleast_2d(np.loadtxt(path, delimiter=",", dtype=np.float64))


def openmp_threads():
    counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "openmp"]
    return max(counts) if counts else 1


def kmeans(args):
    data = load(args.matrix, args.cols)
    centres = load(args.centres, data.shape[1])
    best = None
    model = None
    for _ in range(args.repeat):
        model = KMeans(n_clusters=centres.shape[0], init=centres, n_init=1,
                       max_iter=args.max_iter, tol=args.tol, algorithm=args.algorithm)
        start = time.perf_counter()
        model.fit(data)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return {"inertia": float(model.inertia_), "iterations": int(model.n_iter_), "seconds": best,
            "algorithm": args.algorithm, "threads": openmp_threads(),
            "sklearn": sklearn.__version__}


def dbscan(args):
    data = load(args.matrix, args.cols)
    start = time.perf_counter()
    labels = DBSCAN(eps=args.eps, min_samples=args.min_samples,
                    n_jobs=args.n_jobs).fit(data).labels_
    elapsed = time.perf_counter() - start
    out = {"clusters": int(labels.max() + 1), "noise": int((labels == -1).sum()),
           "seconds": elapsed, "n_jobs": args.n_jobs, "sklearn": sklearn.__version__}
    if args.labels:
        ours = np.loadtxt(args.labels, dtype=np.int64, ndmin=1)
        out["ari"] = float(adjusted_rand_score(ours, labels))
        out["equal"] = bool(ours.shape == labels.shape and (ours == labels).all())
    if not args.no_labels:
        out["labels"] = labels.tolist()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    k = sub.add_parser("kmeans")
    k.add_argument("matrix")
    k.add_argument("--centres", required=True)
    k.add_argument("--cols", type=int)
    k.add_argument("--max-iter", type=int, default=300)
    k.add_argument("--tol", type=float, default=1e-4)
    k.add_argument("--algorithm", choices=["lloyd", "elkan"], default="lloyd")
    k.add_argument("--repeat", type=int, default=1)
    d = sub.add_parser("dbscan")
    d.add_argument("matrix")
    d.add_argument("--eps", type=float, required=True)
    d.add_argument("--min-samples", type=int, required=True)
    d.add_argument("--cols", type=int)
    d.add_argument("--labels")
    d.add_argument("--n-jobs", type=int, help="threads of the neighbour searches (-1: all)")
    d.add_argument("--no-labels", action="store_true", help="leave the labels out of the output")
    args = parser.parse_args()
    print(json.dumps(kmeans(args) if args.command == "kmeans" else dbscan(args)))


if __name__ == "__main__":
    main()
