package io.gaio.iouring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The socket at the SPI, on a real ring and real loopback sockets: a read into a request's own buffer and a write
 * are submitted to the kernel ({@link TransportSocket#IN_FLIGHT}) and come back as completions; a cancelled read
 * gives its buffer back having moved nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringSocketTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "pong".getBytes(StandardCharsets.US_ASCII);
    private MultiThreadIoEventLoopGroup group;
    private IoEventLoop loop;
    private ServerSocketChannel listener;
    private SocketChannel client;
    private TransportSocket socket;
    private final BlockingQueue<String> readiness = new LinkedBlockingQueue<>();

    @BeforeEach
    void open() throws Exception {
        assumeTrue(IoUring.isAvailable(), () -> "io_uring unavailable here: " + IoUring.unavailabilityCause());
        group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        loop = (IoEventLoop) group.next();
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        client = SocketChannel.open(listener.getLocalAddress());
        SocketChannel accepted = listener.accept();
        socket = new IoUringTransportProvider().adopt(accepted,
                (readable, writable) -> readiness.add(readable ? "readable" : "writable"));
        onLoop(() -> {
            IoRegistration registration = loop.register(socket).getNow();
            socket.attach(registration);
            return null;
        });
    }

    @AfterEach
    void close() throws Exception {
        if (group != null) {
            onLoop(() -> {
                socket.close();
                return null;
            });
            client.close();
            listener.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void readAndWriteAreSubmittedAndComplete() throws Exception {
        ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(64).writeBytes(PONG);
        try {
            assertEquals(TransportSocket.IN_FLIGHT, (int) onLoop(() -> socket.submitRead(in)),
                    "a read lent to the kernel");
            assertEquals(TransportSocket.IN_FLIGHT, (int) onLoop(() -> socket.submitRead(in)), "still in flight");
            client.write(ByteBuffer.wrap(PING));
            assertEquals("readable", readiness.poll(10, TimeUnit.SECONDS));
            assertEquals(4, (int) onLoop(() -> socket.submitRead(in)), "the completion's byte count");
            byte[] got = new byte[4];
            in.getBytes(0, got);
            assertArrayEquals(PING, got, "bytes the kernel put in the buffer");

            ByteBuf[] srcs = {out};
            assertEquals(TransportSocket.IN_FLIGHT, (long) onLoop(() -> socket.write(srcs, 1)), "a write submitted");
            assertEquals("writable", readiness.poll(10, TimeUnit.SECONDS));
            assertEquals(4L, (long) onLoop(() -> socket.write(srcs, 1)), "the completion's byte count");
            ByteBuffer echo = ByteBuffer.allocate(4);
            while (echo.hasRemaining()) {
                client.read(echo);
            }
            assertArrayEquals(PONG, echo.array());
        } finally {
            in.release();
            out.release();
        }
    }

    @Test
    void cancelledReadComesBackEmpty() throws Exception {
        ByteBuf in = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        try {
            assertEquals(TransportSocket.IN_FLIGHT, (int) onLoop(() -> socket.submitRead(in)));
            onLoop(() -> {
                socket.cancel(true, false);
                return null;
            });
            assertEquals("readable", readiness.poll(10, TimeUnit.SECONDS), "the cancelled read reports back");
            assertEquals(0, (int) onLoop(() -> socket.submitRead(in)), "a cancelled read moved nothing");
        } finally {
            in.release();
        }
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }
}
