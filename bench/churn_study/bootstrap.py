"""Paired bootstrap on E of the baseline vs the E'-selected configurations."""
import os; os.environ["OMP_NUM_THREADS"] = "1"
import pickle, numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from run import G, xgb_model
from models import ALL, lr_scores, data
tr, ev = data["E"]; y = ev.label.values; B = G["base"]
s_base = xgb_model(tr[B].values, tr.label.values, ev[B].values)
s_grid = xgb_model(tr[ALL].values, tr.label.values, ev[ALL].values, depth=3, eta=0.02, rounds=150, mcw=50)
s_mix = 0.5 * rankdata(xgb_model(tr[ALL].values, tr.label.values, ev[ALL].values)) + 0.5 * rankdata(lr_scores(tr, ev, ALL, 0.1))
rng = np.random.default_rng(0); n = len(y); res = []
for _ in range(1000):
    i = rng.integers(0, n, n)
    res.append([roc_auc_score(y[i], s[i]) for s in (s_base, s_grid, s_mix)])
res = np.array(res)
print("base AUC %.4f, 95%% CI [%.4f, %.4f]" % (roc_auc_score(y, s_base), *np.percentile(res[:, 0], [2.5, 97.5])))
for k, name in ((1, "XGB all depth3 (best on E')"), (2, "rank-avg XGB+LR all")):
    dlt = res[:, k] - res[:, 0]
    print("%s: AUC %.4f, diff vs base %+.4f, 95%% CI [%+.4f, %+.4f]" % (name, roc_auc_score(y, [s_grid, s_mix][k-1]), dlt.mean(), *np.percentile(dlt, [2.5, 97.5])))
print("P(base AUC >= 0.80 under bootstrap): %.3f" % (res[:, 0] >= 0.80).mean())
