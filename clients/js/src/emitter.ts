/**
 * A small typed event emitter that runs in browsers and Node alike. A listener
 * that throws does not disturb the client: the error is rethrown on a later tick,
 * where the host reports it (console, `uncaughtException`).
 */
export class Emitter<Events extends object> {
  private listeners = new Map<keyof Events, Set<(ev: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(type: K, listener: (ev: Events[K]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as (ev: never) => void);
    return () => this.off(type, listener);
  }

  /** A listener called once, at the next event of this type. */
  once<K extends keyof Events>(type: K, listener: (ev: Events[K]) => void): () => void {
    const off = this.on(type, (ev) => {
      off();
      listener(ev);
    });
    return off;
  }

  off<K extends keyof Events>(type: K, listener: (ev: Events[K]) => void): void {
    this.listeners.get(type)?.delete(listener as (ev: never) => void);
  }

  protected emit<K extends keyof Events>(type: K, ev: Events[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (ev: Events[K]) => void)(ev);
      } catch (e) {
        setTimeout(() => {
          throw e;
        }, 0);
      }
    }
  }
}
