"""Churn features for UCI Online Retail under mercato's time-based protocol.

Reproduces src/analytics/customer/churn_features.cc (20 base features) and adds candidate feature
groups. Every feature at cutoff T uses only rows with InvoiceDate < T.
"""
import os
import pickle

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import gammaln, betaln

CSV = os.path.join(os.environ.get("MERCATO_DATA_DIR", "../shared/data"),
                   "online_retail/online_retail_I_from_spark_guide_by_day.csv")
# Intermediate tables (pickles) go here; the scripts run in the order build, run, models, bootstrap.
WORK = os.environ.get("CHURN_STUDY_DIR", "build/churn_study")
os.makedirs(WORK, exist_ok=True)
CACHE = os.path.join(WORK, "data.pkl")
DAY = np.timedelta64(1, "D")
HORIZON = 90

BASE = ["recency_days", "frequency", "monetary", "tenure_days", "mean_interpurchase_days",
        "recency_ratio", "purchase_days", "purchases_30d", "revenue_30d", "purchases_90d",
        "revenue_90d", "purchases_prev_90d", "revenue_prev_90d", "trend_90d",
        "purchases_per_month", "average_order_value", "last_order_value",
        "average_basket_units", "return_rate", "refunded_share"]

TOP_COUNTRIES = ["United Kingdom", "Germany", "France", "EIRE", "Spain", "Netherlands",
                 "Belgium", "Switzerland", "Portugal", "Australia"]


def load():
    if os.path.exists(CACHE):
        with open(CACHE, "rb") as f:
            return pickle.load(f)
    df = pd.read_csv(CSV, dtype={"InvoiceNo": str, "StockCode": str, "Description": str})
    df = df[df.CustomerID.notna()].copy()
    df["CustomerID"] = df.CustomerID.round().astype(np.int64)
    df["InvoiceDate"] = pd.to_datetime(df.InvoiceDate)
    df["line_amount"] = df.Quantity * df.UnitPrice
    df["Description"] = df.Description.fillna("").str.upper()
    first = df.groupby("InvoiceNo", sort=False).agg(
        customer=("CustomerID", "first"), time=("InvoiceDate", "first"),
        country=("Country", "first"))
    agg = df.groupby("InvoiceNo", sort=False).agg(
        amount=("line_amount", "sum"), units=("Quantity", lambda q: np.abs(q).sum()),
        lines=("StockCode", "size"), distinct_items=("StockCode", "nunique"))
    inv = first.join(agg).reset_index()
    # amounts in micro-units as the C++ code does (llround(price*1e6) * quantity)
    pm = np.round(df.UnitPrice.values * 1e6).astype(np.int64) * df.Quantity.values
    inv_micros = pd.Series(pm, index=df.index).groupby(df.InvoiceNo.values, sort=False).sum()
    inv["amount"] = inv_micros.reindex(inv.InvoiceNo).values / 1e6
    inv = inv.sort_values(["customer", "time"], kind="stable").reset_index(drop=True)
    lines = df[["InvoiceNo", "CustomerID", "InvoiceDate", "StockCode", "Description", "Quantity",
                "UnitPrice", "line_amount", "Country"]].rename(
        columns={"CustomerID": "customer", "InvoiceDate": "time"})
    data = {"inv": inv, "lines": lines, "last_time": inv.time.max()}
    with open(CACHE, "wb") as f:
        pickle.dump(data, f)
    return data


def base_features(inv, T):
    """The 20 features of churn_features.cc for customers with a purchase before T."""
    h = inv[inv.time < T].copy()
    age = (T - h.time) / DAY
    h["age"] = age
    h["purchase"] = h.amount > 0
    h["refund"] = h.amount < 0
    g = h.groupby("customer")
    p = h[h.purchase]
    gp = p.groupby("customer")
    f = pd.DataFrame(index=gp.size().index)
    f["frequency"] = gp.size()
    first = gp.time.min()
    last = gp.time.max()
    f["recency_days"] = (T - last) / DAY
    f["tenure_days"] = (T - first) / DAY
    f["monetary"] = g.amount.sum().reindex(f.index)
    mg = ((last - first) / DAY) / (f.frequency - 1)
    f["mean_interpurchase_days"] = np.where(f.frequency >= 2, mg, np.nan)
    f["recency_ratio"] = np.where((f.frequency >= 2) & (mg > 0), f.recency_days / mg, np.nan)
    f["purchase_days"] = gp.time.apply(lambda s: s.dt.floor("D").nunique())

    def win_sum(mask_df, col, lo, hi, grp_df):
        m = mask_df[(mask_df.age > lo) & (mask_df.age <= hi)] if lo >= 0 else mask_df[mask_df.age <= hi]
        if col is None:
            return m.groupby("customer").size().reindex(f.index).fillna(0)
        return m.groupby("customer")[col].sum().reindex(f.index).fillna(0)

    f["purchases_30d"] = win_sum(p, None, -1, 30, None)
    f["revenue_30d"] = win_sum(h, "amount", -1, 30, None)
    f["purchases_90d"] = win_sum(p, None, -1, 90, None)
    f["revenue_90d"] = win_sum(h, "amount", -1, 90, None)
    f["purchases_prev_90d"] = win_sum(p, None, 90, 180, None)
    f["revenue_prev_90d"] = win_sum(h, "amount", 90, 180, None)
    f["trend_90d"] = f.purchases_90d - f.purchases_prev_90d
    f["purchases_per_month"] = f.frequency / np.maximum(f.tenure_days, 30) * 30
    gross = gp.amount.sum()
    f["average_order_value"] = gross / f.frequency
    f["last_order_value"] = gp.amount.last()
    f["average_basket_units"] = gp.units.sum() / f.frequency
    refunds = h[h.refund].groupby("customer")
    f["return_rate"] = refunds.size().reindex(f.index).fillna(0) / f.frequency
    f["refunded_share"] = (-refunds.amount.sum()).reindex(f.index).fillna(0) / gross
    return f[BASE]


def labels(inv, T, index):
    w = inv[(inv.time >= T) & (inv.time < T + HORIZON * DAY) & (inv.amount > 0)]
    bought = set(w.customer.unique())
    return pd.Series([0 if c in bought else 1 for c in index], index=index, dtype=np.int64)


# ---------------------------------------------------------------- extra feature groups

def country_features(inv, T, idx):
    h = inv[inv.time < T]
    c = h.groupby("customer").country.agg(lambda s: s.mode().iloc[0]).reindex(idx)
    f = pd.DataFrame(index=idx)
    f["is_uk"] = (c == "United Kingdom").astype(float)
    for name in TOP_COUNTRIES[1:]:
        f["country_" + name.replace(" ", "_")] = (c == name).astype(float)
    return f


def product_features(lines, inv, T, idx):
    """Breadth of products bought, line items per invoice, wholesale and price-level signs."""
    l = lines[(lines.time < T) & (lines.Quantity > 0) & (~lines.InvoiceNo.str.startswith("C"))]
    l = l[l.customer.isin(idx)]
    g = l.groupby("customer")
    f = pd.DataFrame(index=idx)
    f["distinct_products"] = g.StockCode.nunique().reindex(idx)
    f["line_items"] = g.size().reindex(idx)
    ninv = g.InvoiceNo.nunique().reindex(idx)
    f["lines_per_invoice"] = f.line_items / ninv
    f["distinct_products_per_invoice"] = f.distinct_products / ninv
    f["median_line_quantity"] = g.Quantity.median().reindex(idx)
    f["mean_line_quantity"] = g.Quantity.mean().reindex(idx)
    f["median_unit_price"] = g.UnitPrice.median().reindex(idx)
    f["share_qty_ge_12"] = (l.Quantity >= 12).groupby(l.customer).mean().reindex(idx)
    # repeat-product share: fraction of lines whose StockCode the customer had bought earlier
    ll = l.sort_values(["customer", "time"], kind="stable")
    dup = ll.duplicated(["customer", "StockCode"]) & ~ll.duplicated(["customer", "StockCode", "InvoiceNo"])
    f["repeat_product_share"] = dup.groupby(ll.customer).mean().reindex(idx)
    return f


def seasonal_features(lines, inv, T, idx):
    l = lines[(lines.time < T) & (lines.Quantity > 0) & (~lines.InvoiceNo.str.startswith("C"))]
    l = l[l.customer.isin(idx)]
    xmas = l.Description.str.contains("CHRISTMAS|XMAS|ADVENT|SANTA|REINDEER|SNOWFLAKE|NOEL|BAUBLE")
    f = pd.DataFrame(index=idx)
    amt = l.line_amount.clip(lower=0)
    f["xmas_line_share"] = xmas.groupby(l.customer).mean().reindex(idx)
    f["xmas_amount_share"] = ((amt * xmas).groupby(l.customer).sum() /
                              amt.groupby(l.customer).sum()).reindex(idx)
    p = inv[(inv.time < T) & (inv.amount > 0)]
    dec = p[p.time < pd.Timestamp("2011-01-01")]
    f["bought_dec2010"] = pd.Series(1.0, index=dec.customer.unique()).reindex(idx).fillna(0)
    f["dec2010_share"] = (dec.groupby("customer").size() /
                          p.groupby("customer").size()).reindex(idx).fillna(0)
    return f


def time_features(inv, T, idx):
    p = inv[(inv.time < T) & (inv.amount > 0)]
    g = p.groupby(p.customer)
    f = pd.DataFrame(index=idx)
    hour = p.time.dt.hour + p.time.dt.minute / 60
    f["mean_hour"] = hour.groupby(p.customer).mean().reindex(idx)
    wd = p.time.dt.weekday
    f["share_sunday"] = (wd == 6).groupby(p.customer).mean().reindex(idx)
    f["share_monday"] = (wd == 0).groupby(p.customer).mean().reindex(idx)
    f["share_friday"] = (wd == 4).groupby(p.customer).mean().reindex(idx)
    f["modal_weekday"] = wd.groupby(p.customer).agg(lambda s: s.mode().iloc[0]).reindex(idx)
    return f


def target_encoding(lines, train_rows, T, idx, prior_weight=20.0):
    """Customer = weighted mean of per-StockCode churn rates estimated on `train_rows`.

    train_rows: DataFrame(customer, cutoff, label) from cutoffs whose label windows end by T, so every
    label used is observed before T. For a product, the rate is the share of churned rows among the
    training rows whose customer bought it before that row's cutoff (smoothed toward the overall rate).
    """
    l = lines[(lines.Quantity > 0) & (~lines.InvoiceNo.str.startswith("C"))][["customer", "time", "StockCode"]]
    prior = train_rows.label.mean()
    pieces = []
    for c, rows in train_rows.groupby("cutoff"):
        lc = l[l.time < c].drop_duplicates(["customer", "StockCode"])
        lc = lc.merge(rows[["customer", "label"]], on="customer")
        pieces.append(lc[["StockCode", "label"]])
    pl = pd.concat(pieces)
    st = pl.groupby("StockCode").label.agg(["sum", "count"])
    rate = (st["sum"] + prior * prior_weight) / (st["count"] + prior_weight)
    lt = l[(l.time < T) & l.customer.isin(idx)].drop_duplicates(["customer", "StockCode"])
    lt = lt.assign(rate=lt.StockCode.map(rate).fillna(prior))
    f = pd.DataFrame(index=idx)
    f["product_churn_te_mean"] = lt.groupby("customer").rate.mean().reindex(idx)
    f["product_churn_te_min"] = lt.groupby("customer").rate.min().reindex(idx)
    return f


# ---------------------------------------------------------------- BG/NBD at a cutoff

def bgnbd_summary(inv, T, idx):
    p = inv[(inv.time < T) & (inv.amount > 0)]
    days = p.time.dt.floor("D")
    d = pd.DataFrame({"customer": p.customer, "day": days}).drop_duplicates()
    g = d.groupby("customer").day
    first, last, n = g.min(), g.max(), g.size()
    # periods of one day: the calibration ends with the day of the last instant before T
    end = (T - pd.Timedelta(microseconds=1)).floor("D")
    x = (n - 1).reindex(idx).values.astype(float)
    tx = ((last - first) / DAY).reindex(idx).values
    TT = ((end - first) / DAY).reindex(idx).values + 1.0  # +1: the last period is observed in full
    return x, tx, TT


def bgnbd_fit(x, tx, T):
    def nll(logp):
        r, a, aa, b = np.exp(logp)
        A1 = gammaln(r + x) - gammaln(r) + r * np.log(a)
        A2 = betaln(aa, b + x) - betaln(aa, b)
        A3 = -(r + x) * np.log(a + T)
        xs = np.maximum(x, 1)
        A4 = np.where(x > 0, np.log(aa) - np.log(b + xs - 1) - (r + x) * np.log(a + tx), -np.inf)
        return -np.sum(A1 + A2 + np.logaddexp(A3, A4))
    # bounds keep the fit off the degenerate boundary (alpha, b -> 0) it runs into on this data
    bounds = [(np.log(1e-3), np.log(1e4))] * 4
    res = minimize(nll, np.log([0.5, 10.0, 0.5, 2.0]), method="L-BFGS-B", bounds=bounds)
    return np.exp(res.x)


def bgnbd_features(inv, T, idx):
    from scipy.stats import beta as beta_dist
    x, tx, TT = bgnbd_summary(inv, T, idx)
    r, a, aa, b = bgnbd_fit(x, tx, TT)
    t = float(HORIZON)
    xs = np.maximum(x, 1)
    ratio = np.where(x > 0, (aa / (b + xs - 1)) * ((a + TT) / (a + tx)) ** (r + x), 0.0)
    p_alive = 1.0 / (1.0 + ratio)
    # E[purchases in the next t days] = P(alive) * E[(1 - exp(-lambda p t)) / p | alive], with
    # lambda ~ Gamma(r + x, a + T) and p ~ Beta(aa, b + x) given alive; p by quantile quadrature
    u = (np.arange(400) + 0.5) / 400
    pq = beta_dist.ppf(u[None, :], aa, (b + x)[:, None])
    pq = np.clip(pq, 1e-12, 1.0)
    lam_term = ((a + TT)[:, None] / ((a + TT)[:, None] + pq * t)) ** (r + x)[:, None]
    expected = p_alive * np.mean((1 - lam_term) / pq, axis=1)
    p_zero = (1 - p_alive) + p_alive * ((a + TT) / (a + TT + t)) ** (r + x)
    f = pd.DataFrame(index=idx)
    f["bg_p_alive"] = p_alive
    f["bg_expected_90d"] = expected
    f["bg_p_no_purchase_90d"] = p_zero
    return f, (r, a, aa, b)


def auc(y, s):
    from sklearn.metrics import roc_auc_score
    return roc_auc_score(y, s)
