// Registers the service worker and notices when a new version of the app has installed and is waiting
// behind the running one, so the layout can offer "Reload" instead of the new version arriving
// silently on some later visit. Reloading tells the waiting worker to skip waiting; the page reloads
// once that worker controls it, so page and cache are always of one version.
import { SKIP_WAITING } from '$lib/service-worker-messages';

export interface RegisterOptions {
  readonly container: ServiceWorkerContainer;
  readonly scriptUrl: string;
  /** SvelteKit serves the worker as an ES module in development and as a classic script when built. */
  readonly type: WorkerType;
  readonly document: Document;
}

export class AppUpdate {
  waiting = $state<ServiceWorker | null>(null);

  async register({ container, scriptUrl, type, document }: RegisterOptions): Promise<void> {
    const registration = await container.register(scriptUrl, { type, scope: '/' });
    const offer = (worker: ServiceWorker | null): void => {
      // Without a controller this is the first install: nothing older runs, so nothing to replace.
      if (worker !== null && container.controller !== null) this.waiting = worker;
    };
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const installing = registration.installing;
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'installed') offer(installing);
      });
    });
    // A tab left open for days still learns of new versions when it comes back to the foreground.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') {
        // Offline, or the relay is down: the next visibility change tries again.
        registration.update().catch(() => undefined);
      }
    });
  }

  apply(container: ServiceWorkerContainer, location: Location): void {
    const worker = this.waiting;
    if (worker === null) return;
    container.addEventListener('controllerchange', () => location.reload(), { once: true });
    worker.postMessage(SKIP_WAITING);
  }
}

export const appUpdate = new AppUpdate();
