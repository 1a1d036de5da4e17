/**
 * Records with a field that counts how often it is read: copying a record reads every field, so the count tells
 * whether a node copied records it only had to pass on (e.g. a batch copied into each of its failures' msgs).
 */
export function readCounter(): { mark<T extends object>(record: T): T; readonly reads: number } {
    let reads = 0;
    return {
        mark: (record) =>
            Object.defineProperty(record, 'note', {
                enumerable: true,
                get: () => {
                    reads++;
                    return 'n';
                },
            }),
        get reads() {
            return reads;
        },
    };
}
