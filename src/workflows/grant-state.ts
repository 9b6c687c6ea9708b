/** The state of one standing grant (pure): live, revoked or expired, and what its sweeps decided. */
import { emptyBulkCounts, type BulkCounts } from './bulk-definitions';
import type { GrantState, GrantView, RevokeGrantInput, StandingGrantInput } from './grant-definitions';
import { INPUT_LIMITS } from './input-limits';

export class GrantRecord {
  state: GrantState = 'live';
  private revokedAt?: string;
  private revokedBy?: string;
  private revokeReason?: string;
  private readonly swept: BulkCounts = emptyBulkCounts();

  constructor(
    readonly id: string,
    private readonly input: StandingGrantInput,
  ) {}

  /** Why a revoke payload is malformed, or undefined. */
  revokeProblem(revoke: unknown): string | undefined {
    const { by, reason } = (revoke ?? {}) as Partial<RevokeGrantInput>;
    const max = INPUT_LIMITS.approval;
    if (typeof by !== 'string' || by.trim() === '' || by.length > max.byLength) {
      return `'by' must name who revokes (1 to ${max.byLength} characters)`;
    }
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > max.reasonLength)) {
      return `'reason' must be a string of at most ${max.reasonLength} characters when given`;
    }
    return undefined;
  }

  revoke({ by, reason }: RevokeGrantInput, at: string): void {
    this.state = 'revoked';
    this.revokedAt = at;
    this.revokedBy = by;
    if (reason !== undefined) this.revokeReason = reason;
  }

  expire(): void {
    this.state = 'expired';
  }

  addSwept(counts: BulkCounts): void {
    for (const key of Object.keys(counts) as (keyof BulkCounts)[]) this.swept[key] += counts[key];
  }

  view(): GrantView {
    const { scope, approver, reason, createdAt, expiresAt, ruleGroups } = this.input;
    return {
      id: this.id,
      state: this.state,
      scope,
      approver: approver.id,
      approverGroups: approver.groups,
      ruleGroups,
      reason,
      createdAt,
      expiresAt,
      ...(this.revokedAt ? { revokedAt: this.revokedAt } : {}),
      ...(this.revokedBy ? { revokedBy: this.revokedBy } : {}),
      ...(this.revokeReason !== undefined ? { revokeReason: this.revokeReason } : {}),
      swept: { ...this.swept },
    };
  }

  /** Markdown for the Web UI. */
  details(): string {
    const { scope, approver, expiresAt } = this.input;
    const narrowing = (['batch', 'agent', 'caller', 'where'] as const)
      .flatMap((key) => (scope[key] !== undefined ? [`${key} \`${scope[key]}\``] : []))
      .join(', ');
    const head =
      this.state === 'live'
        ? `**Approving** \`${scope.tool}\` / rule \`${scope.rule}\` as ${approver.id} until ${expiresAt}`
        : `**${this.state === 'revoked' ? `Revoked by ${this.revokedBy} at ${this.revokedAt}` : `Expired at ${expiresAt}`}**` +
          ` (\`${scope.tool}\` / rule \`${scope.rule}\`)`;
    return `${head}\n\nScope: ${narrowing || 'every escalation of the tool and rule'}\n\nSwept: ${this.swept.decided} decided`;
  }
}
