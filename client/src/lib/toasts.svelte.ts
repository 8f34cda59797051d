/** A short message at the bottom of the screen, with an optional action such as "Retry" or "Undo". */
interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
  action?: { label: string; run: () => void };
}

const SHOWN_MS = 6000;

/** The toasts on screen; every page reports failures of optimistic actions here. */
class Toasts {
  items = $state.raw<Toast[]>([]);
  #next = 1;

  /** Shows `text` for a few seconds; returns its id. */
  show(text: string, options: { kind?: Toast['kind']; action?: Toast['action'] } = {}): number {
    const toast: Toast = { id: this.#next++, text, kind: options.kind ?? 'info', action: options.action };
    this.items = [...this.items.slice(-3), toast];
    setTimeout(() => this.dismiss(toast.id), SHOWN_MS);
    return toast.id;
  }

  /** Shows an error, with a retry button when `retry` is given. */
  error(text: string, retry?: () => void): number {
    return this.show(text, { kind: 'error', action: retry ? { label: 'Retry', run: retry } : undefined });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((toast) => toast.id !== id);
  }
}

/** The app's toasts. */
export const toasts = new Toasts();
