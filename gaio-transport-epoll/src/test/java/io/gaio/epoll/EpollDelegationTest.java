package io.gaio.epoll;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Watcher;
import io.gaio.spi.TransportSocket;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Delegation on the epoll transport: the watcher keeps its own duplicate of the socket, the caller's object is
 * closed, and socket options set before delegation stay. Options are read back from the duplicate itself, through
 * Netty's {@link Socket} getters on the descriptor the transport owns.
 */
@Timeout(30)
class EpollDelegationTest {
    private static final int RCVBUF = 48 * 1024;
    private static final int SNDBUF = 96 * 1024;

    private static ServerSocketChannel jdkListener;
    private static EventLoopGroup nettyGroup;
    private static Channel nettyListener;
    private static final BlockingQueue<EpollSocketChannel> NETTY_ACCEPTED = new LinkedBlockingQueue<>();

    @BeforeAll
    static void listen() throws Exception {
        jdkListener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        nettyGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        nettyListener = new ServerBootstrap()
                .group(nettyGroup)
                .channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_RCVBUF, RCVBUF)
                .childOption(ChannelOption.SO_SNDBUF, SNDBUF)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<EpollSocketChannel>() {
                    @Override
                    protected void initChannel(EpollSocketChannel ch) {
                        NETTY_ACCEPTED.add(ch);
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    @AfterAll
    static void stop() throws Exception {
        jdkListener.close();
        nettyListener.close().sync();
        nettyGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    // ---- the transport alone: options on the duplicate ----

    @Test
    void jdkChannelDuplicateKeepsOptionsAndCallerIsClosed() throws Exception {
        try (SocketChannel client = connectJdk()) {
            SocketChannel server = jdkListener.accept();   // blocking mode, as accepted
            server.setOption(StandardSocketOptions.TCP_NODELAY, true);
            server.setOption(StandardSocketOptions.SO_RCVBUF, RCVBUF);
            server.setOption(StandardSocketOptions.SO_SNDBUF, SNDBUF);
            server.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            server.setOption(StandardSocketOptions.SO_LINGER, 7);
            // Linux doubles the buffer sizes it is given and reports the doubled value; the JDK reports half of it,
            // Netty's getters on the duplicate the value itself.
            int rcvbuf = 2 * server.getOption(StandardSocketOptions.SO_RCVBUF);
            int sndbuf = 2 * server.getOption(StandardSocketOptions.SO_SNDBUF);
            assertTrue(rcvbuf >= RCVBUF && sndbuf >= SNDBUF, rcvbuf + " " + sndbuf);

            EpollSocket socket = adoptDirectly(server);
            try {
                assertFalse(server.isOpen(), "the caller's channel is closed");
                assertThrows(ClosedChannelException.class, () -> server.write(ascii("mine")));
                Socket dup = socket.fd();
                assertTrue(dup.isTcpNoDelay());
                assertEquals(rcvbuf, dup.getReceiveBufferSize());
                assertEquals(sndbuf, dup.getSendBufferSize());
                assertTrue(dup.isKeepAlive());
                assertEquals(7, dup.getSoLinger());
                roundTrip(socket, client);
            } finally {
                socket.close();
            }
            assertEquals(-1, client.read(ByteBuffer.allocate(1)), "closing the duplicate closes the connection");
        }
    }

    @Test
    void nettyChannelDuplicateKeepsOptionsAndCallerIsClosed() throws Exception {
        try (SocketChannel client = connectNetty()) {
            EpollSocketChannel server = NETTY_ACCEPTED.poll(10, TimeUnit.SECONDS);
            int rcvbuf = server.config().getReceiveBufferSize();
            int sndbuf = server.config().getSendBufferSize();
            assertTrue(rcvbuf >= RCVBUF && sndbuf >= SNDBUF, rcvbuf + " " + sndbuf);

            EpollSocket socket = adoptDirectly(server);
            try {
                assertFalse(server.isOpen(), "the caller's channel is closed");
                assertFalse(server.writeAndFlush(Unpooled.wrappedBuffer(bytes("mine"))).awaitUninterruptibly()
                        .isSuccess(), "the caller's own write fails");
                Socket dup = socket.fd();
                assertTrue(dup.isTcpNoDelay());
                assertEquals(rcvbuf, dup.getReceiveBufferSize());
                assertEquals(sndbuf, dup.getSendBufferSize());
                assertTrue(dup.isKeepAlive());
                roundTrip(socket, client);
            } finally {
                socket.close();
            }
            assertEquals(-1, client.read(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void closedOrUnconnectedChannelsAreRefused() throws Exception {
        EpollTransportProvider provider = new EpollTransportProvider();
        SocketChannel closed = connectJdk();
        jdkListener.accept().close();
        closed.close();
        assertThrows(IOException.class, () -> provider.adopt(closed, (r, w) -> { }));
        try (SocketChannel unconnected = SocketChannel.open()) {
            assertThrows(IOException.class, () -> provider.adopt(unconnected, (r, w) -> { }));
        }
        Path dir = Files.createTempDirectory("gaio-epoll");
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("s"));
        try (ServerSocketChannel unixListener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(path);
             SocketChannel unix = SocketChannel.open(path)) {
            assertThrows(IOException.class, () -> provider.adopt(unix, (r, w) -> { }), "not TCP");
            assertTrue(unix.isOpen(), "a refused channel stays the caller's");
        } finally {
            Files.deleteIfExists(path.getPath());
            Files.delete(dir);
        }
    }

    /** A reset connection has no remote address any more, but it is the caller's: take it, report the reset. */
    @Test
    void connectionResetBeforeDelegationIsTakenOver() throws Exception {
        SocketChannel client = connectJdk();
        SocketChannel server = jdkListener.accept();
        client.setOption(StandardSocketOptions.SO_LINGER, 0);
        client.close();
        Thread.sleep(50);
        EpollSocket socket = adoptDirectly(server);
        ByteBuf in = Unpooled.directBuffer(16);
        try {
            assertFalse(server.isOpen());
            IOException e = assertThrows(IOException.class, () -> socket.read(in));
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), e.toString());
        } finally {
            in.release();
            socket.close();
        }
    }

    // ---- end to end through a watcher ----

    @Test
    void jdkChannelEchoThroughWatcher() throws Exception {
        try (Watcher watcher = Watcher.builder().transport("epoll").build();
             SocketChannel client = connectJdk()) {
            SocketChannel server = jdkListener.accept();
            server.setOption(StandardSocketOptions.TCP_NODELAY, true);
            echoThroughWatcher(watcher, server, client);
            assertFalse(server.isOpen(), "the caller's channel is closed");
            assertThrows(ClosedChannelException.class, () -> server.write(ascii("mine")));
            freeAndExpectEof(watcher, server, client);
        }
    }

    @Test
    void nettyChannelEchoThroughWatcher() throws Exception {
        try (Watcher watcher = Watcher.builder().transport("epoll").build();
             SocketChannel client = connectNetty()) {
            EpollSocketChannel server = NETTY_ACCEPTED.poll(10, TimeUnit.SECONDS);
            echoThroughWatcher(watcher, server, client);
            assertFalse(server.isOpen(), "the caller's channel is closed");
            assertFalse(server.writeAndFlush(Unpooled.wrappedBuffer(bytes("mine"))).awaitUninterruptibly()
                    .isSuccess(), "the caller's own write fails");
            freeAndExpectEof(watcher, server, client);
        }
    }

    /** A watcher sharing the Netty group's loop: the owner deregisters the channel first, as documented. */
    @Test
    void nettyChannelOnTheWatchersOwnLoop() throws Exception {
        try (Watcher watcher = Watcher.builder().eventLoop((IoEventLoopGroup) nettyGroup).build();
             SocketChannel client = connectNetty()) {
            EpollSocketChannel server = NETTY_ACCEPTED.poll(10, TimeUnit.SECONDS);
            assertEquals(watcher.eventLoop(), server.eventLoop(), "one loop in the group");
            watcher.read(null, server, null);
            OpResult refused = next(watcher);
            assertEquals(ConnectionClosedException.class, refused.error().getClass());
            assertTrue(String.valueOf(refused.error().getMessage()).contains("deregister"), refused.error().getMessage());
            assertTrue(server.isOpen(), "a refused channel stays the caller's");

            server.deregister().sync();
            echoThroughWatcher(watcher, server, client);
            assertFalse(server.isOpen());
            freeAndExpectEof(watcher, server, client);
        }
    }

    /** A Netty channel made from a connected descriptor never had an event loop: its descriptor is closed directly. */
    @Test
    void nettyChannelThatNeverHadAnEventLoop() throws Exception {
        LinuxSocket socket = LinuxSocket.newSocketStream();
        if (!socket.connect(jdkListener.getLocalAddress())) {
            while (!socket.finishConnect()) {
                Thread.sleep(1);
            }
        }
        EpollSocketChannel channel = new EpollSocketChannel(socket.intValue());
        try (Watcher watcher = Watcher.builder().transport("epoll").build();
             SocketChannel peer = jdkListener.accept()) {
            echoThroughWatcher(watcher, channel, peer);
            assertFalse(channel.isOpen());
            freeAndExpectEof(watcher, channel, peer);
        }
    }

    @Test
    void closedChannelCompletesWithConnectionClosed() throws Exception {
        try (Watcher watcher = Watcher.builder().transport("epoll").build()) {
            SocketChannel closed = connectJdk();
            jdkListener.accept().close();
            closed.close();
            watcher.read("ctx", closed, null);
            OpResult r = next(watcher);
            assertEquals(ConnectionClosedException.class, r.error().getClass(), String.valueOf(r.error()));
        }
    }

    // ---- helpers ----

    private static EpollSocket adoptDirectly(Object connection) throws IOException {
        TransportSocket socket = new EpollTransportProvider().adopt(connection, (readable, writable) -> { });
        return (EpollSocket) socket;
    }

    /** Raw reads and writes on an unregistered duplicate: it must be non-blocking and carry the connection. */
    private static void roundTrip(EpollSocket socket, SocketChannel client) throws Exception {
        ByteBuf in = Unpooled.directBuffer(16);
        try {
            assertEquals(0, socket.read(in), "the duplicate is non-blocking");
            client.write(ascii("ping"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int n;
            while ((n = socket.read(in)) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(4, n);
            in.writerIndex(n);
            assertEquals("ping", in.toString(US_ASCII));
            ByteBuf out = Unpooled.wrappedBuffer(bytes("pong"));
            assertEquals(4, socket.write(new ByteBuf[] {out}, 1));
            out.release();
            assertEquals("pong", readAscii(client, 4));
        } finally {
            in.release();
        }
    }

    private static void echoThroughWatcher(Watcher watcher, Object server, SocketChannel client) throws Exception {
        assertEquals("epoll", watcher.transport());
        watcher.read("r1", server, null);
        if (server instanceof Channel) {
            // Netty keeps reading until the watcher's loop takes the channel over: bytes sent before that could
            // land in the Netty pipeline (see EpollTransportProvider). Wait for the hand-over, which closes it.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (((Channel) server).isOpen() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        }
        client.write(ascii("hello"));
        OpResult read = next(watcher);
        assertNull(read.error());
        assertEquals(Operation.READ, read.operation());
        assertEquals("r1", read.context());
        assertTrue(read.isSwapBuffer());
        String got = read.buffer().toString(US_ASCII);
        assertEquals("hello", got);
        ByteBuf copy = read.buffer().copy();
        watcher.write("w1", server, copy);
        OpResult write = next(watcher);
        assertNull(write.error());
        assertEquals(5, write.size());
        copy.release();
        assertEquals("hello", readAscii(client, 5));
    }

    private static void freeAndExpectEof(Watcher watcher, Object server, SocketChannel client) throws Exception {
        watcher.free(server);
        client.socket().setSoTimeout(5000);
        assertEquals(-1, client.socket().getInputStream().read(), "free closes the watcher's duplicate");
    }

    static OpResult next(Watcher watcher) throws InterruptedException {
        List<OpResult> batch = watcher.waitIO(Duration.ofSeconds(10));
        assertEquals(1, batch.size(), "one completion expected, got " + batch);
        return batch.get(0);
    }

    private static SocketChannel connectJdk() throws IOException {
        return SocketChannel.open(jdkListener.getLocalAddress());
    }

    private static SocketChannel connectNetty() throws IOException {
        return SocketChannel.open(nettyListener.localAddress());
    }

    static String readAscii(SocketChannel client, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (client.read(buf) < 0) {
                throw new IOException("EOF after " + buf.position() + " bytes");
            }
        }
        return new String(buf.array(), US_ASCII);
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(bytes(s));
    }

    static byte[] bytes(String s) {
        return s.getBytes(US_ASCII);
    }
}
