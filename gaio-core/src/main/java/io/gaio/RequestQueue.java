package io.gaio;

/**
 * A FIFO of a connection's requests, linked through the requests themselves ({@link OpResult#next}): an idle
 * connection with a read pending then costs one small object per direction instead of an {@code ArrayDeque} and its
 * array, about 64 bytes less per connection. A request is in at most one queue. Loop thread only.
 */
final class RequestQueue {
    private OpResult head;
    private OpResult tail;
    private int size;

    void add(OpResult r) {
        r.next = null;
        if (tail == null) {
            head = r;
        } else {
            tail.next = r;
        }
        tail = r;
        size++;
    }

    /** The oldest request, or null; the rest follow through {@link OpResult#next}. */
    OpResult peek() {
        return head;
    }

    OpResult poll() {
        OpResult r = head;
        if (r != null) {
            head = r.next;
            if (head == null) {
                tail = null;
            }
            r.next = null;
            size--;
        }
        return r;
    }

    boolean isEmpty() {
        return head == null;
    }

    int size() {
        return size;
    }

    /** Removes {@code r} wherever it stands; whether it was queued. */
    boolean remove(OpResult r) {
        OpResult prev = null;
        for (OpResult c = head; c != null; prev = c, c = c.next) {
            if (c == r) {
                if (prev == null) {
                    head = c.next;
                } else {
                    prev.next = c.next;
                }
                if (tail == c) {
                    tail = prev;
                }
                c.next = null;
                size--;
                return true;
            }
        }
        return false;
    }
}
