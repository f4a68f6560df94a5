package io.gaio.nio;

import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportListener;
import io.gaio.spi.TransportSocket;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoOps;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The watcher's listening socket on NIO: a non-blocking {@link ServerSocketChannel} registered with the selector,
 * watched for OP_ACCEPT exactly while accepts are pending (selectors are level-triggered, and an unattended backlog
 * would otherwise wake the loop on every pass).
 */
final class NioListener implements TransportListener, NioIoHandle {
    private final ServerSocketChannel channel;
    private final InetSocketAddress localAddress;
    private final ReadinessListener listener;
    private IoRegistration registration;

    NioListener(ServerSocketChannel channel, ReadinessListener listener) throws IOException {
        this.channel = channel;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.listener = listener;
    }

    @Override
    public SelectableChannel selectableChannel() {
        return channel;
    }

    @Override
    public void attach(IoRegistration registration) {
        this.registration = registration;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        listener.onReadiness(true, false);
    }

    @Override
    public void interest(boolean accept) {
        registration.submit(accept ? NioIoOps.ACCEPT : NioIoOps.NONE);
    }

    @Override
    public TransportSocket accept(ReadinessListener accepted) throws IOException {
        SocketChannel connection = channel.accept();
        if (connection == null) {
            return null;
        }
        try {
            connection.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return new NioSocket(connection, accepted);
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Closes the channel so that the port is free when this returns. The JDK closes a channel still registered with a
     * selector only once the selector drops its cancelled key, at its next select: without the {@code selectNow()}
     * here, on the event loop that owns the selector, a bind right after {@code Listener.close()} could fail.
     */
    @Override
    public void close() throws IOException {
        SelectionKey key = registration == null ? null : registration.attachment();
        if (registration != null) {
            registration.cancel();
        }
        channel.close();
        if (key != null && key.selector().isOpen()) {
            // Ready keys this finds join the selected set, which the loop handles on its next pass as it would have.
            key.selector().selectNow();
        }
    }

    @Override
    public String toString() {
        return "NioListener(" + localAddress + ")";
    }
}
