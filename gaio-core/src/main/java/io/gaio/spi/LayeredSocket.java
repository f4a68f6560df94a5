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
}
