// The unread total shown outside the conversation list (document title, app badge), re-summed after
// every change the app reports. Muted and blocked contacts are left out by `unreadTotal`.
import { unreadTotal } from '@veil/client';
import { veil } from '$lib/veil/veil-app.svelte';
import { showAppBadge, titleWithCount } from './unread-title';

class UnreadCount {
  total = $state(0);

  async refresh(): Promise<void> {
    const device = veil.device;
    if (device === null) {
      this.total = 0;
      return;
    }
    const [direct, groups] = await Promise.all([
      device.messenger.conversations(),
      device.groups.list(),
    ]);
    if (veil.device === device) this.total = unreadTotal(direct, groups);
  }

  /**
   * Keeps the count in front of the document title (screens set their own titles, so a change of
   * <title> is watched) and on the app badge; returns the function that stops.
   */
  show(document: Document, navigator: Navigator): () => void {
    const apply = (): void => {
      const title = titleWithCount(document.title, this.total);
      if (title !== document.title) document.title = title;
    };
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    const stop = $effect.root(() => {
      $effect(() => {
        apply();
        showAppBadge(navigator, this.total);
      });
    });
    return () => {
      observer.disconnect();
      stop();
    };
  }
}

export const unreadCount = new UnreadCount();
