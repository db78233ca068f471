import { describe, expect, it } from 'vitest';
import type { ChatMessage } from './chat-message';
import { recipientReceipts, recordReceipt } from './receipt-ledger';

const direct: ChatMessage = {
  id: '00',
  direction: 'out',
  peer: 'alice',
  text: 'Rope check',
  sentAt: 1,
  storedAt: 1,
  mark: 'sent',
  seen: true,
};
const message: ChatMessage = { ...direct, group: 'g' };
const recipients = ['bob', 'carol'];

describe('receipt ledger', () => {
  it('keeps each member’s first delivered and read times; the mark follows the slowest', () => {
    let m = recordReceipt(message, { from: 'bob', kind: 'delivered', at: 10, recipients })!;
    expect(m.mark).toBe('sent');
    // A read that comes first implies delivery at the same moment.
    m = recordReceipt(m, { from: 'carol', kind: 'read', at: 20, recipients })!;
    expect(m.receipts).toEqual({
      bob: { deliveredAt: 10 },
      carol: { deliveredAt: 20, readAt: 20 },
    });
    expect(m.mark).toBe('delivered');
    // Duplicates (another device of the same member) change nothing.
    expect(recordReceipt(m, { from: 'carol', kind: 'delivered', at: 30, recipients })).toBeNull();
    m = recordReceipt(m, { from: 'bob', kind: 'read', at: 40, recipients })!;
    expect(m.mark).toBe('read');
    expect(recipientReceipts(m, ['bob', 'carol', 'dave'])).toEqual([
      { accountId: 'bob', deliveredAt: 10, readAt: 40 },
      { accountId: 'carol', deliveredAt: 20, readAt: 20 },
      { accountId: 'dave', deliveredAt: null, readAt: null },
    ]);
  });

  it('a 1:1 message lists its peer', () => {
    const m = recordReceipt(
      { ...direct, peer: 'bob' },
      {
        from: 'bob',
        kind: 'delivered',
        at: 5,
        recipients: ['bob'],
      },
    )!;
    expect(m.mark).toBe('delivered');
    expect(recipientReceipts(m)).toEqual([{ accountId: 'bob', deliveredAt: 5, readAt: null }]);
  });
});
