"""Model-choice experiments on the feature frames (needs data_te.pkl from run.py)."""
import os, pickle, time, itertools
os.environ["OMP_NUM_THREADS"] = "1"
import numpy as np, pandas as pd, xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.model_selection import StratifiedKFold
from scipy.stats import rankdata
import churnlib as cl
from run import G, SETUPS, xgb_model

data = pickle.load(open(os.path.join(cl.WORK, "data_te.pkl"), "rb"))
inv = cl.load()["inv"]
ALL = G["base"] + sum((G[g] for g in G if g not in ("base", "is_uk")), [])
SIGNED_LOG = ["monetary", "revenue_30d", "revenue_90d", "revenue_prev_90d", "last_order_value", "trend_90d"]


def counts(T, customers):
    w = inv[(inv.time >= T) & (inv.time < T + 90 * cl.DAY) & (inv.amount > 0)]
    return w.groupby("customer").size().reindex(customers).fillna(0).values


def lin_matrix(df, cols, med):
    X = df[cols].copy()
    for c in cols:
        miss = X[c].isna()
        if miss.any() or c in ("mean_interpurchase_days", "recency_ratio", "average_basket_units"):
            X[c + "_missing"] = miss.astype(float)
        X[c] = X[c].fillna(med[c])
        if c.startswith("bg_p"):
            X[c] = np.log(np.clip(X[c], 1e-6, 1 - 1e-6) / (1 - np.clip(X[c], 1e-6, 1 - 1e-6)))
        elif c in SIGNED_LOG:
            X[c] = np.sign(X[c]) * np.log1p(np.abs(X[c]))
        elif (df[c].dropna() >= 0).all():
            X[c] = np.log1p(X[c])
    return X.values


def lr_scores(tr, ev, cols, C=1.0):
    med = tr[cols].median()
    m = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000))
    m.fit(lin_matrix(tr, cols, med), tr.label.values)
    return m.predict_proba(lin_matrix(ev, cols, med))[:, 1]


def report(name, fn):
    r = {}
    for s, (tr, ev) in data.items():
        r[s] = cl.auc(ev.label, fn(tr, ev))
    print(f"{name:60s} E'={r[chr(69)+chr(39)]:.4f}  E={r['E']:.4f}", flush=True)
    return r


if __name__ == "__main__":
    t0 = time.time()
    B = G["base"]
    print("-- single scores / simple models")
    report("BG/NBD P(no purchase in 90d) alone", lambda tr, ev: ev.bg_p_no_purchase_90d.values)
    report("-BG/NBD E[purchases 90d] alone", lambda tr, ev: -ev.bg_expected_90d.values)
    report("LR: logit P0 + log recency", lambda tr, ev: lr_scores(tr, ev, ["bg_p_no_purchase_90d", "recency_days"]))
    report("LR: log E[purch] + log recency + log freq", lambda tr, ev: lr_scores(tr, ev, ["bg_expected_90d", "recency_days", "frequency"]))
    for C in (0.01, 0.1, 1.0):
        report(f"LR base (log-transformed, C={C})", lambda tr, ev: lr_scores(tr, ev, B, C))
        report(f"LR all  (log-transformed, C={C})", lambda tr, ev: lr_scores(tr, ev, ALL, C))
    print("-- tree models")
    report("XGB base (project config)", lambda tr, ev: xgb_model(tr[B].values, tr.label.values, ev[B].values))
    for lr_, it in ((0.05, 200), (0.03, 300), (0.1, 100)):
        report(f"HistGB base lr={lr_} iter={it} depth3 l2=1 minleaf=80",
               lambda tr, ev: HistGradientBoostingClassifier(learning_rate=lr_, max_iter=it, max_depth=3,
                   min_samples_leaf=80, l2_regularization=1.0, random_state=0).fit(tr[B], tr.label).predict_proba(ev[B])[:, 1])
    report("RandomForest all 500 trees minleaf=20 (n_jobs=1)",
           lambda tr, ev: RandomForestClassifier(500, min_samples_leaf=20, max_features=0.3, n_jobs=1, random_state=0)
           .fit(tr[ALL].fillna(-1), tr.label).predict_proba(ev[ALL].fillna(-1))[:, 1])
    report("XGB base, Poisson on purchase count, score=-pred",
           lambda tr, ev: -xgb.train({"objective": "count:poisson", "max_depth": 2, "eta": 0.05, "min_child_weight": 20,
                "subsample": 0.8, "colsample_bytree": 0.8, "seed": 42, "nthread": 1, "tree_method": "hist"},
                xgb.DMatrix(tr[B].values.astype(np.float32), label=np.concatenate([counts(c, g.customer.values) for c, g in tr.groupby("cutoff", sort=False)])), 300)
                .predict(xgb.DMatrix(ev[B].values.astype(np.float32))))
    report("XGB all, weights x2 for the latest training cutoff",
           lambda tr, ev: xgb.train({"objective": "binary:logistic", "max_depth": 2, "eta": 0.05, "min_child_weight": 20,
                "subsample": 0.8, "colsample_bytree": 0.8, "seed": 42, "nthread": 1, "tree_method": "hist"},
                xgb.DMatrix(tr[ALL].values.astype(np.float32), label=tr.label.values,
                            weight=np.where(tr.cutoff == tr.cutoff.max(), 2.0, 1.0)), 300)
                .predict(xgb.DMatrix(ev[ALL].values.astype(np.float32))))
    print("-- stacking: rank average of XGB(all) and LR(all, C=0.1), weight w on LR")
    for w in (0.0, 0.25, 0.5, 0.75, 1.0):
        report(f"rank-average w={w}", lambda tr, ev: (1 - w) * rankdata(xgb_model(tr[ALL].values, tr.label.values, ev[ALL].values))
               + w * rankdata(lr_scores(tr, ev, ALL, 0.1)))
    print("-- calibrated stacking: LR on [logit XGB out-of-fold, logit P0, log recency]")
    def stack(tr, ev):
        oof = np.zeros(len(tr))
        for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(tr, tr.label):
            oof[b] = xgb_model(tr[ALL].values[a], tr.label.values[a], tr[ALL].values[b])
        pe = xgb_model(tr[ALL].values, tr.label.values, ev[ALL].values)
        lg = lambda p: np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
        Ztr = np.c_[lg(oof), lg(tr.bg_p_no_purchase_90d), np.log1p(tr.recency_days)]
        Zev = np.c_[lg(pe), lg(ev.bg_p_no_purchase_90d), np.log1p(ev.recency_days)]
        return LogisticRegression(max_iter=1000).fit(Ztr, tr.label).predict_proba(Zev)[:, 1]
    report("stack", stack)
    print("-- XGB hyper-parameter grid on all features, chosen on E'")
    best = None
    for depth, eta, rounds, mcw in itertools.product((1, 2, 3), (0.02, 0.05), (150, 300, 600), (5, 20, 50)):
        kw = dict(depth=depth, eta=eta, rounds=rounds, mcw=mcw)
        tr, ev = data["E'"]
        a = cl.auc(ev.label, xgb_model(tr[ALL].values, tr.label.values, ev[ALL].values, **kw))
        if best is None or a > best[0]:
            best = (a, kw)
    print("best on E':", best)
    report(f"XGB all {best[1]}", lambda tr, ev: xgb_model(tr[ALL].values, tr.label.values, ev[ALL].values, **best[1]))
    report(f"XGB base {best[1]}", lambda tr, ev: xgb_model(tr[B].values, tr.label.values, ev[B].values, **best[1]))
    print("-- diagnostic ceiling (NOT an honest score): 5-fold CV inside the evaluation cutoff itself")
    for s, (tr, ev) in data.items():
        for name, cols in (("base", B), ("all but te", [c for c in ALL if not c.startswith("product_churn")])):
            oof = np.zeros(len(ev))
            for a, b in StratifiedKFold(5, shuffle=True, random_state=0).split(ev, ev.label):
                oof[b] = xgb_model(ev[cols].values[a], ev.label.values[a], ev[cols].values[b])
            print(f"  {s} same-cutoff CV {name}: {cl.auc(ev.label, oof):.4f}")
    print("%.0fs" % (time.time() - t0))
