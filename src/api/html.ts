/** Server-rendered HTML: escaping and the page frame shared by the inbox and the link pages. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** Pages load scripts and styles from this origin only; nothing inline can run. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** A whole page; `body` must already be escaped HTML. */
export function page(title: string, body: string, options: { script?: string | string[] } = {}): string {
  const scripts = options.script === undefined ? [] : ([] as string[]).concat(options.script);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="stylesheet" href="/inbox.css">',
    ...scripts.map((src) => `<script src="${escapeHtml(src)}" defer></script>`),
    '</head>',
    `<body>${body}</body>`,
    '</html>',
  ].join('\n');
}

/** Pretty JSON for display, escaped. */
export function jsonBlock(value: unknown): string {
  return `<pre class="json">${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
}

/** Rules as a comma-separated list of escaped ids. */
export function ruleList(rules: readonly { id: string; mode?: string }[]): string {
  if (rules.length === 0) return '-';
  return rules.map((r) => escapeHtml(r.mode === 'audit' ? `${r.id} (audit)` : r.id)).join(', ');
}
