package io.gaio;

import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How a watcher ends: open, then closing (no submission is taken; on the loop every listener and connection is
 * closed and every pending request completes with {@link WatcherClosedException}), then finished once the transport
 * gave back every buffer it was lent: the last batch is published (or handed to the completion handler), after which
 * {@code waitIO()} throws, and an owned event loop shuts down.
 *
 * <p>The closing work runs on the event loop. When the loop is gone (a user's group shut down under the watcher) it
 * runs on whichever thread finds it undone, the closing one or the loop's termination listener, one at a time under
 * this object's lock; nothing runs on the loop any more then, so the two never meet.
 */
final class Shutdown {
    private static final System.Logger LOG = System.getLogger("io.gaio");
    private static final int OPEN = 0;
    private static final int CLOSING = 1;
    /** How long the close waits for a completion-based transport to return lent buffers. */
    private static final long LINGER_LIMIT_SECONDS = 5;

    private final Engine engine;
    private final AtomicInteger state = new AtomicInteger(OPEN);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Runnable finishTask = this::finish;
    /** Whether every listener and connection was closed; guarded by this object's lock. */
    private boolean swept;
    private boolean done;
    /** Closed connections whose lent buffers the transport has not returned yet; loop thread only. */
    private int lingering;
    private ScheduledFuture<?> lingerLimit;

    Shutdown(Engine engine) {
        this.engine = engine;
    }

    /** Whether submissions are taken. Any thread. */
    boolean isOpen() {
        return state.get() == OPEN;
    }

    /** Whether the last batch went out. Any thread. */
    boolean isFinished() {
        return finished.getCount() == 0;
    }

    /** Starts closing, once; any thread. Returns whether this call started it. */
    boolean close() {
        if (!state.compareAndSet(OPEN, CLOSING)) {
            return false;
        }
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
        engine.closeEverything(new WatcherClosedException("the watcher was closed with this request pending"));
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
            finished.countDown();
        }
    }
}
