// Usernames are case-insensitive: stored and compared lower-case (they are also the protocol's
// account ids, which must be stable).
export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}
