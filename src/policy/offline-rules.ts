/**
 * Policies with their network rules (llm-judge, remote) turned off, for the deciders that must not call out: a
 * backtest without `--with-network` and a worker's shadow policy.
 */
import type { CompiledRule, LoadedPolicy } from './compiled';

/**
 * A network rule kept as a static rule that never fires: the tools it names stay named (so `unknownTools` treats
 * them as before) and its ID is kept, but it decides nothing.
 */
function offline(rule: CompiledRule): CompiledRule {
  return { ...rule, type: 'static', condition: { source: 'false', evaluate: () => false } };
}

/**
 * The policies with every llm-judge and remote rule replaced by one that never fires.
 * @returns the policies and the IDs of the rules turned off
 */
export function withoutNetworkRules(policies: readonly LoadedPolicy[]): {
  policies: LoadedPolicy[];
  skippedRules: Set<string>;
} {
  const skippedRules = new Set<string>();
  const local = policies.map((policy) => ({
    ...policy,
    rules: policy.rules.map((rule) => {
      if (rule.type === 'static') return rule;
      skippedRules.add(rule.id);
      return offline(rule);
    }),
  }));
  return { policies: local, skippedRules };
}
