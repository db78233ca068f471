// The relay's promise, checked end to end: after a scripted conversation (real keys, a PQXDH
// session, sealed envelopes both ways over the mailbox and the socket, an encrypted attachment)
// whose passwords, messages and attachment carry unique markers, no marker appears — as text, hex,
// base64 or base64url — in the SQLite file, its WAL, the relay key file, the blob files, or the
// relay's own logs at debug level; and `veil-relay audit` passes on what the relay kept.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  acceptSession,
  decodePrekeyBundle,
  decryptAttachment,
  encryptAttachment,
  certifyDevice,
  fromBase64Url,
  fromUtf8,
  initiateSession,
  openEnvelope,
  ratchetDecrypt,
  sealEnvelope,
  sessionEncrypt,
  toBase64Url,
  utf8,
  accountPublic,
  type RatchetState,
} from '@veil/protocol';
import type { BlobCreateReply, BundleReply, EnvelopeFrame, MailboxPage } from '@veil/wire';
import { afterAll, describe, expect, it } from 'vitest';
import { download, putChunk } from './blobs/test-support/blob-client';
import { DATABASE_FILE } from './db/open-database';
import { registeredDevice, type TestDevice } from './keys/test-support/device-client';
import { newClientId } from './mailbox/test-support/envelopes';
import { KEY_FILE } from './secrets/relay-keys';
import { readySocket } from './socket/test-support/socket-client';
import { startRelayProcess, type RelayProcess } from './test-support/relay-process';

const relayDir = fileURLToPath(new URL('..', import.meta.url));

let scratch: string | undefined;
let relay: RelayProcess | undefined;
afterAll(async () => {
  await relay?.kill();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

const marker = (what: string) => `CANARY-${what}-${randomBytes(6).toString('hex')}`;

/** Every way a careless relay could have written a marker down. */
function encodings(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  return [
    text,
    bytes.toString('hex'),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
  ];
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

async function leaks(dataDir: string, logs: string, markers: readonly string[]) {
  const found: string[] = [];
  const sources: [string, Buffer][] = [['logs', Buffer.from(logs)]];
  for (const file of await filesUnder(dataDir)) sources.push([file, await readFile(file)]);
  for (const [where, content] of sources) {
    const latin = content.toString('latin1');
    for (const m of markers)
      for (const form of encodings(m)) if (latin.includes(form)) found.push(`${m} in ${where}`);
  }
  return { found, scanned: sources.map(([where]) => where) };
}

async function deliverStart(
  sender: TestDevice,
  recipient: TestDevice,
  text: string,
): Promise<RatchetState> {
  const fetched = await sender.client.call<BundleReply>(
    'POST',
    `/api/v1/directory/${recipient.username}/bundles`,
    {},
  );
  const bundle = decodePrekeyBundle(fromBase64Url(fetched.body.bundles[0]!.bundle));
  const state = initiateSession(sender.p, {
    account: accountPublic(sender.account),
    device: sender.device,
    remote: accountPublic(recipient.account),
    bundle,
  });
  const { state: next, message } = sessionEncrypt(sender.p, state, utf8(text));
  const sealed = sealEnvelope(sender.p, {
    recipient: bundle.certificate.identityKey,
    payload: {
      kind: 'sessionStart',
      certificate: certifyDevice(sender.p, { account: sender.account, device: sender.device }),
      body: message,
    },
  });
  const answer = await sender.client.call('POST', '/api/v1/messages', {
    clientId: newClientId(),
    envelopes: [{ body: toBase64Url(sealed), to: [{ username: recipient.username, deviceId: 1 }] }],
  });
  expect(answer.status).toBe(200);
  return next;
}

describe('the canary', () => {
  it('leaves no password, message or attachment marker in the database, WAL, key file, blobs or logs', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'veil-canary-'));
    const dataDir = join(scratch, 'data');
    relay = await startRelayProcess({ VEIL_DATA_DIR: dataDir, VEIL_LOG_LEVEL: 'debug' });

    const markers = {
      alicePassword: marker('alice-password'),
      bobPassword: marker('bob-password'),
      hello: marker('hello'),
      reply: marker('reply'),
      attachment: marker('attachment'),
    };
    const alice = await registeredDevice(relay, 'alice', {
      password: `correct horse ${markers.alicePassword}`,
      oneTimeCount: 2,
    });
    const bob = await registeredDevice(relay, 'bob', {
      password: `battery staple ${markers.bobPassword}`,
      oneTimeCount: 2,
    });

    // Alice starts a session and says hello; Bob receives it live over his socket.
    const bobSocket = await readySocket(bob.client);
    const aliceState = await deliverStart(alice, bob, `Hi Bob! ${markers.hello}`);
    const frame: EnvelopeFrame = await bobSocket.next('envelope');
    const opened = openEnvelope(bob.p, {
      identity: bob.device.identity,
      sealed: fromBase64Url(frame.body),
    });
    expect(opened.kind).toBe('sessionStart');
    const accepted = acceptSession(bob.p, {
      account: accountPublic(bob.account),
      device: bob.device,
      prekeys: bob.lookup,
      start: opened.body,
    });
    expect(fromUtf8(accepted.plaintext, 'test')).toBe(`Hi Bob! ${markers.hello}`);
    bobSocket.send({ type: 'ack', upTo: frame.seq });

    // Bob answers with an attachment: the file is encrypted, uploaded as a blob, and its pointer
    // (id and key) travels inside the ratchet message.
    const file = utf8(`attachment body ${markers.attachment}`.repeat(100));
    const encrypted = encryptAttachment(bob.p, file);
    const created = await bob.client.call<BlobCreateReply>('POST', '/api/v1/blobs', {
      size: encrypted.ciphertext.length,
    });
    expect(created.status).toBe(201);
    const put = await putChunk(bob.client, {
      id: created.body.id,
      offset: 0,
      bytes: encrypted.ciphertext,
    });
    expect(put.status).toBe(200);
    const reply = `${markers.reply} blob=${created.body.id} key=${toBase64Url(encrypted.key)}`;
    const { message } = sessionEncrypt(bob.p, accepted.state, utf8(reply));
    const sender = opened.certificate;
    const sealedReply = sealEnvelope(bob.p, {
      recipient: sender.identityKey,
      payload: {
        kind: 'message',
        certificate: certifyDevice(bob.p, { account: bob.account, device: bob.device }),
        body: message,
      },
    });
    const sent = await bob.client.call('POST', '/api/v1/messages', {
      clientId: newClientId(),
      envelopes: [{ body: toBase64Url(sealedReply), to: [{ username: 'alice', deviceId: 1 }] }],
    });
    expect(sent.status).toBe(200);

    // Alice reads her mailbox over HTTP, decrypts, fetches and opens the attachment, acks.
    const page = await alice.client.call<MailboxPage>('GET', '/api/v1/mailbox?after=0');
    const envelope = page.body.envelopes[0]!;
    const payload = openEnvelope(alice.p, {
      identity: alice.device.identity,
      sealed: fromBase64Url(envelope.body),
    });
    const { plaintext } = ratchetDecrypt(alice.p, aliceState, payload.body);
    expect(fromUtf8(plaintext, 'test')).toBe(reply);
    const blob = await download(alice.client, created.body.id);
    expect(
      decryptAttachment(alice.p, {
        pointer: {
          key: encrypted.key,
          digest: encrypted.digest,
          plaintextSize: encrypted.plaintextSize,
          ciphertextSize: encrypted.ciphertextSize,
        },
        ciphertext: blob.bytes,
      }),
    ).toEqual(file);
    await alice.client.call('POST', '/api/v1/mailbox/ack', { upTo: envelope.seq });
    await bobSocket.close();

    const all = Object.values(markers);
    // While running: the WAL still holds the recent writes.
    const live = await leaks(dataDir, relay.output(), all);
    expect(live.scanned.some((file) => file.endsWith(`${DATABASE_FILE}-wal`))).toBe(true);
    expect(live.scanned.some((file) => file.endsWith(KEY_FILE))).toBe(true);
    expect(live.scanned.some((file) => file.includes(join('blobs', created.body.id)))).toBe(true);
    expect(live.found).toEqual([]);
    expect(relay.output()).toContain('incoming request'); // the logs were on, at debug

    // After a clean stop: the database after its checkpoint, and the whole log.
    await relay.stop();
    const stopped = await leaks(dataDir, relay.output(), all);
    relay = undefined;
    expect(stopped.found).toEqual([]);
    // The operator's own check agrees: every column is classified and none looks readable.
    const audit = spawnSync(process.execPath, [join(relayDir, 'bin', 'veil-relay.js'), 'audit'], {
      env: { ...process.env, VEIL_DATA_DIR: dataDir, VEIL_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(audit.stderr).toBe('');
    expect(audit.status).toBe(0);
    expect(audit.stdout).toContain('envelopes');
    for (const m of all) expect(audit.stdout).not.toContain(m);

    // The scan is not vacuous: the usernames (public by design) are in the database.
    const db = await readFile(join(dataDir, DATABASE_FILE));
    expect(db.toString('latin1')).toContain('alice');
  }, 120_000);
});
