// Attachments: sending a 20 MiB file the way the client does (read in pieces, streamed through the
// attachment encryptor, appended to a real relay blob in its suggested chunks over HTTP on
// 127.0.0.1, each chunk fsync'd by the relay) beside the bare libsodium secretstream encryption of
// the same bytes in 64 KiB chunks with nothing else. The ratio is what hashing, chunk framing, HTTP
// and the relay's disk writes cost on top of the cipher itself; then the download-and-verify path.

import { randomBytes } from 'node:crypto';
import {
  BlobApi,
  downloadAttachment,
  RelayHttp,
  signUp,
  sourceFromBytes,
  uploadAttachment,
  type KeyStretching,
} from '@veil/client';
import {
  ATTACHMENT_CHUNK_SIZE,
  createPrimitives,
  loadSodium,
  type SodiumApi,
} from '@veil/protocol';
import { startRelay } from '@veil/relay/src/test-support/start-relay';
import type { Section, SectionReport } from '../report';

const MIB = 1024 * 1024;
/** The account only exists to hold a session; cheap stretching keeps sign-up out of the figure. */
const CHEAP_STRETCHING: KeyStretching = {
  'argon2id-custom': { iterations: 1, memory: 64, parallelism: 1 },
};

function bareSecretstream(sodium: SodiumApi, plaintext: Uint8Array): number {
  const key = randomBytes(32);
  const { state } = sodium.crypto_secretstream_xchacha20poly1305_init_push(key);
  let out = 0;
  for (let offset = 0; offset < plaintext.length; offset += ATTACHMENT_CHUNK_SIZE) {
    const last = offset + ATTACHMENT_CHUNK_SIZE >= plaintext.length;
    out += sodium.crypto_secretstream_xchacha20poly1305_push(
      state,
      plaintext.subarray(offset, offset + ATTACHMENT_CHUNK_SIZE),
      null,
      last
        ? sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        : sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE,
    ).length;
  }
  return out;
}

export const attachmentsSection: Section = {
  name: 'attachments',
  async run({ quick }): Promise<SectionReport> {
    const size = (quick ? 4 : 20) * MIB;
    const sodium = await loadSodium();
    const p = createPrimitives(sodium);
    const plaintext = new Uint8Array(randomBytes(size));
    const relay = await startRelay();
    try {
      const http = new RelayHttp({ baseUrl: relay.baseUrl, origin: relay.origin });
      await signUp(http, {
        username: 'bench-attachments',
        password: 'bench attachments password',
        keyStretching: CHEAP_STRETCHING,
      });
      const blobs = new BlobApi(http);

      let start = performance.now();
      const bareBytes = bareSecretstream(sodium, plaintext);
      const bareMs = performance.now() - start;

      start = performance.now();
      const pointer = await uploadAttachment({ p, blobs }, sourceFromBytes(plaintext), {
        contentType: 'application/octet-stream',
        fileName: 'bench.bin',
      });
      const uploadMs = performance.now() - start;

      start = performance.now();
      const blob = await downloadAttachment({ p, blobs }, pointer);
      const downloadMs = performance.now() - start;
      if (blob.size !== size || bareBytes + 24 !== pointer.ciphertextSize) {
        throw new Error('attachments bench: sizes do not add up');
      }
      const mibps = (ms: number) => size / MIB / (ms / 1000);
      return {
        section: 'attachments',
        title: 'Attachments: encrypt + upload and download + verify (client to a real relay)',
        figures: [
          {
            name: `encrypt + upload ${String(size / MIB)} MiB (streamed, ${String(Math.round(relay.app.blobs.chunkSize / 1024))} KiB chunks)`,
            ours: { value: mibps(uploadMs), unit: 'MiB/s' },
            baseline: { name: 'bare secretstream encryption', value: mibps(bareMs), unit: 'MiB/s' },
            detail: { uploadMs: Math.round(uploadMs), bareMs: Math.round(bareMs) },
          },
          {
            name: `download + verify + decrypt ${String(size / MIB)} MiB`,
            ours: { value: mibps(downloadMs), unit: 'MiB/s' },
            detail: { downloadMs: Math.round(downloadMs) },
          },
        ],
        notes: [
          'The relay fsyncs every chunk before answering; the baseline has no I/O at all, so the ratio is mostly HTTP and disk.',
        ],
      };
    } finally {
      await relay.stop();
    }
  },
};
