/** The load average as benchmarks print it beside their figures: `1.2 0.8 0.5` (1, 5 and 15 minutes). */
import { loadavg } from 'node:os';

export const formatLoad = (load: readonly number[] = loadavg()): string => load.map((l) => l.toFixed(1)).join(' ');
