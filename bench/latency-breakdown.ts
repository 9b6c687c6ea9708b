/**
 * Where a start-and-answer's time goes, read from the server's own event times: the wait for a worker to pick the
 * first workflow task up (dispatch), the worker's time on its tasks (from each task's start to its completion,
 * local activities included), and the rest of what the client measured (requests, the result's long poll, the
 * client's own work). Medians over a sample of calls, in milliseconds.
 */
import type { Client } from '@temporalio/client';

export interface Breakdown {
  calls: number;
  clientMs: number;
  dispatchMs: number;
  workerMs: number;
  workflowTasks: number;
  restMs: number;
}

type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;

function ms(t: Timestamp): number {
  return Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

/** Reads the histories of `samples` (workflow ID and the latency the client measured for it). */
export async function latencyBreakdown(
  client: Client,
  samples: { workflowId: string; clientMs: number }[],
): Promise<Breakdown> {
  const rows: { clientMs: number; dispatchMs: number; workerMs: number; tasks: number }[] = [];
  for (const { workflowId, clientMs } of samples) {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    let started: number | undefined;
    let dispatchMs: number | undefined;
    let workerMs = 0;
    let tasks = 0;
    for (const event of events) {
      if (event.workflowTaskStartedEventAttributes) {
        started = ms(event.eventTime);
        dispatchMs ??= started - ms(events[0]?.eventTime);
      } else if (event.workflowTaskCompletedEventAttributes && started !== undefined) {
        workerMs += ms(event.eventTime) - started;
        tasks += 1;
        started = undefined;
      }
    }
    rows.push({ clientMs, dispatchMs: dispatchMs ?? NaN, workerMs, tasks });
  }
  const clientMs = median(rows.map((r) => r.clientMs));
  const dispatchMs = median(rows.map((r) => r.dispatchMs));
  const workerMs = median(rows.map((r) => r.workerMs));
  return {
    calls: rows.length,
    clientMs,
    dispatchMs,
    workerMs,
    workflowTasks: median(rows.map((r) => r.tasks)),
    restMs: median(rows.map((r) => r.clientMs - r.dispatchMs - r.workerMs)),
  };
}

/** One line per kind: `name: client 12.3 ms = dispatch 1.0 + worker 8.0 (1 task) + rest 3.3`. */
export function breakdownLine(name: string, b: Breakdown): string {
  return (
    `${name}: client ${b.clientMs.toFixed(1)} ms = dispatch ${b.dispatchMs.toFixed(1)} + worker ` +
    `${b.workerMs.toFixed(1)} (${b.workflowTasks} task${b.workflowTasks === 1 ? '' : 's'}) + rest ` +
    `${b.restMs.toFixed(1)} (medians of ${b.calls})`
  );
}
