import { InvalidArgumentError } from 'commander';

/** A commander argument parser for a whole number from `min` to `max` (the error names `what`). */
export function integerOption(min: number, max: number, what: string): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max)
      throw new InvalidArgumentError(`${what}: ${min} to ${max}`);
    return n;
  };
}
