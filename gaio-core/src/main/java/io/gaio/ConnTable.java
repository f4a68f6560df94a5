package io.gaio;

import java.util.function.Consumer;

/**
 * The delegated connections, found by the identity of the caller's connection object without keeping that object
 * reachable: each {@link Conn} holds its caller's object weakly, so a dropped connection can be collected and
 * its {@link java.lang.ref.Cleaner} action can free it. Chained hashing on the identity hash code, because
 * {@link java.util.WeakHashMap} compares with {@code equals}. Loop thread only.
 */
final class ConnTable {
    private Conn[] buckets = new Conn[256];
    private int size;

    int size() {
        return size;
    }

    Conn get(Object connection) {
        int h = System.identityHashCode(connection);
        for (Conn c = buckets[h & (buckets.length - 1)]; c != null; c = c.nextInBucket) {
            if (c.identityHash == h && c.owner.get() == connection) {
                return c;
            }
        }
        return null;
    }

    void put(Conn conn) {
        if (size >= buckets.length - (buckets.length >>> 2)) {
            resize();
        }
        int i = conn.identityHash & (buckets.length - 1);
        conn.nextInBucket = buckets[i];
        buckets[i] = conn;
        size++;
    }

    void remove(Conn conn) {
        int i = conn.identityHash & (buckets.length - 1);
        Conn prev = null;
        for (Conn c = buckets[i]; c != null; prev = c, c = c.nextInBucket) {
            if (c == conn) {
                if (prev == null) {
                    buckets[i] = c.nextInBucket;
                } else {
                    prev.nextInBucket = c.nextInBucket;
                }
                c.nextInBucket = null;
                size--;
                return;
            }
        }
    }

    /** Calls {@code action} with every connection; the action must not add or remove any. */
    void forEach(Consumer<Conn> action) {
        for (Conn head : buckets) {
            for (Conn c = head; c != null; c = c.nextInBucket) {
                action.accept(c);
            }
        }
    }

    /** Removes and returns every connection, for closing the watcher. */
    Conn[] drain() {
        Conn[] all = new Conn[size];
        int n = 0;
        for (int i = 0; i < buckets.length; i++) {
            for (Conn c = buckets[i]; c != null; ) {
                Conn next = c.nextInBucket;
                c.nextInBucket = null;
                all[n++] = c;
                c = next;
            }
            buckets[i] = null;
        }
        size = 0;
        return all;
    }

    private void resize() {
        Conn[] old = buckets;
        buckets = new Conn[old.length * 2];
        for (Conn head : old) {
            for (Conn c = head; c != null; ) {
                Conn next = c.nextInBucket;
                int i = c.identityHash & (buckets.length - 1);
                c.nextInBucket = buckets[i];
                buckets[i] = c;
                c = next;
            }
        }
    }
}
