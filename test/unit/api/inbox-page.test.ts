import { escapeHtml } from '../../../src/api/html';
import { escalationCard, linkConfirmPage } from '../../../src/api/inbox-page';
import { apiWithoutTemporal } from './api-app';

const evil = '<script>alert("x")</script>';

describe('HTML escaping', () => {
  test('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  test('an inbox card escapes every value from the call', () => {
    const html = escalationCard(
      {
        id: `id-"${evil}`,
        tool: evil,
        startedAt: evil,
        reason: evil,
        rules: [{ id: evil, action: 'escalate', mode: 'enforce' }],
        expiresAt: evil,
        approverGroups: [evil],
      },
      { note: evil },
    );
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('"<');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  test('a link page escapes the input and offers a POST form, never a decision on GET', () => {
    const html = linkConfirmPage(
      {
        id: 'guard-1',
        tool: evil,
        input: { note: evil },
        status: 'pending-approval',
        startedAt: '2026-01-01T00:00:00.000Z',
        reason: evil,
        rules: [],
        approverGroups: [],
        decisions: [],
      },
      { decision: 'deny', approver: evil, expiresAt: Date.now() + 1000 },
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('<form method="post">');
    expect(html).toContain('Deny as &lt;script&gt;');
  });
});

describe('inbox page', () => {
  test('is HTML with a strict Content-Security-Policy and loads its script from this origin', async () => {
    const api = await apiWithoutTemporal();
    try {
      for (const url of ['/', '/inbox']) {
        const res = await api.app.inject({ url });
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
        expect(res.body).toContain('<script src="/inbox.js" defer></script>');
        expect(res.body).toContain('id="token"');
      }
      const js = await api.app.inject({ url: '/inbox.js' });
      expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(js.body).toContain('sessionStorage');
      expect(() => new Function(js.body)).not.toThrow();
    } finally {
      await api.close();
    }
  });
});
