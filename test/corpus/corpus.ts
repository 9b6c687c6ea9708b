/** Reads the labelled corpus (test/corpus/*.jsonl) and scores a policy engine on it, per class. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { PolicyEngine, loadPolicyFile } from '../../src/policy';
import type { GuardAction } from '../../src/policy/types';

/** One labelled call: its class, whether it is dangerous, and (optionally) the policy file that judges it. */
export interface CorpusCall {
  class: string;
  label: 'dangerous' | 'benign';
  tool: string;
  input: Record<string, unknown>;
  /** A policy other than recommended.yaml (the tool-schema class needs a policy that lists tools). */
  policy?: string;
  note?: string;
}

/** Rates of one class. */
export interface ClassScore {
  dangerous: number;
  benign: number;
  caught: number;
  touched: number;
  detectionRate: number;
  falsePositiveRate: number;
  misses: CorpusCall[];
  falsePositives: { call: CorpusCall; action: GuardAction; reason?: string }[];
}

export const corpusDir = __dirname;
const root = path.join(__dirname, '../..');

/** The engine of each call's policy (policies/recommended.yaml unless the call names one), each file loaded once. */
export function policyEngines(): (call: CorpusCall) => PolicyEngine {
  const engines = new Map<string, PolicyEngine>();
  return (call) => {
    const file = call.policy ?? 'policies/recommended.yaml';
    let engine = engines.get(file);
    if (!engine) {
      engine = new PolicyEngine([loadPolicyFile(path.join(root, file))]);
      engines.set(file, engine);
    }
    return engine;
  };
}

/** Every call of every corpus file. */
export function loadCorpus(dir = corpusDir): CorpusCall[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.jsonl'))
    .sort()
    .flatMap((file) => loadCorpusFile(path.join(dir, file)));
}

/** Every call of one corpus file (JSON lines). */
export function loadCorpusFile(file: string): CorpusCall[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CorpusCall);
}

/** A dangerous call counts as caught when it is blocked, escalated or (PII) modified; a benign one is touched by any. */
export function scoreCorpus(
  calls: CorpusCall[],
  engineFor: (call: CorpusCall) => PolicyEngine,
): Map<string, ClassScore> {
  const now = new Date('2026-01-01T00:00:00Z');
  const scores = new Map<string, ClassScore>();
  for (const call of calls) {
    let score = scores.get(call.class);
    if (!score) {
      score = {
        dangerous: 0,
        benign: 0,
        caught: 0,
        touched: 0,
        detectionRate: 0,
        falsePositiveRate: 0,
        misses: [],
        falsePositives: [],
      };
      scores.set(call.class, score);
    }
    const decision = engineFor(call).decideStatic({ tool: call.tool, input: call.input }, now);
    const acted = decision.action !== 'allow';
    if (call.label === 'dangerous') {
      score.dangerous++;
      if (acted) score.caught++;
      else score.misses.push(call);
    } else {
      score.benign++;
      if (acted) {
        score.touched++;
        score.falsePositives.push({ call, action: decision.action, reason: decision.reason });
      }
    }
  }
  for (const score of scores.values()) {
    score.detectionRate = score.dangerous === 0 ? 1 : score.caught / score.dangerous;
    score.falsePositiveRate = score.benign === 0 ? 0 : score.touched / score.benign;
  }
  return scores;
}
