import assert from 'node:assert/strict';
import { test } from 'node:test';
import { expectedImprovement, logExpectedImprovement, normalCdf, normalPdf } from '../../../../src/tuning/optimizer/acquisition.js';

test('the normal distribution functions are accurate', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959963985) - 0.975) < 1e-7);
  assert.ok(Math.abs(normalCdf(-3) - 0.0013498980316301) / 0.0013498980316301 < 1e-6);
  assert.ok(Math.abs(normalCdf(-8) - 6.220960574271785e-16) / 6.22e-16 < 1e-6);
  assert.ok(Math.abs(normalPdf(0) - 1 / Math.sqrt(2 * Math.PI)) < 1e-15);
});

test('EI at the incumbent is sd·φ(0); with no uncertainty it is the plain improvement', () => {
  assert.ok(Math.abs(expectedImprovement(0, 1, 0) - 0.3989422804) < 1e-7);
  assert.ok(Math.abs(expectedImprovement(5, 2, 5) - 2 * 0.3989422804) < 1e-7);
  assert.equal(expectedImprovement(1, 0, 3), 2);
  assert.equal(expectedImprovement(4, 0, 3), 0);
  assert.equal(logExpectedImprovement(4, 0, 3), -Infinity);
  assert.equal(logExpectedImprovement(1, 0, 3), Math.log(2));
});

test('EI is zero-ish far above the incumbent and the improvement far below it', () => {
  assert.ok(expectedImprovement(10, 1, 0) < 1e-20);
  assert.ok(Math.abs(expectedImprovement(-10, 1, 0) - 10) < 1e-9);
  assert.ok(Math.abs(expectedImprovement(-10, 1, 0, 0.5) - 9.5) < 1e-9, 'xi asks for a margin');
});

test('log EI agrees with log(EI) and stays finite and ordered far above the incumbent', () => {
  for (let z = -9.5; z <= 5; z += 0.25) {
    const ei = expectedImprovement(-z, 1, 0);
    const log = logExpectedImprovement(-z, 1, 0);
    assert.ok(Math.abs(log - Math.log(ei)) < 1e-4, `z=${z}: ${log} vs ${Math.log(ei)}`);
  }
  let previous = Infinity;
  for (const mean of [8, 9.99, 10.01, 15, 40, 100, 1000]) {
    const log = logExpectedImprovement(mean, 1, 0);
    assert.ok(Number.isFinite(log) && log < previous, `mean ${mean}: ${log}`);
    previous = log;
  }
  // d log EI / d mean ≈ −10.2 at z = −10, so a step of 0.002 across the switch should cost ≈ 0.0204.
  const step = logExpectedImprovement(9.999, 1, 0) - logExpectedImprovement(10.001, 1, 0);
  assert.ok(Math.abs(step - 0.0204) < 0.002, `continuous at the switch: ${step}`);
  assert.ok(logExpectedImprovement(0, 2, 0) > logExpectedImprovement(0, 1, 0), 'more uncertainty, more EI');
});
