/**
 * Runs async work every interval, measured from the end of one run to the start of the next, so a
 * slow run never overlaps the next. A run that rejects is reported and the loop goes on.
 */
export class Periodic {
  readonly #intervalMs: number;
  readonly #work: () => Promise<unknown>;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;
  #running = false;

  constructor(intervalMs: number, work: () => Promise<unknown>, onError: (error: unknown) => void) {
    this.#intervalMs = intervalMs;
    this.#work = work;
    this.#onError = onError;
  }

  /** The first run happens one interval from now. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  /** Cancels the next run and waits for the one under way. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inFlight;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      this.#inFlight = this.#work()
        .then(() => undefined, this.#onError)
        .finally(() => {
          this.#inFlight = null;
          if (this.#running) this.#schedule();
        });
    }, this.#intervalMs);
  }
}
