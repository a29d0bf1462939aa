/** A clock the test moves by hand, so deadlines pass when the test says and nothing waits for them. */
export class FakeClock {
  private current: number;

  constructor(start = Date.now()) {
    this.current = start;
  }

  /** The service's clock: pass it as `clock`. */
  readonly now = (): number => this.current;

  advance(ms: number): void {
    this.current += ms;
  }

  /** Moves to an instant, never back: a clock that runs backwards is not one a service meets. */
  moveTo(instant: string | number): void {
    const target = typeof instant === 'string' ? Date.parse(instant) : instant;
    if (target < this.current) throw new Error(`the clock cannot go back from ${this.current} to ${target}`);
    this.current = target;
  }
}
