// The relay connection as the shell shows it. Until the chat screens drive a socket through
// @veil/client, the only thing known for sure is whether the browser itself is online, so the shell
// says "not connected" rather than pretend; the socket will set `connecting` and `connected`.

export type ConnectionStatus =
  | 'offline'
  | 'disconnected'
  | 'connecting'
  | 'connected'
  /** Another device of the account removed this one: it will receive nothing more. */
  | 'removed';

const LABELS: Readonly<Record<ConnectionStatus, string>> = {
  offline: 'Offline',
  disconnected: 'Not connected to the relay',
  connecting: 'Connecting…',
  connected: 'Connected',
  removed: 'This device was removed from your account',
};

export class ConnectionState {
  status = $state<ConnectionStatus>('disconnected');
  readonly label = $derived(LABELS[this.status]);

  /** Follows the browser's online and offline events; returns the function that stops following. */
  watchBrowser(target: Window): () => void {
    const update = (): void => {
      this.status = target.navigator.onLine ? 'disconnected' : 'offline';
    };
    update();
    target.addEventListener('online', update);
    target.addEventListener('offline', update);
    return () => {
      target.removeEventListener('online', update);
      target.removeEventListener('offline', update);
    };
  }
}

export const connection = new ConnectionState();
