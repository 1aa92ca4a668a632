import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptimizerInputError } from '../../../../src/tuning/optimizer/errors.js';
import { fitGaussianProcess, matern52, prepareGpData, profiledLogLikelihood } from '../../../../src/tuning/optimizer/gp.js';
import { selectHyperparameters } from '../../../../src/tuning/optimizer/hyperparameters.js';
import { cholesky, choleskySolve, logDeterminant } from '../../../../src/tuning/optimizer/linalg.js';
import { createPrng } from '../../../../src/tuning/optimizer/prng.js';

test('cholesky factors an SPD matrix, solves, and refuses a non-PD one', () => {
  const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
  const l = cholesky(a, 3);
  assert.ok(l);
  assert.deepEqual([...l], [2, 0, 0, 6, 1, 0, -8, 5, 3]);
  const x = choleskySolve(l, 3, [1, 2, 3]);
  for (let i = 0; i < 3; i++) {
    const row = a[i * 3]! * x[0]! + a[i * 3 + 1]! * x[1]! + a[i * 3 + 2]! * x[2]!;
    assert.ok(Math.abs(row - (i + 1)) < 1e-9);
  }
  assert.ok(Math.abs(logDeterminant(l, 3) - Math.log(36)) < 1e-12);
  assert.equal(cholesky(Float64Array.from([1, 2, 2, 1]), 2), null);
  assert.throws(() => cholesky(new Float64Array(3), 2), RangeError);
});

test('matern52 is 1 at 0 and decays', () => {
  assert.equal(matern52(0), 1);
  assert.ok(matern52(0.5) < 1 && matern52(2) < matern52(0.5) && matern52(10) < 1e-5);
});

const xs = [0, 0.15, 0.4, 0.55, 0.8, 1];
const ys = xs.map((x) => Math.sin(6 * x));

test('with small noise the posterior interpolates the training points', () => {
  const gp = fitGaussianProcess(
    { inputs: xs.map((x) => [x]), targets: ys },
    { lengthScales: [0.3], signalVariance: 1, noiseVariance: 1e-8 },
  );
  xs.forEach((x, i) => {
    const p = gp.predict([x]);
    assert.ok(Math.abs(p.mean - ys[i]!) < 1e-4, `mean at ${x}: ${p.mean} vs ${ys[i]}`);
    assert.ok(p.variance < 1e-5, `variance at ${x}: ${p.variance}`);
  });
  const far = gp.predict([5]);
  assert.ok(Math.abs(far.mean) < 1e-3, 'far away the prior mean');
  assert.ok(Math.abs(far.variance - 1) < 1e-3, 'far away the prior variance');
  const between = gp.predict([0.275]);
  assert.ok(between.variance > 1e-4 && between.variance < 0.5);
  assert.ok(Number.isFinite(gp.logMarginalLikelihood));
});

test('fitted hyperparameters also interpolate a smooth noise-free function', () => {
  const data = { inputs: xs.map((x) => [x]), targets: ys };
  const hp = selectHyperparameters(data);
  assert.ok(hp.noiseVariance / hp.signalVariance <= 1e-3, `noise ratio ${hp.noiseVariance / hp.signalVariance}`);
  const gp = fitGaussianProcess(data, hp);
  xs.forEach((x, i) => assert.ok(Math.abs(gp.predict([x]).mean - ys[i]!) < 0.02));
  assert.ok(Math.abs(gp.predict([0.3]).mean - Math.sin(1.8)) < 0.15, 'and predicts between them');
});

test('noisy targets get a larger noise ratio than smooth ones, and smoothing', () => {
  const rng = createPrng(3);
  const inputs = Array.from({ length: 30 }, (_, i) => [i / 29]);
  const targets = inputs.map(([x]) => x! + 0.3 * rng.normal());
  const hp = selectHyperparameters({ inputs, targets });
  assert.ok(hp.noiseVariance / hp.signalVariance >= 0.04, `noise ratio ${hp.noiseVariance / hp.signalVariance}`);
});

test('ARD gives an irrelevant dimension a longer length scale', () => {
  const rng = createPrng(5);
  const inputs = Array.from({ length: 25 }, () => [rng.next(), rng.next()]);
  const targets = inputs.map(([a]) => Math.cos(5 * a!));
  const hp = selectHyperparameters({ inputs, targets });
  assert.ok(hp.lengthScales[1]! > 2 * hp.lengthScales[0]!, JSON.stringify(hp.lengthScales));
});

test('features of one group share a length scale; weights divide the noise of averaged repeats', () => {
  const inputs = [
    [0, 0, 0],
    [1, 0, 0],
    [0, 1, 1],
  ];
  const data = prepareGpData({ inputs, targets: [0, 1, 0], groupOf: [0, 1, 1], weights: [1, 4, 1] });
  assert.equal(data.groups, 2);
  assert.deepEqual([...data.pairDistances], [1, 0, 0, 2, 1, 2]);
  const hp = { lengthScales: [1, 1], signalVariance: 1, noiseVariance: 0.5 };
  const weighted = fitGaussianProcess(data, hp);
  const unweighted = fitGaussianProcess({ inputs, targets: [0, 1, 0], groupOf: [0, 1, 1] }, hp);
  assert.ok(weighted.predict([1, 0, 0]).mean > unweighted.predict([1, 0, 0]).mean, 'four repeats pull the mean closer');
  assert.throws(() => fitGaussianProcess(data, { ...hp, lengthScales: [1] }), OptimizerInputError);
  assert.throws(() => prepareGpData({ inputs, targets: [0, 1] }), /gp.targets: expected 3 targets, got 2/);
  assert.throws(() => prepareGpData({ inputs, targets: [0, 1, 0], weights: [1, 0, 1] }), /gp.weights\[1\]: must be > 0/);
});

test('duplicate inputs do not break the factorisation', () => {
  const inputs = [[0.5], [0.5], [0.5], [0.2]];
  const data = { inputs, targets: [1, 1.1, 0.9, 0] };
  const ll = profiledLogLikelihood(prepareGpData(data), [0.3], 0);
  assert.ok(Number.isFinite(ll.logLikelihood));
  const gp = fitGaussianProcess(data, selectHyperparameters(data));
  assert.ok(Math.abs(gp.predict([0.5]).mean - 1) < 0.1);
});

test('constant or single targets fall back to default hyperparameters', () => {
  const hp = selectHyperparameters({ inputs: [[0.1], [0.9]], targets: [2, 2] });
  assert.equal(hp.signalVariance, 1);
  const one = selectHyperparameters({ inputs: [[0.1, 0.2]], targets: [1] });
  assert.equal(one.lengthScales.length, 2);
});
