// Locks the vault after the chosen idle time ("Lock after idle" on the account screen). The choice
// is not secret, so it lives in localStorage; the layout feeds pointer, key and visibility events
// in and says what locking means (veil.lock() and the unlock screen).
import { IdleLock } from '@veil/client';

export const LOCK_AFTER_CHOICES = [1, 5, 15, 60, 0] as const;
/** Minutes; 0 means never. */
export type LockAfter = (typeof LOCK_AFTER_CHOICES)[number];

const STORAGE_KEY = 'veil.lock-after-minutes';
const DEFAULT_MINUTES: LockAfter = 15;
const NEVER = 0;

function stored(): LockAfter {
  // Guarded for the build, which may load this module without a browser around it.
  if (typeof localStorage === 'undefined') return DEFAULT_MINUTES;
  const value = Number(localStorage.getItem(STORAGE_KEY) ?? DEFAULT_MINUTES);
  return (LOCK_AFTER_CHOICES as readonly number[]).includes(value)
    ? (value as LockAfter)
    : DEFAULT_MINUTES;
}

class AutoLock {
  minutes = $state<LockAfter>(stored());
  private idle: IdleLock | null = null;
  private running = false;

  /** What locking does; set once by the layout. */
  attach(lock: () => void): void {
    this.idle = new IdleLock(lock, this.ms());
    if (this.running) this.start();
  }

  setMinutes(minutes: LockAfter): void {
    this.minutes = minutes;
    localStorage.setItem(STORAGE_KEY, String(minutes));
    if (this.running) this.start();
  }

  /** Call when the vault opens. */
  start(): void {
    this.running = true;
    if (this.idle === null) return;
    this.idle.stop();
    if (this.minutes === NEVER) return;
    this.idle.setTimeoutMs(this.ms());
    this.idle.start();
  }

  /** Call when the vault locks. */
  stop(): void {
    this.running = false;
    this.idle?.stop();
  }

  /** Listens for activity on `target`; returns the function that stops listening. */
  watch(target: Window): () => void {
    const activity = (): void => this.idle?.activity();
    // Hidden time counts as idle; coming back checks at once (hidden tabs' timers run late).
    const visibility = (): void => {
      if (target.document.visibilityState === 'visible') this.idle?.check();
    };
    const events = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
    for (const name of events) target.addEventListener(name, activity, { passive: true });
    target.document.addEventListener('visibilitychange', visibility);
    return () => {
      for (const name of events) target.removeEventListener(name, activity);
      target.document.removeEventListener('visibilitychange', visibility);
    };
  }

  private ms(): number {
    return this.minutes * 60_000;
  }
}

export const autoLock = new AutoLock();
