// Statistics for A/B results: Wilson score intervals and the two-proportion z-test.

// The standard normal CDF (Abramowitz & Stegun 7.1.26 through erf; error < 1.5e-7).
export function normalCdf(z) {
  const t = 1 / (1 + 0.3275911 * Math.abs(z) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

// 95 % Wilson interval of successes/n; null when n = 0.
export function wilson(successes, n, z = 1.959964) {
  if (!n) return null;
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

// Two-sided p-value of the difference between two proportions (pooled z-test); null when
// either group is empty or the pooled rate is 0 or 1.
export function twoProportionP(s1, n1, s2, n2) {
  if (!n1 || !n2) return null;
  const pooled = (s1 + s2) / (n1 + n2);
  if (pooled <= 0 || pooled >= 1) return null;
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = (s1 / n1 - s2 / n2) / se;
  return 2 * (1 - normalCdf(Math.abs(z)));
}
