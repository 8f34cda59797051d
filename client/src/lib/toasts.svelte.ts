/** A short message at the bottom of the screen, with an optional action such as "Retry" or "Undo". */
interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  action?: { label: string; run: () => void };
  /** How many times the same message was shown while this toast was on screen (1 at first). */
  count: number;
}

const SHOWN_MS = 6000;

/** The toasts on screen; every page reports failures of optimistic actions here. */
class Toasts {
  items = $state.raw<Toast[]>([]);
  #next = 1;
  readonly #timers = new Map<number, ReturnType<typeof setTimeout>>();

  /**
   * Shows `text` for a few seconds; returns its id. The same message of the same kind while it is on
   * screen does not stack a second toast: the one shown counts it, takes the newer action and stays
   * for another few seconds (repeated failures would otherwise fill the screen with copies).
   */
  show(text: string, options: { kind?: Toast['kind']; action?: Toast['action'] } = {}): number {
    const kind = options.kind ?? 'info';
    const same = this.items.find((toast) => toast.text === text && toast.kind === kind);
    const toast: Toast = same
      ? { ...same, action: options.action, count: same.count + 1 }
      : { id: this.#next++, text, kind, action: options.action, count: 1 };
    this.items = [...this.items.filter((t) => t.id !== toast.id).slice(-3), toast];
    clearTimeout(this.#timers.get(toast.id));
    this.#timers.set(
      toast.id,
      setTimeout(() => this.dismiss(toast.id), SHOWN_MS),
    );
    return toast.id;
  }

  /** Shows an error, with a retry button when `retry` is given. */
  error(text: string, retry?: () => void): number {
    return this.show(text, { kind: 'error', action: retry ? { label: 'Retry', run: retry } : undefined });
  }

  dismiss(id: number): void {
    clearTimeout(this.#timers.get(id));
    this.#timers.delete(id);
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

/** The app's toasts. */
export const toasts = new Toasts();
