import type { Clock } from '../../src/services/clock.js';

/** Time that moves only when a test moves it; starts at the real now, so signatures stay within tolerance. */
export class FakeClock {
  /** The Clock to hand to the code under test. */
  readonly clock: Clock = () => this.ms;

  constructor(private ms = Date.now()) {}

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }

  /** Back to the real now (receivers refuse signatures whose timestamp is far off). */
  reset(): void {
    this.ms = Date.now();
  }
}
