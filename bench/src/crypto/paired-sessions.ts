// Alice and Bob with a session in step both ways (Alice's PQXDH start, Bob's reply read): the
// fixed state the crypto and group sections run their per-message work on.
import type { Primitives } from '@veil/protocol';
import { talkingSession } from '@veil/protocol/test-support';

const KIB = new Uint8Array(1024).fill(0x61);

export const pairedSessions = (p: Primitives) => talkingSession(p, KIB, KIB);
