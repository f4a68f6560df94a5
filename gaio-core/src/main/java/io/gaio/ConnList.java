package io.gaio;

import java.util.function.Consumer;

/**
 * The connections the watcher owns from the start (accepted or connected), linked through the connections
 * themselves so that adding and removing allocate nothing; delegated connections live in {@link ConnTable}, found by
 * their caller's object. Loop thread only.
 */
final class ConnList {
    private Conn head;
    private int size;

    int size() {
        return size;
    }

    void add(Conn conn) {
        conn.nextOwned = head;
        if (head != null) {
            head.prevOwned = conn;
        }
        head = conn;
        size++;
    }

    void remove(Conn conn) {
        if (conn.prevOwned == null && head != conn) {
            return;
        }
        if (conn.prevOwned != null) {
            conn.prevOwned.nextOwned = conn.nextOwned;
        } else {
            head = conn.nextOwned;
        }
        if (conn.nextOwned != null) {
            conn.nextOwned.prevOwned = conn.prevOwned;
        }
        conn.prevOwned = null;
        conn.nextOwned = null;
        size--;
    }

    /** Calls {@code action} with every connection; the action must not add or remove any. */
    void forEach(Consumer<Conn> action) {
        for (Conn c = head; c != null; c = c.nextOwned) {
            action.accept(c);
        }
    }

    /** Removes and returns every connection, for closing the watcher. */
    Conn[] drain() {
        Conn[] all = new Conn[size];
        int n = 0;
        for (Conn c = head; c != null; ) {
            Conn next = c.nextOwned;
            c.prevOwned = null;
            c.nextOwned = null;
            all[n++] = c;
            c = next;
        }
        head = null;
        size = 0;
        return all;
    }
}
