// The senders of suite 4: headless @veil/client devices in Node (fast to create, no browser each)
// talking to the suite's own relay, each from its own forwarded address so the relay's per-address
// limits treat them as the separate people they pretend to be.
import { sourceFromBytes } from '@veil/client';
import { newTestDevice, type TestDevice } from '@veil/client/test-support';
import type { Primitives } from '@veil/protocol';

export type Sender = TestDevice & { readonly name: string; stop(): void };

export async function newSender(
  p: Primitives,
  relay: { baseUrl: string; origin: string },
  name: string,
  index: number,
): Promise<Sender> {
  const device = await newTestDevice(
    p,
    { ...relay, forwardedFor: `10.44.${index >> 8}.${(index & 255) + 1}` },
    name,
  );
  const socket = device.connect();
  return Object.assign(device, { name, stop: () => socket.stop() });
}

/** Sends a tiny file whose name is `fileName` (and a hostile content type, for good measure). */
export async function sendFile(
  sender: Sender,
  peer: string,
  fileName: string,
  index: number,
): Promise<void> {
  const types = ['text/html', 'image/svg+xml', 'application/javascript', 'text/plain'];
  await sender.attachments.send(
    { peer },
    {
      source: sourceFromBytes(new TextEncoder().encode(`<script>__xss('${fileName}')</script>`)),
      meta: { contentType: types[index % types.length]!, fileName },
    },
  );
}

/** Resolves once every message `sender` queued has left its outbox (the relay has it). */
export async function drained(sender: Sender, peer: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const history = await sender.messenger.history(peer, { limit: 5000 });
    if (history.every((m) => m.value.mark !== 'queued')) return;
    if (Date.now() > deadline) throw new Error(`${sender.name}: messages still queued`);
    await sender.outbox.flush({ force: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
