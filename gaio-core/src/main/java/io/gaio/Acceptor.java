package io.gaio;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportListener;
import io.gaio.spi.TransportSocket;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The engine's side of a {@link Listener}: its pending accept requests, FIFO, and the loop that accepts while
 * requests are pending and connections are queued. Loop thread only, except {@link #closed}, which any thread reads.
 *
 * <p>After a failed accept (EMFILE and the like) the connection stays queued in the kernel, and an edge-triggered
 * listener will not report it again: trying again at once would spin. The head request completes with the error and
 * the next attempt waits for a back-off timer, 5 ms doubling up to 1 s while failures go on.
 */
final class Acceptor implements ReadinessListener {
    private static final long MIN_BACK_OFF_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long MAX_BACK_OFF_NANOS = TimeUnit.SECONDS.toNanos(1);

    final Engine engine;
    volatile boolean closed;
    TransportListener socket;

    private final ListenOptions options;
    private final ArrayDeque<OpResult> pending = new ArrayDeque<>();
    private final Runnable retry = this::endBackOff;
    /** A connection's state made for an accept that found nothing queued, kept for the next one. */
    private Conn spare;
    /** The current back-off after failed accepts, 0 when the last accept did not fail. */
    private long backOffNanos;
    private boolean backingOff;
    private boolean interest;

    Acceptor(Engine engine, ListenOptions options) {
        this.engine = engine;
        this.options = options;
    }

    /** Queues an accept request; the first one is tried at once. */
    void enqueue(OpResult r) {
        if (closed) {
            engine.complete(r, closedError());
            return;
        }
        pending.add(r);
        if (pending.size() == 1) {
            pump();
        }
    }

    @Override
    public void onReadiness(boolean readable, boolean writable) {
        try {
            pump();
        } catch (Throwable t) {
            engine.logUnexpected(t);
        }
        engine.flushSoon();
    }

    private void pump() {
        while (!pending.isEmpty() && !closed && !backingOff) {
            Conn conn = spare != null ? spare : new Conn(engine, null);
            spare = null;
            TransportSocket accepted;
            try {
                accepted = options.accept(socket, conn, engine.loop);
            } catch (IOException e) {
                spare = conn;
                backOff();
                engine.complete(pending.poll(), e);
                continue;
            } catch (RuntimeException e) {
                // A layer that could not set up (no SSLEngine...): reported like a connect's, as an IOException.
                spare = conn;
                backOff();
                engine.complete(pending.poll(), new IOException("could not set up the accepted connection: " + e, e));
                continue;
            }
            if (accepted == null) {
                spare = conn;
                break;
            }
            backOffNanos = 0;
            conn.socket = accepted;
            OpResult r = pending.poll();
            IOException failed = engine.register(conn);
            if (failed == null) {
                failed = configure(accepted);
            }
            if (failed != null) {
                conn.close(new ConnectionClosedException(failed.getMessage(), failed));
                engine.complete(r, failed);
                continue;
            }
            r.connection = engine.own(conn);
            engine.complete(r, null);
        }
        updateInterest();
    }

    private IOException configure(TransportSocket accepted) {
        try {
            options.accepted.applyTo(accepted);
            return null;
        } catch (IOException | RuntimeException e) {
            return new IOException("could not set the listener's socket options " + options.accepted
                    + " on an accepted connection: " + e, e);
        }
    }

    private void backOff() {
        backOffNanos = backOffNanos == 0 ? MIN_BACK_OFF_NANOS : Math.min(MAX_BACK_OFF_NANOS, 2 * backOffNanos);
        backingOff = true;
        engine.loop.schedule(retry, backOffNanos, TimeUnit.NANOSECONDS);
    }

    private void endBackOff() {
        backingOff = false;
        if (!closed) {
            pump();
            engine.flushSoon();
        }
    }

    private void updateInterest() {
        boolean want = !pending.isEmpty() && !closed && !backingOff;
        if (want != interest) {
            interest = want;
            socket.interest(want);
        }
    }

    /** Stops listening; pending accepts complete with {@code reason}. Idempotent. */
    void close(Throwable reason) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            socket.close();
        } catch (IOException | RuntimeException e) {
            engine.logUnexpected(e);
        }
        for (OpResult r; (r = pending.poll()) != null; ) {
            engine.complete(r, reason);
        }
    }

    ConnectionClosedException closedError() {
        return new ConnectionClosedException("the listener on " + socket.localAddress() + " was closed");
    }
}
