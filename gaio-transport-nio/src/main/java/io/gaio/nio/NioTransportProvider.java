package io.gaio.nio;

import io.gaio.spi.NettyChannels;
import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportListener;
import io.gaio.spi.TransportProvider;
import io.gaio.spi.TransportSocket;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The portable transport, {@code nio}: JDK selectors through Netty's {@link NioIoHandler}, on any JDK and OS.
 *
 * <p>Accepts {@link SocketChannel}s (from {@code ServerSocketChannel.accept()} or {@code SocketChannel.open(...)})
 * and Netty {@link NioSocketChannel}s. The JDK offers no portable way to duplicate a socket, so the watcher takes
 * the caller's channel itself: the caller must not read, write or close it after handing it over, and it stays
 * reachable from the watcher until {@code free} or {@code close} (no garbage-collection cleanup on this transport).
 * A Netty channel is deregistered from its event loop on delegation; a channel registered with the watcher's own
 * event loop must be deregistered by its owner before the first request.
 *
 * <p>Listeners and connects of the watcher's own are non-blocking {@link ServerSocketChannel}s and
 * {@link SocketChannel}s registered with the selector ({@link NioListener}, {@link NioSocket}).
 *
 * <p>Selectors are level-triggered; the engine asks for exactly the readiness its pending requests need, so an idle
 * connection never wakes the loop.
 */
public final class NioTransportProvider implements TransportProvider {
    private static final Method JAVA_CHANNEL = javaChannelMethod();

    /** Called by {@link java.util.ServiceLoader}. */
    public NioTransportProvider() {
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public boolean duplicatesSockets() {
        return false;
    }

    @Override
    public IoHandlerFactory newIoHandlerFactory() {
        return NioIoHandler.newFactory();
    }

    @Override
    public Class<? extends IoHandle> handleType() {
        return NioIoHandle.class;
    }

    @Override
    public boolean supports(Object connection) {
        return connection instanceof SocketChannel || connection instanceof NioSocketChannel;
    }

    @Override
    public String supportedTypes() {
        return "a java.nio.channels.SocketChannel or an io.netty.channel.socket.nio.NioSocketChannel";
    }

    @Override
    public TransportSocket adopt(Object connection, ReadinessListener listener) throws IOException {
        SocketChannel channel = connection instanceof NioSocketChannel
                ? detach((NioSocketChannel) connection) : (SocketChannel) connection;
        if (!channel.isOpen()) {
            throw new IOException("the channel is closed");
        }
        if (!channel.isConnected()) {
            throw new IOException("the channel is not connected");
        }
        channel.configureBlocking(false);
        return new NioSocket(channel, listener);
    }

    @Override
    public TransportListener listen(InetSocketAddress address, int backlog, boolean reuseAddress, boolean reusePort,
                                    ReadinessListener listener) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(family(address));
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, reuseAddress);
            if (reusePort) {
                channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            try {
                channel.bind(address, backlog);
            } catch (BindException e) {
                BindException b = new BindException("could not bind to " + address + ": " + e.getMessage()
                        + (reusePort ? "; every socket listening there must set SO_REUSEPORT"
                        : "; to share a port between listeners, open every one of them with reusePort(true)"));
                b.initCause(e);
                throw b;
            }
            channel.configureBlocking(false);
            return new NioListener(channel, listener);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    @Override
    public TransportSocket newSocket(InetSocketAddress remote, ReadinessListener listener) throws IOException {
        SocketChannel channel = SocketChannel.open(family(remote));
        try {
            channel.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return new NioSocket(channel, listener);
    }

    private static StandardProtocolFamily family(InetSocketAddress address) {
        return address.getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    /** Takes a Netty channel's JDK channel, off the Netty event loop that served it until now. */
    private static SocketChannel detach(NioSocketChannel netty) throws IOException {
        NettyChannels.deregister(netty);
        try {
            return (SocketChannel) JAVA_CHANNEL.invoke(netty);
        } catch (ReflectiveOperationException e) {
            throw new IOException("could not reach the JDK channel of " + netty, e);
        }
    }

    private static Method javaChannelMethod() {
        // AbstractNioChannel.javaChannel() is protected; Netty on the class path lets us open it without JVM flags.
        try {
            Method m = io.netty.channel.nio.AbstractNioChannel.class.getDeclaredMethod("javaChannel");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
