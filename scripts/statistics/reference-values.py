"""Reference values for test/unit/statistics-*.test.ts, from established packages.

Run: python3 -m venv /tmp/statsenv && /tmp/statsenv/bin/pip install scipy statsmodels gbstats
     /tmp/statsenv/bin/python scripts/statistics/reference-values.py
Prints the versions and every value the tests pin (repr, full precision).
"""
import warnings

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportion_effectsize,
    proportions_ztest,
)
from statsmodels.stats.power import NormalIndPower

warnings.simplefilter("ignore")
print("scipy", scipy.__version__, "statsmodels", statsmodels.__version__, "numpy", np.__version__)

print("\n# proportion_confint(count, nobs, alpha=0.05, method='wilson')")
for count, nobs in [(0, 3), (1, 3), (3, 3), (0, 1000), (50, 1000), (12, 40), (31234, 624680)]:
    print((count, nobs), proportion_confint(count, nobs, alpha=0.05, method="wilson"))
print("99%:", (50, 1000), proportion_confint(50, 1000, alpha=0.01, method="wilson"))

print("\n# proportions_ztest([treatment, control], [nT, nC]) -> (z, p)")
# pairs are (control, treatment)
cases = [
    ((500, 10000), (560, 10000)),
    ((0, 3), (1, 3)),
    ((45, 900), (12, 100)),  # 90/10 split
    ((25000, 500000), (25700, 500000)),
    ((0, 1000), (0, 1000)),
    ((0, 1000), (7, 1000)),
]
for (xc, nc), (xt, nt) in cases:
    z, p = proportions_ztest([xt, xc], [nt, nc])
    print((xc, nc), (xt, nt), "z", repr(float(z)), "p", repr(float(p)))

print("\n# confint_proportions_2indep(xT, nT, xC, nC, method='newcomb', compare='diff')")
for (xc, nc), (xt, nt) in cases:
    print((xc, nc), (xt, nt), confint_proportions_2indep(xt, nt, xc, nc, method="newcomb", compare="diff"))

print("\n# confint_proportions_2indep(xT, nT, xC, nC, method='log', compare='ratio')  (Katz)")
for (xc, nc), (xt, nt) in cases:
    if xc > 0 and xt > 0:
        print((xc, nc), (xt, nt), confint_proportions_2indep(xt, nt, xc, nc, method="log", compare="ratio"))

print("\n# scipy.stats.chisquare(observed, f_exp=total*weights)")
for observed, weights in [([5000, 4700], [1, 1]), ([5000, 5030], [1, 1]), ([9050, 950], [0.9, 0.1]), ([8800, 1200], [0.9, 0.1]), ([3300, 3350, 3240], [1, 1, 1]), ([2, 1], [1, 1])]:
    total = sum(observed)
    w = np.array(weights, dtype=float) / sum(weights)
    r = stats.chisquare(observed, f_exp=total * w)
    print(observed, weights, repr(float(r.statistic)), repr(float(r.pvalue)))

print("\n# closed-form sample size (pooled null / unpooled alternative), scipy.stats.norm.ppf")
for p1, rel, alpha, power in [(0.05, 0.1, 0.05, 0.8), (0.02, 0.2, 0.05, 0.9), (0.3, -0.1, 0.01, 0.8)]:
    p2 = p1 * (1 + rel)
    pbar = (p1 + p2) / 2
    za = stats.norm.ppf(1 - alpha / 2)
    zb = stats.norm.ppf(power)
    n = (za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    h = proportion_effectsize(p2, p1)
    n_arcsine = NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=1.0)
    print((p1, rel, alpha, power), "closed form", repr(float(n)), "ceil", int(np.ceil(n)), "NormalIndPower(arcsine h)", repr(float(n_arcsine)))

print("\n# scipy.stats.ttest_ind(treatment, control, equal_var=False) and its confidence_interval(0.95)")
rng = np.random.default_rng(20260101)
revenue_c = np.where(rng.random(400) < 0.04, np.round(rng.lognormal(8.5, 0.8, 400)), 0)
revenue_t = np.where(rng.random(300) < 0.06, np.round(rng.lognormal(8.5, 0.8, 300)), 0)
welch_cases = {
    "tiny": (np.array([0.0, 1200.0, 0.0]), np.array([2500.0, 0.0, 4100.0])),
    "revenue": (revenue_c, revenue_t),
    "normal": (np.array([10.1, 9.8, 10.4, 10.0, 9.7, 10.2]), np.array([10.9, 11.4, 10.6, 11.1, 10.8, 11.7, 11.0, 10.7])),
}
for name, (c, t) in welch_cases.items():
    r = stats.ttest_ind(t, c, equal_var=False)
    ci = r.confidence_interval(0.95)
    print(name, "n", len(c), len(t), "sum", repr(float(c.sum())), repr(float(t.sum())), "sumsq", repr(float((c**2).sum())), repr(float((t**2).sum())))
    print("   t", repr(float(r.statistic)), "p", repr(float(r.pvalue)), "df", repr(float(r.df)), "ci", repr(float(ci.low)), repr(float(ci.high)))
print("revenue arrays (control, treatment):", revenue_c.astype(int).tolist(), revenue_t.astype(int).tolist())

print("\n# scipy.stats.bootstrap((t, c), mean difference, method='percentile', n_resamples=20000, random_state=7)")
c, t = welch_cases["revenue"]
r = stats.bootstrap((t, c), lambda a, b, axis: np.mean(a, axis=axis) - np.mean(b, axis=axis), method="percentile", n_resamples=20000, random_state=7, vectorized=True)
print(repr(float(r.confidence_interval.low)), repr(float(r.confidence_interval.high)))

print("\n# gbstats SequentialTwoSidedTTest (absolute), SampleMeanStatistic(n, sum, sum_squares)")
import gbstats
from importlib.metadata import version
from gbstats.frequentist.tests import SequentialConfig, SequentialTwoSidedTTest
from gbstats.models.statistics import SampleMeanStatistic
print("gbstats", version("gbstats"))
for (nc, sc, qc), (nt, st, qt), tuning in [
    ((10000, 500, 500), (10000, 560, 560), 5000),
    ((1000, 50, 50), (1000, 90, 90), 5000),
    ((50000, 2500, 2500), (50000, 2700, 2700), 100000),
    ((400, float(revenue_c.sum()), float((revenue_c**2).sum())), (300, float(revenue_t.sum()), float((revenue_t**2).sum())), 5000),
]:
    a = SampleMeanStatistic(n=nc, sum=sc, sum_squares=qc)
    b = SampleMeanStatistic(n=nt, sum=st, sum_squares=qt)
    test = SequentialTwoSidedTTest(a, b, SequentialConfig(difference_type="absolute", sequential_tuning_parameter=tuning))
    ci = test.confidence_interval
    print((nc, sc, qc), (nt, st, qt), tuning, "ci", repr(float(ci[0])), repr(float(ci[1])), "p", repr(float(test.p_value)), "rho", repr(float(test.rho)))
