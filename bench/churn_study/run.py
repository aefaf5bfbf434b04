"""Feature-group and model experiments. Usage: python3 run.py  (needs frames.pkl from build.py)."""
import os, sys, pickle, time
os.environ["OMP_NUM_THREADS"] = "1"
import numpy as np, pandas as pd, xgboost as xgb
from sklearn.model_selection import GroupKFold
import churnlib as cl

fr = pickle.load(open(os.path.join(cl.WORK, "frames.pkl"), "rb"))
d = cl.load()
lines = d["lines"]
SETUPS = {  # name: (train cutoffs, eval cutoff)
    "E'": (["2011-01-13", "2011-02-12", "2011-03-14"], "2011-06-12"),
    "E": (["2011-03-14", "2011-04-13", "2011-05-13", "2011-06-12"], "2011-09-10"),
}
G = {
    "base": cl.BASE,
    "is_uk": ["is_uk"],
    "country": [c for c in fr["2011-09-10"].columns if c == "is_uk" or c.startswith("country_")],
    "products": ["distinct_products", "line_items", "lines_per_invoice",
                 "distinct_products_per_invoice", "repeat_product_share"],
    "wholesale": ["median_line_quantity", "mean_line_quantity", "share_qty_ge_12"],
    "price": ["median_unit_price"],
    "xmas": ["xmas_line_share", "xmas_amount_share"],
    "dec2010": ["bought_dec2010", "dec2010_share"],
    "time": ["mean_hour", "share_sunday", "share_monday", "share_friday", "modal_weekday"],
    "te": ["product_churn_te_mean", "product_churn_te_min"],
    "bgnbd": ["bg_p_alive", "bg_expected_90d", "bg_p_no_purchase_90d"],
}


def with_te(setup):
    """Train/eval frames of a setup, with product target encoding (out-of-fold on training rows)."""
    cuts, ec = SETUPS[setup]
    tr = pd.concat([fr[c] for c in cuts]).reset_index().rename(columns={"index": "customer"})
    ev = fr[ec].reset_index().rename(columns={"index": "customer"})
    T = pd.Timestamp(ec)
    rows = tr[["customer", "cutoff", "label"]]
    te_ev = cl.target_encoding(lines, rows, T, pd.Index(ev.customer.unique()))
    ev = ev.join(te_ev, on="customer")
    parts = []
    for k, (a, b) in enumerate(GroupKFold(5).split(tr, groups=tr.customer)):
        held = tr.iloc[b]
        for c, hc in held.groupby("cutoff"):
            te = cl.target_encoding(lines, rows.iloc[a], c, pd.Index(hc.customer.unique()))
            parts.append(hc.join(te, on="customer"))
    tr = pd.concat(parts).sort_index()
    return tr, ev


def xgb_model(Xtr, ytr, Xev, seed=42, rounds=300, depth=2, eta=0.05, mcw=20, sub=0.8, col=0.8,
              extra=None):
    p = {"objective": "binary:logistic", "eval_metric": "auc", "tree_method": "hist",
         "max_depth": depth, "eta": eta, "min_child_weight": mcw, "subsample": sub,
         "colsample_bytree": col, "lambda": 1, "seed": seed, "nthread": 1, "verbosity": 0}
    if extra:
        p.update(extra)
    dtr = xgb.DMatrix(Xtr.astype(np.float32), label=ytr, missing=np.nan)
    b = xgb.train(p, dtr, rounds)
    return b.predict(xgb.DMatrix(Xev.astype(np.float32), missing=np.nan))


def eval_cols(data, cols, seeds=(42,), **kw):
    out = {}
    for s, (tr, ev) in data.items():
        aucs = [cl.auc(ev.label, xgb_model(tr[cols].values, tr.label.values, ev[cols].values,
                                             seed=sd, **kw)) for sd in seeds]
        out[s] = (aucs[0], float(np.mean(aucs)))
    return out


if __name__ == "__main__":
    t0 = time.time()
    data = {s: with_te(s) for s in SETUPS}
    pickle.dump(data, open(os.path.join(cl.WORK, "data_te.pkl"), "wb"))
    for s, (tr, ev) in data.items():
        print(f"{s}: train {len(tr)} rows churn {tr.label.mean():.3f}; eval {len(ev)} churn {ev.label.mean():.3f}")
    seeds = (42, 1, 2, 3, 4)
    print(f"{'feature set':34s} {'E_val s42':>9s} {'E_val avg5':>10s} {'E s42':>7s} {'E avg5':>7s}")
    configs = [("base", G["base"])]
    for g in G:
        if g != "base":
            configs.append(("base+" + g, G["base"] + G[g]))
    allx = G["base"] + sum((G[g] for g in G if g not in ("base", "is_uk")), [])
    configs.append(("base+all", allx))
    for name, cols in configs:
        r = eval_cols(data, cols, seeds)
        print(f"{name:34s} {r[chr(69)+chr(39)][0]:9.4f} {r[chr(69)+chr(39)][1]:10.4f} {r['E'][0]:7.4f} {r['E'][1]:7.4f}", flush=True)
    print("%.0fs" % (time.time() - t0))
