import os, time, pickle
os.environ["OMP_NUM_THREADS"] = "1"
import numpy as np, pandas as pd
import churnlib as cl

t0 = time.time()
d = cl.load()
inv, lines = d["inv"], d["lines"]
print("invoices", len(inv), "customers", inv.customer.nunique(), "load %.1fs" % (time.time() - t0))
CUTS = ["2011-01-13", "2011-02-12", "2011-03-14", "2011-04-13", "2011-05-13", "2011-06-12", "2011-09-10"]
frames = {}
for c in CUTS:
    T = pd.Timestamp(c)
    f = cl.base_features(inv, T)
    idx = f.index
    y = cl.labels(inv, T, idx)
    parts = [f, cl.country_features(inv, T, idx), cl.product_features(lines, inv, T, idx),
             cl.seasonal_features(lines, inv, T, idx), cl.time_features(inv, T, idx)]
    bg, params = cl.bgnbd_features(inv, T, idx)
    parts.append(bg)
    F = pd.concat(parts, axis=1)
    F["label"] = y
    F["cutoff"] = T
    frames[c] = F
    print(c, len(F), "churn %.3f" % y.mean(), "bgnbd r,a,alpha,b", np.round(params, 3), "%.1fs" % (time.time() - t0))
pickle.dump(frames, open(os.path.join(cl.WORK, "frames.pkl"), "wb"))
