package io.gaio;

import java.util.Arrays;

/**
 * The pending requests that have a deadline, earliest first: a binary min-heap in which each request remembers its
 * index, so that a request completing early leaves in O(log n). Loop thread only.
 */
final class Deadlines {
    private OpResult[] heap = new OpResult[64];
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    /** The earliest pending request, or {@code null}. */
    OpResult peek() {
        return size == 0 ? null : heap[0];
    }

    void add(OpResult r) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        r.deadlineIndex = size;
        heap[size++] = r;
        siftUp(r.deadlineIndex);
    }

    /** Removes the request if it is in the heap. */
    void remove(OpResult r) {
        int i = r.deadlineIndex;
        if (i < 0) {
            return;
        }
        r.deadlineIndex = -1;
        OpResult last = heap[--size];
        heap[size] = null;
        if (i == size) {
            return;
        }
        heap[i] = last;
        last.deadlineIndex = i;
        siftDown(i);
        siftUp(last.deadlineIndex);
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].deadlineIndex = -1;
            heap[i] = null;
        }
        size = 0;
    }

    private void siftUp(int i) {
        OpResult r = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            OpResult p = heap[parent];
            if (p.deadlineNanos - r.deadlineNanos <= 0) {
                break;
            }
            heap[i] = p;
            p.deadlineIndex = i;
            i = parent;
        }
        heap[i] = r;
        r.deadlineIndex = i;
    }

    private void siftDown(int i) {
        OpResult r = heap[i];
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && heap[right].deadlineNanos - heap[child].deadlineNanos < 0) {
                child = right;
            }
            if (r.deadlineNanos - heap[child].deadlineNanos <= 0) {
                break;
            }
            heap[i] = heap[child];
            heap[i].deadlineIndex = i;
            i = child;
        }
        heap[i] = r;
        r.deadlineIndex = i;
    }
}
