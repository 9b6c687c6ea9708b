/** The text report of `policy backtest --shadow`, for people (scripts use `--json`). */
import { formatTable } from '../cli/table';
import { LIVE_ACTIONS, SHADOW_ACTIONS, type ShadowSummary } from './shadow-summary';

/** The matrix of live against shadow actions, and the totals. */
export function formatShadowSummary(summary: ShadowSummary): string {
  const shown = SHADOW_ACTIONS.filter(
    (to) => to !== 'error' || LIVE_ACTIONS.some((from) => summary.matrix[from]?.error),
  );
  const rows = LIVE_ACTIONS.filter((from) => summary.matrix[from]).map((from) => [
    from,
    ...shown.map((to) => String(summary.matrix[from]?.[to] ?? 0)),
  ]);
  const lines = [`shadow decisions recorded: ${summary.total}`, `query: ${summary.query}`, ''];
  if (summary.total === 0) {
    lines.push('no call in range was decided by a worker with a shadow policy (DURABLE_GUARD_SHADOW_POLICY)');
  } else {
    lines.push(formatTable(['live \\ shadow', ...shown], rows), '');
    const share = ((100 * summary.disagreed) / summary.total).toFixed(1);
    lines.push(`disagreed: ${summary.disagreed} (${share}%), agreed: ${summary.agreed}`);
  }
  return `${lines.join('\n')}\n`;
}
