package io.gaio.spi;

import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A listening TCP socket the watcher owns, as a transport sees it: a Netty {@link IoHandle} that reports to its
 * {@link ReadinessListener} when connections may be waiting, and accepts them.
 *
 * <p>All methods but {@link #localAddress()} are called on the event loop thread the listener is registered with.
 * Life cycle: the engine registers it, hands it the registration through {@link #attach}, calls {@link #interest} and
 * {@link #accept} while accept requests are pending, and finally {@link #close()}.
 */
public interface TransportListener extends IoHandle {

    /**
     * Called once, right after registration.
     *
     * @param registration the registration the listener uses for interest changes and to cancel
     */
    void attach(IoRegistration registration);

    /**
     * Whether the engine has accept requests pending. Edge-triggered transports may ignore this; level-triggered
     * ones must watch the listener exactly while it is {@code true}, so that an unattended backlog never spins the
     * loop.
     *
     * @param accept whether accepts are pending
     */
    void interest(boolean accept);

    /**
     * Accepts one queued connection, now, as a socket of this transport that reports to {@code listener}; the engine
     * registers it with its event loop.
     *
     * @param listener where the accepted socket reports readiness
     * @return the connected socket, not yet registered; {@code null} when no connection is queued, after which the
     *         listener reports readiness when one may be
     * @throws IOException when {@code accept} fails, for example at the process's descriptor limit (EMFILE)
     */
    TransportSocket accept(ReadinessListener listener) throws IOException;

    /**
     * Where the listener is bound. Any thread.
     *
     * @return the local address, with the port the kernel chose when port 0 was asked for
     */
    InetSocketAddress localAddress();

    /**
     * Cancels the registration and closes the listening socket; connections queued in the kernel and not yet
     * accepted are reset. When it returns, the socket no longer listens, so that the address can be bound again at
     * once (a transport whose kernel operations in flight hold the socket must stop it listening first). Idempotent.
     * Also called by Netty when the event loop shuts down with the listener still registered.
     */
    @Override
    void close() throws IOException;
}
