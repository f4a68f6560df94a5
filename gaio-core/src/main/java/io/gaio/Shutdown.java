package io.gaio;

import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a watcher ends: open; then, for a graceful shutdown, draining (no submission is taken, listeners and reads end
 * at once, writes, {@code shutdownOutput}s and connects go on until none is left or the deadline passes); then closing
 * (on the loop every listener and connection is closed and every pending request completes with
 * {@link WatcherClosedException}); then finished once the transport gave back every buffer it was lent: the last
 * batch is published (or handed to the completion handler), after which {@code waitIO()} throws, and an owned event
 * loop shuts down.
 *
 * <p>The closing work runs on the event loop. When the loop is gone (a user's group shut down under the watcher) it
 * runs on whichever thread finds it undone, the closing one or the loop's termination listener, one at a time under
 * this object's lock; nothing runs on the loop any more then, so the two never meet.
 */
final class Shutdown {
    private static final System.Logger LOG = System.getLogger("io.gaio");
    private static final int OPEN = 0;
    private static final int DRAINING = 1;
    private static final int CLOSING = 2;
    /** How long the close waits for a completion-based transport to return lent buffers. */
    private static final long LINGER_LIMIT_SECONDS = 5;

    private final Engine engine;
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Runnable finishTask = this::finish;
    /** Whether a graceful shutdown came first; written before the sweep is queued. */
    private volatile boolean graceful;
    /** Whether every listener and connection was closed; guarded by this object's lock. */
    private boolean swept;
    private boolean done;
    /** Closed connections whose lent buffers the transport has not returned yet; loop thread only. */
    private int lingering;
    private ScheduledFuture<?> lingerLimit;
    /** The end of a graceful shutdown's drain; loop thread only. */
    private ScheduledFuture<?> drainDeadline;
    /** While a recording takes it, the event of a close that hands back requests, from the sweep to the finish. */
    private FlightEvents.WatcherClosed event;

    Shutdown(Engine engine) {
        this.engine = engine;
    }

    /** Whether submissions are taken. Any thread. */
    boolean isOpen() {
        return state.get() == OPEN;
    }

    /** The error of a submission that comes too late. Any thread. */
    WatcherClosedException refusal() {
        return state.get() == DRAINING
                ? new WatcherClosedException("the watcher is shutting down gracefully and takes no new requests")
                : new WatcherClosedException();
    }

    /**
     * Starts a graceful shutdown, once, unless the watcher is shutting down or closed already; any thread. The
     * close follows once nothing is pending, or after {@code timeoutNanos}.
     */
    void shutDownGracefully(long timeoutNanos) {
        if (!state.compareAndSet(OPEN, DRAINING)) {
            return;
        }
        Runnable start = () -> drain(timeoutNanos);
        if (engine.loop.inEventLoop()) {
            start.run();
            return;
        }
        try {
            engine.loop.execute(start);
        } catch (RejectedExecutionException e) {
            // The loop is gone: nothing can drain.
            close();
        }
    }

    private void drain(long timeoutNanos) {
        if (state.get() != DRAINING) {
            // Closed meanwhile: its sweep, queued after this, ends everything.
            return;
        }
        drainDeadline = engine.loop.schedule(this::close, timeoutNanos, TimeUnit.NANOSECONDS);
        engine.stopTakingRequests(new WatcherClosedException("the watcher is shutting down gracefully: accepts and "
                + "reads end at once, writes go on until they are done or the deadline passes"));
    }

    /** Nothing is pending any more while draining: the close follows at once. Loop thread. */
    void drained() {
        close();
    }

    /** Starts closing, once; any thread. Returns whether this call started it. */
    boolean close() {
        int s;
        do {
            s = state.get();
            if (s == CLOSING) {
                return false;
            }
        } while (!state.compareAndSet(s, CLOSING));
        graceful = s == DRAINING;
        if (engine.loop.inEventLoop()) {
            sweep();
        } else {
            try {
                engine.loop.execute(this::sweep);
            } catch (RejectedExecutionException e) {
                // The loop is gone: nothing of the engine runs there any more, so close here.
                sweepWithoutLoop();
            }
        }
        return true;
    }

    /** Waits until finished, at most {@code timeoutSeconds}; false on timeout. */
    boolean await(long timeoutSeconds) throws InterruptedException {
        return finished.await(timeoutSeconds, TimeUnit.SECONDS);
    }

    /** A closed connection still lends buffers to the transport; loop thread. */
    void linger() {
        lingering++;
    }

    /** A closed connection got its last lent buffer back; loop thread. */
    void lentReturned() {
        if (--lingering == 0 && swept && !done) {
            scheduleFinish();
        }
    }

    /** The event loop terminated: close, or end a close that waited for the loop. Any thread but the loop's. */
    void loopTerminated() {
        if (!close()) {
            sweepWithoutLoop();
        }
    }

    private synchronized void sweepWithoutLoop() {
        if (!swept) {
            sweep();
        }
        // Lent buffers can come back only through the loop: Netty drained its completions when it shut down.
        finish();
    }

    private synchronized void sweep() {
        if (swept) {
            return;
        }
        swept = true;
        if (drainDeadline != null) {
            drainDeadline.cancel(false);
        }
        event = FlightEvents.watcherClosed(engine.transport.name(), graceful, engine.counters);
        engine.closeEverything(new WatcherClosedException(graceful
                ? "the watcher's graceful shutdown ended (its deadline passed, or close() was called) with this "
                + "request pending" : "the watcher was closed with this request pending"));
        if (lingering == 0) {
            scheduleFinish();
            return;
        }
        try {
            lingerLimit = engine.loop.schedule(finishTask, LINGER_LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            finish();
        }
    }

    /**
     * Finishes in a task of its own: the sweep may run inside a completion handler (a handler that closes its
     * watcher), whose batch must end before the last one is delivered.
     */
    private void scheduleFinish() {
        if (engine.loop.inEventLoop()) {
            try {
                engine.loop.execute(finishTask);
                return;
            } catch (RejectedExecutionException e) {
                // The loop is shutting down and takes no more tasks: finish now.
            }
        }
        finish();
    }

    private synchronized void finish() {
        if (done) {
            return;
        }
        done = true;
        if (lingerLimit != null) {
            lingerLimit.cancel(false);
        }
        if (lingering > 0) {
            LOG.log(System.Logger.Level.WARNING, "gaio: " + lingering + " closed connections still lend buffers to "
                    + "the " + engine.transport.name() + " transport; their requests cannot complete, and those "
                    + "buffers are not handed back");
        }
        try {
            engine.finish();
        } finally {
            if (event != null) {
                event.finish(lingering);
            }
            finished.countDown();
        }
    }
}
