package io.gaio.examples;

import io.gaio.Connection;
import io.gaio.ConnectionClosedException;
import io.gaio.Listener;
import io.gaio.ListenOptions;
import io.gaio.OpResult;
import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.gaio.spi.SocketLayer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;

/**
 * How the examples take connections: a listener of the watcher with {@link #PENDING} accepts always pending, one
 * submitted again for each that completes. No thread waits in {@code accept()}; the accepted connections arrive in
 * the {@code waitIO()} batches with the reads and writes.
 */
final class Accepts {
    /**
     * Accepts kept pending. The kernel queues arriving connections up to the backlog whatever this is; more pending
     * accepts only let one event loop pass take more of the queue before the collecting thread resubmits.
     */
    static final int PENDING = 64;

    private Accepts() {
    }

    /**
     * Listens on {@code address} with a backlog of {@link EchoServer#BACKLOG} and TCP_NODELAY on every accepted
     * connection, and submits the pending accepts.
     *
     * @return the listener; closing it completes the pending accepts with {@link ConnectionClosedException}
     */
    static Listener open(Watcher watcher, InetSocketAddress address) throws IOException {
        return open(watcher, address, null);
    }

    /**
     * {@link #open(Watcher, InetSocketAddress)}, with every accepted connection wrapped in {@code layer} (TLS, say).
     *
     * @param layer the layer, or {@code null} for plain connections
     */
    static Listener open(Watcher watcher, InetSocketAddress address, SocketLayer layer) throws IOException {
        ListenOptions options = ListenOptions.defaults().backlog(EchoServer.BACKLOG)
                .option(StandardSocketOptions.TCP_NODELAY, true);
        if (layer != null) {
            options.layer(layer);
        }
        Listener listener = watcher.listen(address, options);
        for (int i = 0; i < PENDING; i++) {
            watcher.accept(null, listener);
        }
        return listener;
    }

    /**
     * Handles an {@code ACCEPT} completion: submits the next accept, and returns the new connection.
     *
     * @param who who accepts, for the log
     * @return the accepted connection; {@code null} when the accept failed, or the listener or watcher was closed
     */
    static Connection next(Watcher watcher, OpResult res, String who) {
        if (res.error() instanceof ConnectionClosedException || res.error() instanceof WatcherClosedException) {
            return null; // the listener or the watcher was closed: stop accepting
        }
        // Also after a failure (EMFILE, say): the listener waits before it tries again by itself, so resubmitting at
        // once does not spin, and the connections still queued are taken once descriptors are free again.
        watcher.accept(null, res.listener());
        if (!res.isSuccess()) {
            System.err.println(who + ": accept failed, retrying: " + res.error());
            return null;
        }
        return (Connection) res.connection();
    }
}
