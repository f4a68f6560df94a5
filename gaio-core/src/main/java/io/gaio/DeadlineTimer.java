package io.gaio;

import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The watcher's one deadline timer: the pending requests with a deadline ({@link Deadlines}, earliest first) and a
 * single {@code loop.schedule} for the earliest, replaced only when an earlier one arrives, rather than a timer per
 * request. When it fires, every request whose deadline passed expires on its connection, then {@code afterExpiry}
 * runs (the engine publishes the batch). Loop thread only.
 */
final class DeadlineTimer {
    private final Deadlines deadlines = new Deadlines();
    private final IoEventLoop loop;
    private final Runnable expireTask = this::expire;
    private final Runnable afterExpiry;
    private ScheduledFuture<?> timer;
    private long timerDeadline;

    DeadlineTimer(IoEventLoop loop, Runnable afterExpiry) {
        this.loop = loop;
        this.afterExpiry = afterExpiry;
    }

    /** Watches a request's deadline. */
    void add(OpResult r) {
        deadlines.add(r);
        arm(r.deadlineNanos);
    }

    /** Forgets a request, if it is watched. */
    void remove(OpResult r) {
        deadlines.remove(r);
    }

    /** Forgets every request and stops the timer, for a closing watcher. */
    void clear() {
        deadlines.clear();
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void arm(long deadline) {
        if (timer != null) {
            if (timerDeadline - deadline <= 0) {
                return;
            }
            timer.cancel(false);
        }
        timerDeadline = deadline;
        timer = loop.schedule(expireTask, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void expire() {
        timer = null;
        long now = System.nanoTime();
        OpResult r;
        while ((r = deadlines.peek()) != null && r.deadlineNanos - now <= 0) {
            deadlines.remove(r);
            r.owner.expire(r);
        }
        if (r != null) {
            arm(r.deadlineNanos);
        }
        afterExpiry.run();
    }
}
