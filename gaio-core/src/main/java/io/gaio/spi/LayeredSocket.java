package io.gaio.spi;

import io.netty.channel.IoHandle;

/**
 * A {@link TransportSocket} made by a {@link SocketLayer}: it wraps the transport's socket, which reports its
 * readiness here, and reports its own readiness to the engine. The engine registers the wrapped socket with the event
 * loop ({@link #ioHandle()}: an event loop takes its own transport's handles only) and calls everything else here.
 */
public interface LayeredSocket extends TransportSocket, ReadinessListener {

    /**
     * Takes the transport's socket, created with this object as its listener, not yet registered. Called once.
     *
     * @param inner the transport's socket; this layered socket closes it
     */
    void wrap(TransportSocket inner);

    /**
     * The transport's socket, which the engine registers.
     *
     * @return the socket given to {@link #wrap}
     */
    @Override
    IoHandle ioHandle();

    /**
     * What this layer can tell about its connection as {@code type}, for {@code Connection.layer}: for example a TLS
     * handshake's outcome. Called on the event loop thread, also after the socket was closed.
     *
     * @param type what the caller asks for
     * @param <T>  its type
     * @return the answer, or {@code null} when the layer has nothing of that type (yet); the default: nothing
     */
    default <T> T describe(Class<T> type) {
        return null;
    }
}
