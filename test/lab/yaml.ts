/**
 * Reads YAML through Debian's python3-yaml (scripts/install-deps installs it): the tests of the
 * provisioning files need a YAML parser, and the project takes no npm dependency for one.
 */
import { execFileSync } from 'node:child_process';

const PYTHON = '/usr/bin/python3';
const TO_JSON = 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)';

export function readYaml<T = unknown>(path: string): T {
  return JSON.parse(execFileSync(PYTHON, ['-c', TO_JSON, path], { encoding: 'utf8' })) as T;
}
