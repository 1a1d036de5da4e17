/**
 * For tests that check what is still reachable (a page handed over, a record sent on): a full collection on demand
 * (the tests run without --expose-gc) and a turn of the event loop. A WeakRef keeps its target until the end of the
 * current job, so collect on a later turn than the one that created or read the WeakRef.
 */
import should from 'should';
import v8 from 'v8';
import vm from 'vm';

v8.setFlagsFromString('--expose-gc');

/** A full garbage collection. */
export const gc = vm.runInNewContext('gc') as () => void;

/** Resolves on the next turn of the event loop (after pending I/O callbacks and immediates). */
export const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Asserts that a page already handed over (`handed()`: a WeakRef to its records) is no longer reachable while the
 * reader reads the next one: waits until `nextAsked()` says the next page's request is in flight, lets pending
 * deliveries run (Node-RED delivers a sent msg on a later turn; a WeakRef holds its target to the end of the job),
 * collects, and checks. The next page stays unanswered until the caller answers it, so the reader is still reading it
 * however many turns the runtime takes to deliver (a loaded machine, Node-RED 5 on Node 22 once needed more than two):
 * the page must be let go within 50 turns, each followed by a full collection.
 */
export async function expectLetGoWhileNextIsRead(handed: () => WeakRef<object> | undefined, nextAsked: () => boolean): Promise<void> {
    for (let i = 0; i < 20 && !nextAsked(); i++) await turn();
    should(nextAsked()).be.true();
    const ref = handed();
    should(ref).be.ok();
    for (let i = 0; i < 50; i++) {
        await turn();
        gc();
        if (ref!.deref() === undefined) break;
    }
    should(nextAsked()).be.true();
    should(ref!.deref()).be.undefined();
}
