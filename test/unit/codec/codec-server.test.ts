import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { request } from 'undici';
import { AesGcmCodec, payloadsFromJson, startCodecServer } from '../../../src/codec';
import type { CodecServer } from '../../../src/codec';

const UI_ORIGIN = 'http://localhost:8233';
const codec = new AesGcmCodec([{ id: 'k1', key: randomBytes(32) }]);
let server: CodecServer;

beforeAll(async () => {
  server = await startCodecServer({
    codec,
    port: 0,
    allowedOrigins: [UI_ORIGIN],
    authToken: 's3cret-token',
    maxBodyBytes: 64 * 1024,
  });
});
afterAll(() => server.close());

// protobufjs' own JSON form (bytes as base64) stands in for the Web UI: @temporalio/common's payloadToJSON
// needs the generated root its protobufjs copy can read, which this install does not provide.
const ProtoPayload = temporal.api.common.v1.Payload;
const payloadToJSON = (payload: Payload) => ProtoPayload.toObject(ProtoPayload.create(payload), { bytes: String });
const JSONToPayload = (json: object) => ProtoPayload.fromObject(json);

const auth = { authorization: 'Bearer s3cret-token', 'content-type': 'application/json' };

async function post(path: string, body: unknown, headers: Record<string, string> = auth) {
  const res = await request(`${server.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
}

describe('codec server over HTTP', () => {
  test('listens on 127.0.0.1 with a real port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('/encode then /decode round-trips proto JSON payloads compatible with @temporalio/common', async () => {
    const original = defaultPayloadConverter.toPayload({ amount: 4200, tool: 'process_refund' });
    const encoded = await post('/encode', { payloads: [payloadToJSON(original)] });
    expect(encoded.status).toBe(200);
    const encodedPayloads = encoded.body.payloads as Record<string, unknown>[];
    expect(encodedPayloads).toHaveLength(1);
    const asProto = JSONToPayload(encodedPayloads[0] as object);
    expect(Buffer.from(asProto.metadata?.encoding ?? []).toString()).toBe('binary/encrypted');
    expect(Buffer.from(asProto.metadata?.['encryption-key-id'] ?? []).toString()).toBe('k1');

    const decoded = await post('/decode', encoded.body);
    expect(decoded.status).toBe(200);
    const [payload] = payloadsFromJson(decoded.body);
    expect(defaultPayloadConverter.fromPayload(payload as never)).toEqual({ amount: 4200, tool: 'process_refund' });
  });

  test('decode of a payload encrypted in-process (as the worker stores it) works', async () => {
    const [stored] = await codec.encode([defaultPayloadConverter.toPayload('secret input')]);
    const decoded = await post('/decode', { payloads: [payloadToJSON(stored as never)] });
    const [payload] = payloadsFromJson(decoded.body);
    expect(defaultPayloadConverter.fromPayload(payload as never)).toBe('secret input');
  });

  test('answers CORS preflight for the Web UI origin without a token', async () => {
    const res = await request(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace',
      },
    });
    await res.body.dump();
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    expect(res.headers['access-control-allow-headers']).toBe('content-type,x-namespace,authorization');
  });

  test('POST from the allowed origin carries the CORS header; another origin is refused', async () => {
    const ok = await post('/encode', { payloads: [] }, { ...auth, origin: UI_ORIGIN, 'x-namespace': 'default' });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(ok.body).toEqual({ payloads: [] });

    const evil = await post('/decode', { payloads: [] }, { ...auth, origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  test.each([
    ['no Authorization header', { 'content-type': 'application/json' }],
    ['a wrong token', { 'content-type': 'application/json', authorization: 'Bearer wrong' }],
    ['the token without the Bearer scheme', { 'content-type': 'application/json', authorization: 's3cret-token' }],
  ])('refuses %s with 401', async (_name, headers) => {
    const res = await post('/decode', { payloads: [] }, headers);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toMatchObject({ error: { code: 'CODEC_UNAUTHORIZED' } });
  });

  test('refuses a body over the limit with 413', async () => {
    const huge = { payloads: [{ metadata: {}, data: Buffer.alloc(100 * 1024).toString('base64') }] };
    const res = await post('/decode', huge);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'CODEC_BODY_TOO_LARGE' } });
  });

  test.each([
    ['invalid JSON', '{not json', 400, 'CODEC_BAD_REQUEST'],
    ['no payloads array', '{"items":[]}', 400, 'CODEC_BAD_REQUEST'],
    ['data that is not base64', '{"payloads":[{"data":"***"}]}', 400, 'CODEC_BAD_REQUEST'],
  ])('%s -> %i', async (_name, body, status, code) => {
    const res = await request(`${server.url}/decode`, { method: 'POST', headers: auth, body });
    expect(res.statusCode).toBe(status);
    expect(await res.body.json()).toMatchObject({ error: { code } });
  });

  test('a payload under an unknown key -> 422 naming the key id', async () => {
    const other = new AesGcmCodec([{ id: 'other', key: randomBytes(32) }]);
    const [stored] = await other.encode([defaultPayloadConverter.toPayload(1)]);
    const res = await post('/decode', { payloads: [payloadToJSON(stored as never)] });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: { code: 'CODEC_FAILED', message: expect.stringContaining("'other'") } });
  });

  test('unknown path -> 404, GET -> 405', async () => {
    expect((await post('/nope', {})).status).toBe(404);
    const res = await request(`${server.url}/decode`, { method: 'GET', headers: auth });
    await res.body.dump();
    expect(res.statusCode).toBe(405);
  });
});
