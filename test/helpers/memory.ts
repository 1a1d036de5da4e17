/**
 * For tests that check what is still reachable (a page handed over, a record sent on): a full collection on demand
 * (the tests run without --expose-gc) and a turn of the event loop. A WeakRef keeps its target until the end of the
 * current job, so collect on a later turn than the one that created or read the WeakRef.
 */
import v8 from 'v8';
import vm from 'vm';

v8.setFlagsFromString('--expose-gc');

/** A full garbage collection. */
export const gc = vm.runInNewContext('gc') as () => void;

/** Resolves on the next turn of the event loop (after pending I/O callbacks and immediates). */
export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
