// The A/B statistics of the journeys page (src/stats.js) against independent computations:
// the normal CDF against numerical integration of the density, Wilson intervals against the
// closed forms at 0 and n successes and Newcombe's (1998) published examples, and the
// two-proportion test against the chi-square statistic of the 2x2 table.
// Run by CTest (dashboard_unit): node --test test/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalCdf, twoProportionP, wilson } from '../src/stats.js';

// P(Z <= z) by composite Simpson integration of the standard normal density from -10.
function integratedCdf(z) {
  const a = -10;
  const steps = 20000;
  const h = (z - a) / steps;
  const f = (x) => Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);
  let sum = f(a) + f(z);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

test('the normal CDF agrees with numerical integration to 1e-6', () => {
  for (const z of [-4, -2.5, -1.959964, -1, -0.3, 0, 0.3, 1, 1.959964, 2.5, 4]) {
    assert.ok(Math.abs(normalCdf(z) - integratedCdf(z)) < 1e-6, `z = ${z}`);
  }
});

test('Wilson intervals: closed forms and published examples', () => {
  const z2 = 1.959964 ** 2;
  // 0 of n: [0, z²/(n + z²)]; n of n: [n/(n + z²), 1].
  const none = wilson(0, 10);
  assert.ok(Math.abs(none[0]) < 1e-12);
  assert.ok(Math.abs(none[1] - z2 / (10 + z2)) < 1e-9);
  const all = wilson(10, 10);
  assert.ok(Math.abs(all[0] - 10 / (10 + z2)) < 1e-9);
  assert.ok(Math.abs(all[1] - 1) < 1e-12);
  // Newcombe, Statistics in Medicine 17 (1998), table I, method 3: 81/263 and 15/148.
  const a = wilson(81, 263);
  assert.equal(a[0].toFixed(4), '0.2553');
  assert.equal(a[1].toFixed(4), '0.3662');
  const b = wilson(15, 148);
  assert.equal(b[0].toFixed(4), '0.0624');
  assert.equal(b[1].toFixed(4), '0.1605');
  assert.equal(wilson(3, 0), null);
});

// Pearson's chi-square (no continuity correction) of the 2x2 table, and its p-value with one
// degree of freedom: P(chi2 > x) = 2 * (1 - Phi(sqrt(x))), Phi integrated numerically.
function chiSquareP(s1, n1, s2, n2) {
  const table = [[s1, n1 - s1], [s2, n2 - s2]];
  const total = n1 + n2;
  const columns = [s1 + s2, total - s1 - s2];
  let x = 0;
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      const expected = ((r === 0 ? n1 : n2) * columns[c]) / total;
      x += (table[r][c] - expected) ** 2 / expected;
    }
  }
  return 2 * (1 - integratedCdf(Math.sqrt(x)));
}

test('the two-proportion test equals the chi-square test of the 2x2 table', () => {
  for (const [s1, n1, s2, n2] of [[11, 25, 7, 30], [120, 1000, 100, 1000], [30, 200, 60, 200], [5, 40, 5, 40]]) {
    const p = twoProportionP(s1, n1, s2, n2);
    assert.ok(Math.abs(p - chiSquareP(s1, n1, s2, n2)) < 1e-6, `${s1}/${n1} vs ${s2}/${n2}: ${p}`);
  }
  assert.ok(Math.abs(twoProportionP(5, 40, 5, 40) - 1) < 1e-6);  // equal rates
  assert.equal(twoProportionP(0, 10, 0, 12), null);  // nobody converted: no test
  assert.equal(twoProportionP(3, 0, 1, 10), null);   // an empty group
});
