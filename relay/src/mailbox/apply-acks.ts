// Applies one cumulative ack inside its batch's transaction (batch-transaction.ts): the device's
// deliveries up to the acknowledged sequence go, and so does every body they pointed at that no
// other device still waits for. Fixed SQL prepared once, like write-submissions.ts, for the same
// reason: a fan-out to a thousand devices brings a thousand acks back within milliseconds.
import type SQLite from 'better-sqlite3';
import type { DeviceAddress } from '../keys/prekey-store';
import type { ItemWriter } from './batch-transaction';

export interface Ack {
  readonly device: DeviceAddress;
  readonly upTo: number;
}

const DELETE_DELIVERIES = `DELETE FROM deliveries
  WHERE account_id = ? AND device_id = ? AND seq <= ? RETURNING envelope_id`;
// secure_delete overwrites the body's bytes as the row goes.
const DELETE_ORPHAN = `DELETE FROM envelopes WHERE id = ?
  AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.envelope_id = envelopes.id)`;

/**
 * The ack writer for batch-transaction.ts: `write` deletes one ack's deliveries and answers how
 * many went; `end`, after the batch's acks, deletes the bodies nobody waits for any more, once per
 * body however many of its devices acknowledged in the batch (a group message's thousand acks
 * check its body once).
 */
export function ackWriter(sqlite: SQLite.Database): ItemWriter<Ack, Ack, number> {
  const deleteDeliveries = sqlite.prepare<[number, number, number], { envelope_id: number }>(
    DELETE_DELIVERIES,
  );
  const deleteOrphan = sqlite.prepare<[number]>(DELETE_ORPHAN);
  // Checking a body that stayed (an ack rolled back, another device still waiting) is harmless.
  const touched = new Set<number>();
  return {
    check: (ack) => ack,
    write: ({ device, upTo }) => {
      const gone = deleteDeliveries.all(device.accountId, device.deviceId, upTo);
      for (const row of gone) touched.add(row.envelope_id);
      return gone.length;
    },
    begin: () => touched.clear(),
    end: () => {
      for (const id of touched) deleteOrphan.run(id);
    },
  };
}
