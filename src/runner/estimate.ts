/**
 * A moving estimate (exponentially weighted mean and spread) of a duration, such as a function's warm
 * run length or an image's cold start. Seeded, so a fresh function does not act on nothing.
 * @module
 */

export interface Estimate {
  readonly samples: number;
  readonly mean: number;
  readonly stddev: number;
}

export class Ewma implements Estimate {
  samples = 0;
  mean: number;
  private variance = 0;

  /** `alpha`: weight of a new sample; `seed`: the mean reported before any sample. */
  constructor(
    private readonly alpha = 0.2,
    seed = 0,
  ) {
    this.mean = seed;
  }

  add(x: number): void {
    if (this.samples === 0) {
      this.mean = x;
      this.variance = 0;
    } else {
      const diff = x - this.mean;
      this.mean += this.alpha * diff;
      this.variance = (1 - this.alpha) * (this.variance + this.alpha * diff * diff);
    }
    this.samples++;
  }

  get stddev(): number {
    return Math.sqrt(this.variance);
  }
}
