package io.gaio.spi;

import io.netty.channel.IoEventLoop;

/**
 * A caller's connection that a protocol already runs over, handed to a watcher with that protocol's state: for
 * example {@code gaio-tls}'s {@code TlsHandover}, a Netty channel whose TLS session goes on in gaio. Requests and
 * {@code free} name this object, as they name any delegated connection; on the first request the engine makes the
 * layered socket ({@link #newSocket}), has the transport take over {@link #connection()} with that socket as its
 * listener, and hands the transport's socket to {@link LayeredSocket#wrap}. Everything after goes through the layered
 * socket, on the one request path.
 */
public interface LayeredConnection {

    /**
     * The object the transport takes over; called from any thread, the same object every time.
     *
     * @return a connection object of a type the transport {@link TransportProvider#supports supports}
     */
    Object connection();

    /**
     * The layered socket for this connection, carrying the protocol's state. Called once, on the event loop thread,
     * before the transport takes the connection over. When the take-over fails, the engine closes the returned
     * socket without a {@link LayeredSocket#wrap} call: it must then release what it holds.
     *
     * @param listener where the layered socket reports readiness: the engine's side of the connection
     * @param loop     the event loop the connection runs on, for work the layer defers to a later loop task
     * @return the layered socket, not yet wrapping anything
     * @throws IllegalStateException when the state was already given to a socket (the object was handed over before)
     */
    LayeredSocket newSocket(ReadinessListener listener, IoEventLoop loop);
}
