// The name of the user strongbox runs as, recorded in snapshots, locks and key files.
import { userInfo } from 'node:os';

/** The user's name, or '' where the system has none for our uid (a container's arbitrary uid). */
export function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}
