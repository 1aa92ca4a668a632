import { existsSync } from 'node:fs';

/**
 * Which Patroni the lab runs: Debian's package (3.0.2 on bookworm) or Patroni 4.x from PyPI in a
 * virtualenv that `scripts/install-deps` creates. Chosen with LAB_PATRONI=debian|pypi.
 */
export type PatroniFlavour = 'debian' | 'pypi';

export const DEFAULT_PYPI_VENV = '/opt/patroni-tuner/patroni4';

export function patroniFlavourFromEnv(env: NodeJS.ProcessEnv = process.env): PatroniFlavour {
  const value = env.LAB_PATRONI ?? 'debian';
  if (value !== 'debian' && value !== 'pypi') {
    throw new Error(`LAB_PATRONI must be "debian" or "pypi", got "${value}"`);
  }
  return value;
}

export function patroniExecutable(flavour: PatroniFlavour, env: NodeJS.ProcessEnv = process.env): string {
  const path = flavour === 'debian' ? '/usr/bin/patroni' : `${env.LAB_PATRONI_VENV ?? DEFAULT_PYPI_VENV}/bin/patroni`;
  if (!existsSync(path)) {
    throw new Error(`Patroni (${flavour}) not found at ${path}; run scripts/install-deps first`);
  }
  return path;
}
