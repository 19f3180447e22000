/**
 * The emulated clock: starts at real time and runs `speed` times faster, so hours of DMS work take seconds.
 * Changing the speed re-anchors it, so emulated time never jumps or runs backwards.
 */
export interface ClockState {
  anchorRealMs: number;
  anchorEmulatedMs: number;
  speed: number;
}

export class EmulatedClock {
  constructor(private state: ClockState) {}

  static startingNow(speed: number): EmulatedClock {
    const now = Date.now();
    return new EmulatedClock({ anchorRealMs: now, anchorEmulatedMs: now, speed });
  }

  now(): number {
    return this.state.anchorEmulatedMs + (Date.now() - this.state.anchorRealMs) * this.state.speed;
  }

  get speed(): number {
    return this.state.speed;
  }

  setSpeed(speed: number): void {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be a positive number, not ${speed}`);
    const emulated = this.now();
    this.state = { anchorRealMs: Date.now(), anchorEmulatedMs: emulated, speed };
  }

  /** Emulated seconds → real milliseconds at the current speed (for real-time timers). */
  realMsFor(emulatedSeconds: number): number {
    return (emulatedSeconds * 1000) / this.state.speed;
  }

  snapshot(): ClockState {
    return { ...this.state };
  }
}
