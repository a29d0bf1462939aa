import type { Clock } from '../../src/services/clock.js';

/**
 * Time that moves only when a test moves it, so deadlines pass when the test says and nothing waits for
 * them. It starts at the real now, so webhook signatures stay within a receiver's tolerance.
 */
export class FakeClock {
  private current: number;

  constructor(start = Date.now()) {
    this.current = start;
  }

  /** The Clock to hand to the code under test. */
  readonly now: Clock = () => this.current;

  advance(ms: number): void {
    this.current += ms;
  }

  /** Moves to an instant, never back: a clock that runs backwards is not one a service meets. */
  moveTo(instant: string | number): void {
    const target = typeof instant === 'string' ? Date.parse(instant) : instant;
    if (target < this.current) throw new Error(`the clock cannot go back from ${this.current} to ${target}`);
    this.current = target;
  }

  /** Back to the real now (receivers refuse signatures whose timestamp is far off). */
  reset(): void {
    this.current = Date.now();
  }
}
