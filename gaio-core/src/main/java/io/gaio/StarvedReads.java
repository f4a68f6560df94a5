package io.gaio;

import java.util.ArrayDeque;

/**
 * The connections whose read without a buffer waits for swap space, oldest first, until a batch releases a swap
 * buffer or the caller submits again; with the gauge and counter of {@link WatcherMetrics} and, while a recording
 * runs, the {@link FlightEvents.SwapStarved} event that spans each stretch with reads parked. Loop thread only.
 */
final class StarvedReads {
    private final ArrayDeque<Conn> conns = new ArrayDeque<>();
    private final Counters counters;
    private final String transport;
    private final int maxSwapBuffers;
    private final int swapBufferSize;
    /** The connection being given another try: parked again, it does not count as a new starvation. */
    private Conn retrying;
    private FlightEvents.SwapStarved event;

    StarvedReads(Counters counters, String transport, int maxSwapBuffers, int swapBufferSize) {
        this.counters = counters;
        this.transport = transport;
        this.maxSwapBuffers = maxSwapBuffers;
        this.swapBufferSize = swapBufferSize;
    }

    boolean isEmpty() {
        return conns.isEmpty();
    }

    int size() {
        return conns.size();
    }

    /** Parks a connection whose read found no swap space. */
    void park(Conn conn) {
        if (conn.starved) {
            return;
        }
        conn.starved = true;
        if (conns.isEmpty() && event == null) {
            event = FlightEvents.swapStarved(transport, maxSwapBuffers, swapBufferSize);
        }
        conns.add(conn);
        if (conn != retrying) {
            counters.addRelease(Counters.STARVATIONS, 1);
        }
        if (event != null) {
            event.mostParked = Math.max(event.mostParked, conns.size());
        }
        counters.setRelease(Counters.STARVED_READS, conns.size());
    }

    /** The oldest parked connection, to try again; {@link #settled()} follows the tries. */
    Conn next() {
        retrying = conns.poll();
        return retrying;
    }

    /** A closed connection leaves. */
    void remove(Conn conn) {
        if (conn.starved) {
            conn.starved = false;
            conns.remove(conn);
            settled();
        }
    }

    void clear() {
        for (Conn conn : conns) {
            conn.starved = false;
        }
        conns.clear();
        settled();
    }

    /** After tries or removals: updates the gauge, and ends the event once no read waits. */
    void settled() {
        retrying = null;
        counters.setRelease(Counters.STARVED_READS, conns.size());
        if (conns.isEmpty() && event != null) {
            event.finish();
            event = null;
        }
    }
}
