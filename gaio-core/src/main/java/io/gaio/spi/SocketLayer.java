package io.gaio.spi;

import io.netty.channel.IoEventLoop;
import java.net.InetSocketAddress;

/**
 * A protocol layered between the engine and the transport's sockets, for example TLS ({@code gaio-tls}): set on a
 * listener ({@code ListenOptions.layer}) or a connect ({@code ConnectOptions.layer}), it wraps every socket the
 * watcher accepts or connects there. The engine then reads, writes and waits for readiness through the
 * {@link LayeredSocket}, exactly as through a transport's socket: there is one request path, whatever the layers.
 */
public interface SocketLayer {

    /**
     * A new layered socket for one connection, before the transport's socket exists. Called on the event loop thread;
     * the engine then has the transport create its socket with the returned object as that socket's
     * {@link ReadinessListener} and hands it over through {@link LayeredSocket#wrap}.
     *
     * @param listener where the layered socket reports readiness: the engine's side of the connection
     * @param remote   where a connect goes, or {@code null} for an accepted connection
     * @param loop     the event loop the connection runs on, for work the layer defers to a later loop task
     * @return the layered socket, not yet wrapping anything
     */
    LayeredSocket newSocket(ReadinessListener listener, InetSocketAddress remote, IoEventLoop loop);
}
