import type { SignupRequest, UpdateMeRequest, User } from '#shared/schemas/auth.js';
import * as api from '#client/lib/api.js';

/**
 * Set while this browser holds a session, so that other tabs follow sign-ins and sign-outs (storage
 * events). Who is signed in always comes from the server (`GET /api/auth/session`).
 */
const SIGNED_IN_HINT = 'paperboard:signed-in';

function readHint(): boolean {
  try {
    return window.localStorage.getItem(SIGNED_IN_HINT) === '1';
  } catch {
    return true;
  }
}

function writeHint(signedIn: boolean): void {
  try {
    if (signedIn) window.localStorage.setItem(SIGNED_IN_HINT, '1');
    else window.localStorage.removeItem(SIGNED_IN_HINT);
  } catch {
    // Storage may be disabled; the hint is only an optimisation.
  }
}

/** Who is signed in, with sign-in, sign-up and sign-out; shared by the whole app. */
class Session {
  /** The signed-in user, or null. */
  user = $state.raw<User | null>(null);
  /** The first check is done: `user` may be shown (it may still be unverified, see `verified`). */
  ready = $state(false);
  /** The server has said who is signed in (rather than the hint that nobody is). */
  verified = $state(false);
  /** Why asking the server failed (not a 401: the network or the server itself). */
  error = $state<string | null>(null);

  #pending: Promise<void> | null = null;

  /**
   * Asks the server who is signed in (once at a time). `verify` is kept for callers that insist; the
   * server is always asked, since a session cookie may exist that this tab has not seen signed in.
   */
  load(_options: { verify?: boolean } = {}): Promise<void> {
    if (this.#pending) return this.#pending;
    this.#pending = this.#fetch().finally(() => (this.#pending = null));
    return this.#pending;
  }

  async #fetch(): Promise<void> {
    this.error = null;
    try {
      this.#signedIn(await api.getMe());
    } catch (err) {
      this.error = api.errorMessage(err);
    } finally {
      this.ready = true;
    }
  }

  async login(email: string, password: string): Promise<void> {
    this.#signedIn(await api.login({ email, password }));
  }

  async signup(body: SignupRequest): Promise<void> {
    this.#signedIn(await api.signup(body));
  }

  async logout(): Promise<void> {
    await api.logout();
    this.#signedIn(null);
  }

  /** Saves a new name and/or password of the signed-in user. */
  async update(changes: UpdateMeRequest): Promise<void> {
    this.#signedIn(await api.updateMe(changes));
  }

  /** Follows sign-ins and sign-outs in other tabs; returns the function that stops it. */
  start(): () => void {
    const onStorage = (event: StorageEvent) => {
      if (event.key !== SIGNED_IN_HINT && event.key !== null) return;
      if (readHint()) void this.load({ verify: true });
      else this.#signedIn(null);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }

  #signedIn(user: User | null): void {
    this.user = user;
    this.verified = true;
    this.ready = true;
    this.error = null;
    writeHint(user !== null);
  }
}

/** The app's one session. */
export const session = new Session();
