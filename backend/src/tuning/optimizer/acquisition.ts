/**
 * Expected improvement for minimisation, and its logarithm computed without underflow (far from
 * the incumbent, plain EI rounds to 0 and every candidate would tie).
 */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Complementary error function (Numerical Recipes' erfcc, fractional error < 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / SQRT2);
}

/**
 * E[max(best − xi − f, 0)] for f ~ N(mean, sd²): the expected improvement over `best` (lower is
 * better), with `xi` ≥ 0 asking for a margin. sd = 0 gives the plain improvement.
 */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  const gain = best - xi - mean;
  if (!(sd > 0)) return Math.max(gain, 0);
  const z = gain / sd;
  return sd * (z * normalCdf(z) + normalPdf(z));
}

/** log of expectedImprovement, accurate for very negative z (−Infinity only when sd = 0 and there is no gain). */
export function logExpectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  const gain = best - xi - mean;
  if (!(sd > 0)) return gain > 0 ? Math.log(gain) : -Infinity;
  const z = gain / sd;
  if (z > -10) return Math.log(sd) + Math.log(z * normalCdf(z) + normalPdf(z));
  // z·Φ(z) + φ(z) = φ(z)·(1/t² − 3/t⁴ + 15/t⁶ − …) with t = −z (asymptotic Mills ratio).
  const t2 = z * z;
  const series = 1 / t2 - 3 / (t2 * t2) + 15 / (t2 * t2 * t2);
  return Math.log(sd) - 0.5 * t2 - LOG_SQRT_2PI + Math.log(series);
}
