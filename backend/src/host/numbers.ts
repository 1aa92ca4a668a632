import { HostParseError } from './errors.js';

const UNSIGNED_INTEGER = /^\d+$/;
const UNSIGNED_DECIMAL = /^\d+(\.\d+)?$/;

/** Parses a counter or size token strictly, so a format change fails loudly instead of yielding NaN. */
export function parseUnsignedInteger(token: string | undefined, file: string, field: string): number {
  if (token === undefined || !UNSIGNED_INTEGER.test(token)) {
    throw new HostParseError(file, `${field} is not an unsigned integer: ${JSON.stringify(token)}`);
  }
  return Number(token);
}

export function parseUnsignedDecimal(token: string | undefined, file: string, field: string): number {
  if (token === undefined || !UNSIGNED_DECIMAL.test(token)) {
    throw new HostParseError(file, `${field} is not an unsigned decimal: ${JSON.stringify(token)}`);
  }
  return Number(token);
}

/** Splits a line on runs of whitespace, dropping the empty tokens that leading padding produces. */
export function fieldsOf(line: string): string[] {
  return line.trim().split(/\s+/).filter((token) => token !== '');
}
