// "Last seen" writes, coalesced. A device's hello and its socket's close move its "last seen" (shown
// to its owner's other devices, to the minute). One UPDATE per socket was one fsync'd transaction
// each, run on the event loop: after a relay restart every device reconnects at once, and 2,000 of
// them paid 2,000 fsyncs back to back before the relay did much else (bench: transport, the
// reconnect storm). Now every device seen in one event-loop turn shares one statement, run in the
// check phase right after the poll phase that saw them.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { DeviceAddress } from './prekey-store';

/** Returns `seen(device)`: resolves once the statement holding that device has run. */
export function lastSeenWriter(
  db: Kysely<Database>,
  /** A time younger than this is left as it is: nobody reads "last seen" to the second. */
  resolutionMs: number,
): (device: DeviceAddress) => Promise<void> {
  let batch: { readonly devices: Map<string, DeviceAddress>; readonly done: Promise<void> } | null =
    null;

  const write = async (devices: readonly DeviceAddress[]): Promise<void> => {
    const now = Date.now();
    const pairs = JSON.stringify(devices.map((d) => [d.accountId, d.deviceId]));
    await sql`UPDATE devices SET last_seen_at = ${now}
      WHERE (account_id, device_id) IN (SELECT value ->> 0, value ->> 1 FROM json_each(${pairs}))
        AND (last_seen_at IS NULL OR last_seen_at < ${now - resolutionMs})`.execute(db);
  };

  return (device) => {
    if (batch === null) {
      const devices = new Map<string, DeviceAddress>();
      const done = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          batch = null;
          write([...devices.values()]).then(resolve, reject);
        });
      });
      batch = { devices, done };
    }
    batch.devices.set(`${String(device.accountId)}:${String(device.deviceId)}`, device);
    return batch.done;
  };
}
