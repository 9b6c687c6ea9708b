/**
 * The approval window of an escalation with a ladder (pure, no Temporal): when it ends, which reminder or routing
 * step comes next, who may approve after each step, extensions up to the rule's maxWindow, and the move to another
 * group with a new window when the window ends with `onTimeout: escalate`.
 */
import type { EscalationSettings, LadderStep, TimeoutOutcome } from '../policy/types';
import { formatDuration } from './call-validation';
import type { LadderStatus, NextStep, TakenStep } from './definitions';

interface Planned {
  index: number;
  offsetMs: number;
  step: LadderStep;
  done: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether an escalation's rule asks for a ladder window: ladder steps, an onTimeout or a maxWindow. */
export function hasLadder(settings: EscalationSettings | undefined): boolean {
  return Boolean(settings?.ladder?.length || settings?.onTimeout || settings?.maxWindowMs !== undefined);
}

export class ApprovalWindow {
  /** When the current window opened: the escalation, or the move to the onTimeout group. */
  openedAtMs: number;
  deadlineMs: number;
  /** Approver groups allowed now (empty: anyone): the rule's and those routing added, or the escalation group's. */
  groups: string[];
  /** Channels told so far. */
  channels: string[];
  readonly taken: TakenStep[] = [];
  /** Bumped by every extension, so the wait notices a moved deadline. */
  version = 0;
  /** The groups the window moved to at its first end (`onTimeout: escalate`). */
  escalatedTo?: string[];
  private readonly firstOpenedAtMs: number;
  private readonly planned: Planned[];
  /** The latest the window may end (epoch ms): maxWindow from its opening; absent without a maxWindow. */
  private limitMs?: number;

  constructor(
    openedAtMs: number,
    readonly windowMs: number,
    private readonly settings: EscalationSettings,
  ) {
    this.openedAtMs = openedAtMs;
    this.firstOpenedAtMs = openedAtMs;
    this.deadlineMs = openedAtMs + windowMs;
    this.groups = [...(settings.approverGroups ?? [])];
    this.channels = [...(settings.channels ?? [])];
    if (settings.maxWindowMs !== undefined) this.limitMs = openedAtMs + Math.max(settings.maxWindowMs, windowMs);
    this.planned = (settings.ladder ?? [])
      .map((step, index) => ({
        index,
        step,
        offsetMs: 'afterMs' in step ? step.afterMs : Math.round(step.fraction * windowMs),
        done: false,
      }))
      .sort((a, b) => a.offsetMs - b.offsetMs || a.index - b.index);
  }

  /** What the end of the current window decides: the rule's onTimeout, and block once the window has moved. */
  get onTimeout(): TimeoutOutcome {
    return this.escalatedTo ? { action: 'block' } : (this.settings.onTimeout ?? { action: 'block' });
  }

  get expiresAt(): string {
    return iso(this.deadlineMs);
  }

  /** The next ladder step before the window ends, or the end itself. */
  next(): NextStep {
    const step = this.planned.find((p) => !p.done && this.openedAtMs + p.offsetMs < this.deadlineMs);
    if (step) {
      const added = step.step.kind === 'route' ? (step.step.approverGroups ?? []) : [];
      const what =
        step.step.kind === 'remind'
          ? 'remind approvers'
          : `route to ${[...added, ...((step.step.kind === 'route' && step.step.channels) || [])].join(', ')}`;
      return {
        kind: step.step.kind,
        atMs: this.openedAtMs + step.offsetMs,
        index: step.index,
        summary: `ladder step ${step.index + 1}: ${what} after ${formatDuration(step.offsetMs)}`,
      };
    }
    const end = this.onTimeout;
    const then = end.action === 'escalate' ? `escalate to ${end.approverGroups.join(', ')}` : end.action;
    const moved = this.escalatedTo ? ` for ${this.escalatedTo.join(', ')}` : '';
    return {
      kind: 'end',
      atMs: this.deadlineMs,
      summary: `approval window ${formatDuration(this.deadlineMs - this.openedAtMs)}${moved}, then ${then}`,
    };
  }

  /** Takes a due ladder step: returns the channels to tell (all told so far for a reminder, the new ones for a route). */
  take(next: NextStep, nowMs: number): { step: TakenStep; tell: string[] } {
    const planned = this.planned.find((p) => p.index === next.index)!;
    planned.done = true;
    if (planned.step.kind === 'remind') {
      const step: TakenStep = {
        kind: 'remind',
        at: iso(nowMs),
        channels: [...this.channels],
        expiresAt: this.expiresAt,
      };
      this.taken.push(step);
      return { step, tell: this.channels };
    }
    // No groups means anyone may approve: a route then adds only channels (the policy check refuses such a rule).
    const addedGroups =
      this.groups.length === 0 ? [] : (planned.step.approverGroups ?? []).filter((g) => !this.groups.includes(g));
    const addedChannels = (planned.step.channels ?? []).filter((c) => !this.channels.includes(c));
    this.groups.push(...addedGroups);
    this.channels.push(...addedChannels);
    const step: TakenStep = {
      kind: 'route',
      at: iso(nowMs),
      approverGroups: addedGroups,
      channels: addedChannels,
      expiresAt: this.expiresAt,
    };
    this.taken.push(step);
    return { step, tell: addedChannels };
  }

  /**
   * At the window's end with `onTimeout: escalate`: the window moves to the escalation's groups (only they may decide
   * now) for its timeout, and its channels (the ones told so far when it names none) are told. Returns undefined
   * when the end decides (block or allow).
   */
  escalate(nowMs: number): { step: TakenStep; tell: string[] } | undefined {
    const end = this.onTimeout;
    if (end.action !== 'escalate') return undefined;
    this.escalatedTo = [...end.approverGroups];
    for (const p of this.planned) p.done = true;
    this.groups = [...end.approverGroups];
    const tell = [...(end.channels ?? this.channels)];
    this.channels.push(...tell.filter((c) => !this.channels.includes(c)));
    this.openedAtMs = nowMs;
    this.deadlineMs = nowMs + end.timeoutMs;
    const max = this.settings.maxWindowMs;
    if (max !== undefined) this.limitMs = nowMs + Math.max(max, end.timeoutMs);
    this.version += 1;
    const step: TakenStep = {
      kind: 'escalate',
      at: iso(nowMs),
      approverGroups: end.approverGroups,
      channels: tell,
      expiresAt: this.expiresAt,
    };
    this.taken.push(step);
    return { step, tell };
  }

  /** Why the window cannot be extended by `extendByMs`, or undefined when it can. */
  extensionProblem(extendByMs: number): string | undefined {
    const max = this.settings.maxWindowMs;
    const limit = this.limitMs;
    if (max === undefined || limit === undefined) return 'the rule sets no maxWindow, so its window cannot be extended';
    if (this.deadlineMs + extendByMs > limit) {
      return (
        `extending by ${formatDuration(extendByMs)} would end the window at ${iso(this.deadlineMs + extendByMs)}, ` +
        `past its maxWindow ${formatDuration(max)} (at most ${formatDuration(Math.max(0, limit - this.deadlineMs))} more)`
      );
    }
    return undefined;
  }

  /** Moves the end of the window; check {@link extensionProblem} first. */
  extend(extendByMs: number, by: string, nowMs: number): TakenStep {
    this.deadlineMs += extendByMs;
    this.version += 1;
    const step: TakenStep = { kind: 'extend', at: iso(nowMs), by, expiresAt: this.expiresAt };
    this.taken.push(step);
    return step;
  }

  /** The outcome and reason when the window closes without a decision at `nowMs`. */
  ending(nowMs: number): { action: 'allow' | 'block'; reason: string } {
    const waited = formatDuration(nowMs - this.firstOpenedAtMs);
    const moved = this.escalatedTo
      ? ` (escalated to ${this.escalatedTo.join(', ')} after ${formatDuration(this.openedAtMs - this.firstOpenedAtMs)})`
      : '';
    if (this.onTimeout.action === 'allow') {
      return {
        action: 'allow',
        reason: `escalation timed out after ${waited} without a decision; the rule allows on timeout`,
      };
    }
    return { action: 'block', reason: `escalation timed out after ${waited}${moved} without a decision` };
  }

  /** Where the ladder stands, for `status`; `pending` adds the next step. */
  status(pending: boolean): LadderStatus {
    const next = pending ? this.next() : undefined;
    return {
      taken: this.taken,
      ...(next ? { next: { kind: next.kind, at: iso(next.atMs), summary: next.summary } } : {}),
      onTimeout: this.onTimeout.action,
      ...(this.limitMs !== undefined ? { extendableUntil: iso(this.limitMs) } : {}),
    };
  }
}
