// Shared by the account sections: run one form action, turning its error into a sentence.
import { userMessage } from '$lib/veil/user-messages';

/** Runs `task`; returns '' on success or what went wrong, in plain words. */
export async function attempt(task: () => Promise<void>): Promise<string> {
  try {
    await task();
    return '';
  } catch (error) {
    return userMessage(error);
  }
}
