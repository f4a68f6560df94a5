package io.gaio;

import java.util.concurrent.TimeUnit;
import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * gaio's JDK Flight Recorder events, in the category "gaio", named {@code io.gaio.*}: record with
 * {@code java -XX:StartFlightRecording=filename=gaio.jfr ...} (or {@code jcmd <pid> JFR.start}), print with
 * {@code jfr print --events 'io.gaio.*' gaio.jfr}. They cost nothing while no recording runs: a
 * {@link SlowBatch} is created only past {@link #SLOW_NANOS}, the other two only while recording.
 *
 * <p>The event classes are touched only through the methods here, and only where the {@code jdk.jfr} module is in
 * the boot layer: an application on the module path that does not resolve it (or a runtime image without it) gets no
 * events rather than a {@code NoClassDefFoundError} on the event loop.
 */
final class FlightEvents {
    /** How long a batch may wait on the loop, or a completion handler run, before it is a {@link SlowBatch}. */
    static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

    private FlightEvents() {
    }

    /**
     * Completions that waited on the event loop longer than {@link #SLOW_NANOS} between the first of them and their
     * hand-off to {@code waitIO()} or the completion handler (the loop pass that produced them was slow, or the loop
     * was busy with other work), or a completion handler call that took that long. Recorded on the loop thread.
     */
    @Name("io.gaio.SlowBatch")
    @Label("Slow Batch")
    @Category("gaio")
    @Description("Completions waited on the event loop longer than 10 ms before they were handed over, or a "
            + "completion handler call took that long")
    @StackTrace(false)
    static final class SlowBatch extends Event {
        @Label("Transport")
        String transport;

        @Label("Work")
        @Description("\"batch\": from the first completion of a batch to its hand-off; \"completion handler\": one "
                + "handler call")
        String work;

        @Label("Completions")
        int completions;

        @Label("Took")
        @Timespan(Timespan.NANOSECONDS)
        long took;
    }

    /** Records a {@link SlowBatch} when {@code tookNanos} reached {@link #SLOW_NANOS}. */
    static void slowBatch(String transport, String work, int completions, long tookNanos) {
        if (tookNanos < SLOW_NANOS || !AVAILABLE) {
            return;
        }
        SlowBatch e = new SlowBatch();
        if (e.shouldCommit()) {
            e.transport = transport;
            e.work = work;
            e.completions = completions;
            e.took = tookNanos;
            e.commit();
        }
    }

    /** A started {@link SwapStarved} while a recording takes it, else null. */
    static SwapStarved swapStarved(String transport, int maxSwapBuffers, int swapBufferSize) {
        if (!AVAILABLE) {
            return null;
        }
        SwapStarved e = new SwapStarved();
        if (!e.isEnabled()) {
            return null;
        }
        e.transport = transport;
        e.maxSwapBuffers = maxSwapBuffers;
        e.swapBufferSize = swapBufferSize;
        e.begin();
        return e;
    }

    /**
     * A started {@link WatcherClosed} when requests are pending and a recording takes it, else null. The loop
     * thread, or the one thread that closes after the loop is gone.
     */
    static WatcherClosed watcherClosed(String transport, boolean graceful, Counters c) {
        if (c.pendingPlain() == 0 || !AVAILABLE) {
            return null;
        }
        WatcherClosed e = new WatcherClosed();
        if (!e.isEnabled()) {
            return null;
        }
        e.transport = transport;
        e.graceful = graceful;
        e.reads = c.getPlain(Counters.PENDING_READS);
        e.writes = c.getPlain(Counters.PENDING_WRITES);
        e.accepts = c.getPlain(Counters.PENDING_ACCEPTS);
        e.connects = c.getPlain(Counters.PENDING_CONNECTS);
        e.connections = c.getPlain(Counters.CONNECTIONS);
        e.begin();
        return e;
    }

    /**
     * Reads without a buffer waited for swap space because every swap buffer was in use: the event lasts from the
     * first read parked to the moment none waits any more.
     */
    @Name("io.gaio.SwapStarved")
    @Label("Reads Parked for Swap Space")
    @Category("gaio")
    @Description("Reads without a buffer waited because every swap buffer was in use (held by batches not yet "
            + "released, or by retained slices): from the first read parked until none waited")
    @StackTrace(false)
    static final class SwapStarved extends Event {
        @Label("Transport")
        String transport;

        @Label("Most Reads Parked")
        int mostParked;

        @Label("Swap Buffers")
        @Description("The watcher's bound, maxSwapBuffers")
        int maxSwapBuffers;

        @Label("Swap Buffer Size")
        @DataAmount
        int swapBufferSize;

        /** Ends and records the event. */
        void finish() {
            end();
            if (shouldCommit()) {
                commit();
            }
        }
    }

    /**
     * A watcher closed with requests pending, which its close handed back: how many of each, whether a graceful
     * shutdown came first, and how long the close took until the last batch was out (waiting for the transport's
     * lent buffers included).
     */
    @Name("io.gaio.WatcherClosed")
    @Label("Watcher Closed with Requests Pending")
    @Category("gaio")
    @Description("A watcher closed with requests pending; the close handed them back with WatcherClosedException")
    static final class WatcherClosed extends Event {
        @Label("Transport")
        String transport;

        @Label("Graceful")
        @Description("Whether a graceful shutdown came first (its deadline passed, or close() ended it)")
        boolean graceful;

        @Label("Pending Reads")
        long reads;

        @Label("Pending Writes")
        @Description("Writes and shutdownOutputs")
        long writes;

        @Label("Pending Accepts")
        long accepts;

        @Label("Pending Connects")
        long connects;

        @Label("Connections")
        long connections;

        @Label("Still Lent")
        @Description("Closed connections whose buffers the transport still held when the close stopped waiting; "
                + "their requests never completed")
        int stillLent;

        /** Ends and records the event, once the last batch is out. */
        void finish(int stillLent) {
            this.stillLent = stillLent;
            end();
            if (shouldCommit()) {
                commit();
            }
        }
    }
}
