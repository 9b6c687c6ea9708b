/**
 * Decisions on hostile input: the worst time per detector and for the whole example and recommended policies on
 * adversarial strings
 * of 64 KB, 1 MB and 1.9 MB (the largest input accepted: two strings of 0.95 MB, since one string may hold at most
 * 1 MB), and the p99 latency of normal decisions with and without hostile ones interleaved.
 */
import path from 'node:path';

import { PolicyEngine, loadPolicyFile, scanValue } from '../src/policy';
import type { Detector, PolicyDecision, ToolCall } from '../src/policy';
import { DEFAULT_DECISION_LIMITS, DecisionBudget } from '../src/policy/budget';
import { detectorsByName } from '../src/policy/detectors/registry';
import { ADVERSARIAL_UNITS, adversarialString } from './adversarial';
import { formatLoad } from './load-average';
import { sampleCalls } from './policy';

/** The goal: a decision on 1 MB of adversarial input within 50 ms on one core. */
export const HOSTILE_GOAL_MS = 50;

const KB = 1024;
/** `BENCH_HOSTILE_SIZES=64KB` (labels without spaces, comma-separated) measures only those sizes. */
const sizeFilter = process.env.BENCH_HOSTILE_SIZES?.split(',').map((label) => label.trim());
const SIZES = [
  { label: '64 KB', bytes: 64 * KB },
  { label: '1 MB', bytes: 1024 * KB },
  { label: '1.9 MB', bytes: 1_900_000 },
].filter((size) => !sizeFilter || sizeFilter.includes(size.label.replace(' ', '')));
/** Where the 1 MB figures are (the ratio column); the largest size measured when 1 MB is filtered out. */
const oneMbIndex = SIZES.findIndex((size) => size.label === '1 MB');
/** `BENCH_HOSTILE_GROUPS=sql,shell` times only the detectors of those groups (the policies are always timed). */
const groupFilter = process.env.BENCH_HOSTILE_GROUPS?.split(',').map((group) => group.trim());
/**
 * `BENCH_HOSTILE_UNITS='["a@b.co ","078-05-1120 "]'` (a JSON array) times those units instead of
 * {@link ADVERSARIAL_UNITS}: units that match densely (1 MB of email addresses) take the redaction path.
 */
const UNITS: readonly string[] = process.env.BENCH_HOSTILE_UNITS
  ? (JSON.parse(process.env.BENCH_HOSTILE_UNITS) as string[])
  : ADVERSARIAL_UNITS;
/** Tools whose rules scan different fields (shell, SQL, PII, and secrets and egress on every tool). */
const TOOLS: { tool: string; field: string }[] = [
  { tool: 'get_order', field: 'note' },
  { tool: 'send_email', field: 'body' },
  { tool: 'run_shell', field: 'command' },
  { tool: 'execute_sql', field: 'sql' },
  { tool: 'fetch_url', field: 'url' },
];

/** An input of `bytes` characters of `unit` in `field`, split in two strings above 1 MB. */
function hostileInput(unit: string, bytes: number, field: string, end = '!'): Record<string, unknown> {
  if (bytes <= 1024 * KB) return { [field]: adversarialString(unit, bytes, end) };
  const half = Math.floor(bytes / 2);
  return { [field]: adversarialString(unit, half, end), extra: adversarialString(unit, bytes - half, end) };
}

/** Endings of the repeated runs: each gives an input no memo of the shell and SQL verdicts has seen yet. */
const ENDS = ['!', '?', '%'];

interface Worst {
  ms: number;
  unit: string;
  /** How many inputs ran into the decision budget (default limits) instead of finishing. */
  overBudget: number;
}

/**
 * `BENCH_HOSTILE_CLOCK=cpu` times the process's CPU (process.cpuUsage: user and system, every thread) instead of the
 * wall clock, so that on a machine shared with other jobs the figures are the decisions' own cost rather than their
 * wait for a core. The decision budget keeps the wall clock either way.
 */
const cpuClock = process.env.BENCH_HOSTILE_CLOCK === 'cpu';
const clock = cpuClock
  ? (): number => {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1000;
    }
  : (): number => performance.now();

function timedOnce<I, T>(input: I, run: (input: I) => T): { ms: number; value: T } {
  const start = clock();
  const value = run(input);
  return { ms: clock() - start, value };
}

/**
 * The time of `run`; a run over half the goal is timed twice more (on an input of the same shape with another
 * ending, see {@link ENDS}) and the fastest kept, so that a garbage collection or another process on the machine
 * is not reported as the input's cost (an input that is slow is slow every time).
 */
function timed<I, T>(prepare: (end: string) => I, run: (input: I) => T): { ms: number; value: T } {
  let best = timedOnce(prepare(ENDS[0] as string), run);
  for (let attempt = 1; attempt < ENDS.length && best.ms > HOSTILE_GOAL_MS / 2; attempt++) {
    const again = timedOnce(prepare(ENDS[attempt] as string), run);
    if (again.ms < best.ms) best = again;
  }
  return best;
}

/** The worst scan by one detector, the way a decision runs it (scanValue under the default budget). */
function worstForDetector(detector: Detector, bytes: number): Worst {
  const worst: Worst = { ms: 0, unit: '', overBudget: 0 };
  for (const unit of UNITS) {
    let overBudget = false;
    const { ms } = timed(
      (end) => hostileInput(unit, bytes, 'text', end),
      (input) => {
        const budget = new DecisionBudget(DEFAULT_DECISION_LIMITS, () => performance.now());
        budget.resume();
        try {
          scanValue(input, [detector], 5, budget);
          overBudget = false;
        } catch {
          overBudget = true;
        }
      },
    );
    if (overBudget) worst.overBudget++;
    if (ms > worst.ms) Object.assign(worst, { ms, unit });
  }
  return worst;
}

type PolicyWorst = Worst & { tool: string; action: string; withinBudget: { ms: number; unit: string; tool: string } };

function worstForPolicy(engine: PolicyEngine, bytes: number): PolicyWorst {
  const worst: PolicyWorst = {
    ms: 0,
    unit: '',
    overBudget: 0,
    tool: '',
    action: '',
    withinBudget: { ms: 0, unit: '', tool: '' },
  };
  const now = new Date();
  for (const { tool, field } of TOOLS) {
    for (const unit of UNITS) {
      const { ms, value } = timed(
        (end): ToolCall => ({ tool, input: hostileInput(unit, bytes, field, end) }),
        (call) => engine.decideStatic(call, now),
      );
      if (value.rulesTriggered.some((hit) => hit.id === 'guard:decision-budget')) worst.overBudget++;
      else if (ms > worst.withinBudget.ms) worst.withinBudget = { ms, unit, tool };
      if (ms > worst.ms) Object.assign(worst, { ms, unit, tool, action: value.action });
    }
  }
  return worst;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

/**
 * Normal calls arrive every `intervalMs`; each one's latency is from its arrival to its decision, so time the event
 * loop spends on a hostile decision shows up as the wait of the calls queued behind it. With `hostile`, one hostile
 * decision arrives with every `every`-th normal call (every 2 s: spaced so that the loop is never saturated).
 */
async function normalLatencies(
  engine: PolicyEngine,
  hostile: ToolCall | undefined,
  count = 6000,
  intervalMs = 1,
  every = 2000,
): Promise<{ p50: number; p99: number; max: number; hostileMs: number[] }> {
  const latencies: number[] = [];
  const hostileMs: number[] = [];
  const now = new Date();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * intervalMs;
    while (performance.now() < due) await new Promise((resolve) => setImmediate(resolve));
    if (hostile && i % every === every / 2) {
      const t = performance.now();
      await engine.decide(hostile, now);
      hostileMs.push(performance.now() - t);
    }
    const decision: PolicyDecision = await engine.decide(sampleCalls[i % sampleCalls.length] as ToolCall, now);
    if (!decision.action) throw new Error('no decision');
    latencies.push(performance.now() - due);
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN, hostileMs };
}

const ms = (value: number): string => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
/** Goal / measured: 1 or more meets the goal. */
const ratio = (value: number): string => `${(HOSTILE_GOAL_MS / Math.max(value, 0.001)).toFixed(2)}x`;

/**
 * Runs every measurement and returns the report's lines.
 * @param log - progress, to stderr
 */
export async function benchHostile(log: (line: string) => void = () => undefined): Promise<string[]> {
  const lines: string[] = [
    `clock: ${cpuClock ? 'CPU time (process.cpuUsage)' : 'wall'}; load average at the start ${formatLoad()}`,
  ];
  const engine = new PolicyEngine([loadPolicyFile(path.join(__dirname, '../policies/example.yaml'))]);
  const recommended = new PolicyEngine([loadPolicyFile(path.join(__dirname, '../policies/recommended.yaml'))]);
  // Warm the JIT on small inputs so the first measured detector is not charged for compilation.
  for (const detector of detectorsByName.values()) worstForDetector(detector, 16 * KB);
  worstForPolicy(engine, 16 * KB);
  worstForPolicy(recommended, 16 * KB);

  const header = ['detector', 'linear', ...SIZES.map((s) => `worst ${s.label}`), 'worst input (1 MB)', 'ratio @1 MB'];
  const rows: string[][] = [];
  for (const detector of detectorsByName.values()) {
    if (groupFilter && !groupFilter.includes(detector.group)) continue;
    log(`detector ${detector.name}`);
    const results = SIZES.map((size) => worstForDetector(detector, size.bytes));
    const oneMb = (results[oneMbIndex] ?? results.at(-1)) as Worst;
    rows.push([
      detector.name,
      detector.linear ? 'yes' : 'no (windowed)',
      ...results.map((r) => `${ms(r.ms)}${r.overBudget ? ` (${r.overBudget} over budget)` : ''}`),
      JSON.stringify(oneMb.unit),
      ratio(oneMb.ms),
    ]);
  }
  let policyAt1Mb: PolicyWorst | undefined;
  for (const [name, policyEngine] of [
    ['example', engine],
    ['recommended', recommended],
  ] as const) {
    log(`${name} policy`);
    const policy = SIZES.map((size) => worstForPolicy(policyEngine, size.bytes));
    const at1Mb = (policy[oneMbIndex] ?? policy.at(-1)) as PolicyWorst;
    policyAt1Mb ??= at1Mb;
    rows.push([
      `${name} policy (decideStatic)`,
      '',
      ...policy.map((r) => `${ms(r.ms)}${r.overBudget ? ` (${r.overBudget} over budget)` : ''}`),
      `${JSON.stringify(at1Mb.unit)} on ${at1Mb.tool} → ${at1Mb.action}`,
      ratio(at1Mb.ms),
    ]);
    const within = at1Mb.withinBudget;
    rows.push([
      `${name} policy, inputs decided within budget`,
      '',
      ...policy.map((r) => ms(r.withinBudget.ms)),
      `${JSON.stringify(within.unit)} on ${within.tool}`,
      ratio(within.ms),
    ]);
  }
  if (!policyAt1Mb) throw new Error('no policy measured');
  lines.push(...table(header, rows));
  lines.push(
    `goal: a decision on 1 MB of adversarial input within ${HOSTILE_GOAL_MS} ms; ratio = goal / worst (1 or more meets it); ` +
      `budget: default limits (maxDecisionMs ${DEFAULT_DECISION_LIMITS.maxDecisionMs}); load average at the end ${formatLoad()}`,
  );

  log('normal decisions with and without hostile ones');
  const quiet = await normalLatencies(engine, undefined);
  // The worst 1 MB input found above, on its tool.
  const worstTool = TOOLS.find((t) => t.tool === policyAt1Mb.tool) ?? (TOOLS[0] as { tool: string; field: string });
  const hostileCall = { tool: worstTool.tool, input: hostileInput(policyAt1Mb.unit, 1024 * KB, worstTool.field) };
  const noisy = await normalLatencies(engine, hostileCall);
  const hostileWorst = Math.max(...noisy.hostileMs);
  lines.push(
    `normal decisions (example policy, 12-call mix, one every 1 ms for 6 s): p50 ${ms(quiet.p50)}, p99 ${ms(quiet.p99)}, max ${ms(quiet.max)}`,
    `  with a 1 MB hostile decision (${JSON.stringify(policyAt1Mb.unit)} on ${worstTool.tool}) every 2 s: ` +
      `p50 ${ms(noisy.p50)}, p99 ${ms(noisy.p99)}, max ${ms(noisy.max)}; hostile decisions took up to ${ms(hostileWorst)} ` +
      `(ratio to goal ${ratio(hostileWorst)})`,
  );
  return lines;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)];
}
