package io.gaio.nio;

import io.gaio.spi.NettyChannels;
import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportProvider;
import io.gaio.spi.TransportSocket;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.nio.NioIoHandle;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.lang.reflect.Method;
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
