/**
 * Coalesces render requests: at most one render per animation frame and at least `minIntervalMs`
 * apart, so a run that logs every step (or a 100k-event replay) costs one setData per frame.
 */
export class FrameScheduler {
  private frame: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = -Infinity;
  private disposed = false;

  constructor(
    private readonly render: () => void,
    private readonly minIntervalMs = 100,
  ) {}

  request(): void {
    if (this.disposed || this.frame !== undefined || this.timer !== undefined) return;
    const wait = this.last + this.minIntervalMs - performance.now();
    if (wait > 0) this.timer = setTimeout(() => this.onTimer(), wait);
    else this.frame = requestAnimationFrame(() => this.onFrame());
  }

  private onTimer(): void {
    this.timer = undefined;
    this.frame = requestAnimationFrame(() => this.onFrame());
  }

  private onFrame(): void {
    this.frame = undefined;
    this.last = performance.now();
    this.render();
  }

  dispose(): void {
    this.disposed = true;
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
