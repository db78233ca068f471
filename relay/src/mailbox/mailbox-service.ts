// The mailbox as a Fastify plugin (`app.mailbox`): the repository from create-mailbox.ts, wired to
// the notifier (recipients' sockets hear of a commit) and the metrics, with a periodic sweep.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createMailbox, type MailboxService } from './create-mailbox';

export type { MailboxService } from './create-mailbox';

declare module 'fastify' {
  interface FastifyInstance {
    mailbox: MailboxService;
  }
}

const SWEEP_INTERVAL_MS = 60_000;

async function mailbox(app: FastifyInstance, options: { envelopeTtlMs: number }): Promise<void> {
  const service = await createMailbox(app, {
    envelopeTtlMs: options.envelopeTtlMs,
    publish: (device, envelopes) => {
      app.notifier.publish(device, {
        kind: 'envelopes',
        highestSeq: envelopes[envelopes.length - 1]!.seq,
        envelopes,
      });
    },
    accepted: (envelopes) => {
      app.metrics.envelopesAccepted.inc(envelopes);
    },
  });
  app.decorate('mailbox', service);

  const timer = setInterval(() => {
    service.sweep().catch((err: unknown) => {
      app.log.error({ err }, 'mailbox sweep failed');
    });
  }, SWEEP_INTERVAL_MS);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
  });
  // A deleted account's deliveries went with it (foreign keys); its bodies go here.
  app.accountEvents.on('deleted', () => {
    service.sweep().catch((err: unknown) => {
      app.log.error({ err }, 'mailbox sweep failed');
    });
  });
}

export default fp(mailbox, {
  name: 'mailbox',
  dependencies: ['database', 'notifier', 'auth', 'metrics'],
});
