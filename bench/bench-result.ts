/** One measured figure and how it compares with its goal. */
export interface BenchResult {
  name: string;
  /** Operations per second measured. */
  opsPerSec: number;
  /** What we aim for, in operations per second. */
  goal: number;
  /** opsPerSec / goal; 1 or more meets the goal. */
  ratio: number;
  /** Operations measured and how long they took. */
  operations: number;
  seconds: number;
}
