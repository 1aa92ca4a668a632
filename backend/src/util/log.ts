/** The structured log the tuning rooms write to (pino's shape: detail first, then the message). */
export interface Log {
  info(detail: Record<string, unknown>, message: string): void;
  warn(detail: Record<string, unknown>, message: string): void;
  error(detail: Record<string, unknown>, message: string): void;
}
