/**
 * A small typed event emitter that runs in browsers and Node alike. A listener
 * that throws does not disturb the client: the error is rethrown on a later tick,
 * where the host reports it (console, `uncaughtException`).
 */
export class Emitter {
    constructor() {
        this.listeners = new Map();
    }
    /** Adds a listener; returns a function that removes it. */
    on(type, listener) {
        let set = this.listeners.get(type);
        if (!set) {
            set = new Set();
            this.listeners.set(type, set);
        }
        set.add(listener);
        return () => this.off(type, listener);
    }
    /** A listener called once, at the next event of this type. */
    once(type, listener) {
        const off = this.on(type, (ev) => {
            off();
            listener(ev);
        });
        return off;
    }
    off(type, listener) {
        this.listeners.get(type)?.delete(listener);
    }
    emit(type, ev) {
        const set = this.listeners.get(type);
        if (!set)
            return;
        for (const listener of [...set]) {
            try {
                listener(ev);
            }
            catch (e) {
                setTimeout(() => {
                    throw e;
                }, 0);
            }
        }
    }
}
