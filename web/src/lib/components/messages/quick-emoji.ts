// The reactions the picker offers: a handful of common ones, so it fits in one row and every
// option is one Tab away. Any emoji arriving from others still shows (the record allows any).
export const QUICK_EMOJI: readonly { readonly emoji: string; readonly name: string }[] = [
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '❤️', name: 'heart' },
  { emoji: '😂', name: 'laughing' },
  { emoji: '😮', name: 'surprised' },
  { emoji: '😢', name: 'sad' },
  { emoji: '🙏', name: 'thank you' },
];
