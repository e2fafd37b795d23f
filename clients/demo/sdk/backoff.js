/**
 * The delay before retry number `attempt` (0-based): the capped exponential step
 * `d`, then "equal jitter", a uniform draw in [d/2, d]. Half the step keeps a floor
 * under each wait; the random half spreads the clients of a restarted server so
 * they do not all come back in the same millisecond.
 */
export function backoffDelay(attempt, options = {}, random = Math.random) {
    const initial = options.initialDelayMs ?? 250;
    const max = options.maxDelayMs ?? 15000;
    const multiplier = options.multiplier ?? 2;
    const step = Math.min(max, initial * Math.pow(multiplier, Math.min(attempt, 64)));
    return Math.round(step / 2 + (random() * step) / 2);
}
