import {
  WebhookVerificationError,
  generateWebhookSecret,
  signStandardWebhook,
  standardWebhookHeaders,
  verifyStandardWebhook,
  webhookSecretKey,
} from '../../activities/webhooks/standard-webhooks';

// The Standard Webhooks reference test vector.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const AT = new Date(TIMESTAMP * 1000);

function headersOf(signature = SIGNATURE, timestamp = String(TIMESTAMP), id = ID) {
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
}

function verificationErrorOf(fn: () => unknown): WebhookVerificationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return error as WebhookVerificationError;
  }
  throw new Error('expected a WebhookVerificationError');
}

describe('Standard Webhooks signing', () => {
  it('matches the reference test vector', () => {
    expect(signStandardWebhook(SECRET, ID, TIMESTAMP, BODY)).toBe(SIGNATURE);
    expect(standardWebhookHeaders(SECRET, ID, BODY, AT)).toEqual(headersOf());
  });

  it('signs bytes and strings alike', () => {
    expect(signStandardWebhook(SECRET, ID, TIMESTAMP, Buffer.from(BODY))).toBe(SIGNATURE);
  });

  it('keys a raw secret with its UTF-8 bytes and a whsec_ secret with its decoded bytes', () => {
    expect(webhookSecretKey('pässword')).toEqual(Buffer.from('pässword', 'utf8'));
    expect(webhookSecretKey(SECRET)).toEqual(
      Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'),
    );
    const raw = standardWebhookHeaders('plain secret', ID, BODY, AT);
    expect(verifyStandardWebhook(raw, BODY, 'plain secret', 300, AT).id).toBe(ID);
    expect(() => verifyStandardWebhook(raw, BODY, SECRET, 300, AT)).toThrow(
      WebhookVerificationError,
    );
  });

  it.each(['', 'whsec_', 'whsec_***', 'whsec_a'])('rejects the secret %j', (secret) => {
    expect(() => webhookSecretKey(secret)).toThrow(/webhook secret/);
  });

  it('generates whsec_ secrets of 24 random bytes', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(webhookSecretKey(a)).toHaveLength(24);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});

describe('verifyStandardWebhook', () => {
  it('accepts the reference message and returns its id and time', () => {
    expect(verifyStandardWebhook(headersOf(), BODY, SECRET, 300, AT)).toEqual({
      id: ID,
      timestamp: AT,
    });
  });

  it('round-trips a freshly signed message with the default tolerance and clock', () => {
    const body = JSON.stringify({ type: 'remediation.execute', caseId: 'c-1' });
    const headers = standardWebhookHeaders(SECRET, 'c-1:rotate:execute', body);
    expect(verifyStandardWebhook(headers, body, SECRET).id).toBe('c-1:rotate:execute');
  });

  it('accepts any one matching signature among several, and ignores other versions', () => {
    const other = signStandardWebhook(generateWebhookSecret(), ID, TIMESTAMP, BODY);
    const headers = headersOf(`v2,${SIGNATURE.slice(3)} ${other} ${SIGNATURE}`);
    expect(verifyStandardWebhook(headers, BODY, SECRET, 300, AT).id).toBe(ID);
  });

  it('reads headers case-insensitively, including a fetch Headers object', () => {
    const upper = {
      'Webhook-Id': ID,
      'Webhook-Timestamp': String(TIMESTAMP),
      'Webhook-Signature': SIGNATURE,
    };
    expect(verifyStandardWebhook(upper, BODY, SECRET, 300, AT).id).toBe(ID);
    expect(verifyStandardWebhook(new Headers(upper), BODY, SECRET, 300, AT).id).toBe(ID);
  });

  it.each([
    ['a changed body', headersOf(), '{"test": 2432232315}'],
    ['a changed id', headersOf(SIGNATURE, String(TIMESTAMP), 'msg_other'), BODY],
    ['a changed timestamp', headersOf(SIGNATURE, String(TIMESTAMP + 1)), BODY],
    ['a signature of another secret', headersOf('v1,' + 'A'.repeat(43) + '='), BODY],
    ['a truncated signature', headersOf(SIGNATURE.slice(0, 20)), BODY],
    ['the right digest under another version', headersOf(`v1a,${SIGNATURE.slice(3)}`), BODY],
    ['no version', headersOf(SIGNATURE.slice(3)), BODY],
  ])('rejects %s', (_case, headers, body) => {
    const error = verificationErrorOf(() =>
      verifyStandardWebhook(headers, body, SECRET, 300, new Date((TIMESTAMP + 1) * 1000)),
    );
    expect(error.message).toBe('no matching v1 signature');
  });

  it('rejects a re-serialised body: the raw bytes are what is signed', () => {
    const reserialised = JSON.stringify(JSON.parse(BODY));
    expect(() => verifyStandardWebhook(headersOf(), reserialised, SECRET, 300, AT)).toThrow(
      'no matching v1 signature',
    );
  });

  it('rejects an expired timestamp and one too far in the future', () => {
    const late = new Date((TIMESTAMP + 301) * 1000);
    expect(
      verificationErrorOf(() => verifyStandardWebhook(headersOf(), BODY, SECRET, 300, late))
        .message,
    ).toBe('webhook-timestamp is too old (301s)');
    const early = new Date((TIMESTAMP - 301) * 1000);
    expect(
      verificationErrorOf(() => verifyStandardWebhook(headersOf(), BODY, SECRET, 300, early))
        .message,
    ).toBe('webhook-timestamp is in the future (301s)');
    const edge = new Date((TIMESTAMP + 300) * 1000);
    expect(verifyStandardWebhook(headersOf(), BODY, SECRET, 300, edge).id).toBe(ID);
    expect(verifyStandardWebhook(headersOf(), BODY, SECRET, 600, late).id).toBe(ID);
  });

  it('rejects the reference message by the current clock (it is years old)', () => {
    expect(() => verifyStandardWebhook(headersOf(), BODY, SECRET)).toThrow(/too old/);
  });

  it.each([
    ['missing id', { 'webhook-timestamp': String(TIMESTAMP), 'webhook-signature': SIGNATURE }],
    ['missing timestamp', { 'webhook-id': ID, 'webhook-signature': SIGNATURE }],
    ['missing signature', { 'webhook-id': ID, 'webhook-timestamp': String(TIMESTAMP) }],
  ])('rejects a message with a %s', (_case, headers) => {
    expect(
      verificationErrorOf(() => verifyStandardWebhook(headers, BODY, SECRET, 300, AT)).message,
    ).toBe('missing webhook-id, webhook-timestamp or webhook-signature header');
  });

  it.each(['1614265330.5', '-1614265330', 'yesterday', '1e9'])(
    'rejects the timestamp %s',
    (timestamp) => {
      expect(() =>
        verifyStandardWebhook(headersOf(SIGNATURE, timestamp), BODY, SECRET, 300, AT),
      ).toThrow('webhook-timestamp is not unix seconds');
    },
  );

  it('never puts the secret or the signature in its messages', () => {
    const error = verificationErrorOf(() =>
      verifyStandardWebhook(headersOf(), 'tampered', SECRET, 300, AT),
    );
    expect(error.message).not.toContain(SECRET.slice(6));
    expect(error.message).not.toContain(SIGNATURE.slice(3));
  });
});
