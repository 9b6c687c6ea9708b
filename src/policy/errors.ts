/** One problem found in a policy file, located as precisely as the source allows. */
export interface PolicyIssue {
  /** The policy file (or the name given to {@link parsePolicy}). */
  file: string;
  /** 1-based line of the offending node, when known. */
  line?: number;
  /** Id of the rule the problem is in, when it is inside a rule. */
  ruleId?: string;
  /** What is wrong and what was expected. */
  message: string;
}

/** Formats an issue as `file:line: rule 'id': message`. */
export function formatIssue(issue: PolicyIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  const rule = issue.ruleId === undefined ? '' : `rule '${issue.ruleId}': `;
  return `${where}: ${rule}${issue.message}`;
}

/**
 * A policy file that cannot be loaded, or a policy set that cannot be combined.
 * The message lists every problem found, one `file:line: rule 'id': ...` per line.
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  /** File of the first problem. */
  readonly file: string;
  /** Line of the first problem, when known. */
  readonly line?: number;
  /** Rule of the first problem, when it is inside a rule. */
  readonly ruleId?: string;
  /** Every problem found (at least one). */
  readonly issues: PolicyIssue[];

  /**
   * @param issues - the problems, first one most important; must not be empty
   * @param options - `cause`, the underlying error if any
   */
  constructor(issues: PolicyIssue[] | PolicyIssue, options?: { cause?: unknown }) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map(formatIssue).join('\n'), options);
    const first = list[0] ?? { file: '<unknown>', message: 'unknown policy error' };
    this.file = first.file;
    this.line = first.line;
    this.ruleId = first.ruleId;
    this.issues = list;
  }
}
