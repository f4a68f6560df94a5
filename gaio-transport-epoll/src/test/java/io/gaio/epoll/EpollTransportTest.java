package io.gaio.epoll;

import static io.gaio.epoll.EpollDelegationTest.next;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.OpResult;
import io.gaio.Operation;
import io.gaio.Transports;
import io.gaio.Watcher;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The epoll transport's own behaviour beyond delegation: selection, heap and composite buffers, large transfers. */
@Timeout(60)
class EpollTransportTest {

    @Test
    void epollIsSelectedOnLinuxWhenNoTransportIsNamed() {
        String named = System.clearProperty(Transports.TRANSPORT_PROPERTY);
        try {
            assertEquals("epoll", Transports.selected().name());
            assertTrue(Transports.selected().toString().contains("epoll"));
        } finally {
            if (named != null) {
                System.setProperty(Transports.TRANSPORT_PROPERTY, named);
            }
        }
    }

    /** Netty's raw calls take native memory only; heap and composite buffers must still go out intact and in order. */
    @Test
    void heapCompositeAndDirectWritesArriveInOrder() throws Exception {
        byte[] big = random(200 * 1024, 1);   // larger than the transport's bounce buffer
        try (ServerSocketChannel listener = listen(); Watcher watcher = Watcher.builder().transport("epoll").build();
             SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
            SocketChannel server = listener.accept();
            CompositeByteBuf composite = Unpooled.compositeBuffer()
                    .addComponent(true, Unpooled.wrappedBuffer(ascii("def")))
                    .addComponent(true, Unpooled.directBuffer().writeBytes(ascii("ghi")));
            ByteBuf[] writes = {
                Unpooled.wrappedBuffer(ascii("abc")), composite,
                Unpooled.directBuffer().writeBytes(ascii("jkl")), Unpooled.wrappedBuffer(big),
            };
            for (int i = 0; i < writes.length; i++) {
                watcher.write(i, server, writes[i]);
            }
            CompletableFuture<byte[]> received = readAsync(client, 12 + big.length);
            int done = 0;
            while (done < writes.length) {
                for (OpResult r : watcher.waitIO()) {
                    assertNull(r.error());
                    assertEquals(done++, r.context(), "writes complete in submission order");
                }
            }
            byte[] all = received.get(10, TimeUnit.SECONDS);
            assertEquals("abcdefghijkl", new String(all, 0, 12, US_ASCII));
            assertArrayEquals(big, Arrays.copyOfRange(all, 12, all.length));
            for (ByteBuf b : writes) {
                b.release();
            }
        }
    }

    @Test
    void readFullIntoHeapBuffer() throws Exception {
        byte[] payload = random(300 * 1024, 2);
        try (ServerSocketChannel listener = listen(); Watcher watcher = Watcher.builder().transport("epoll").build();
             SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
            SocketChannel server = listener.accept();
            ByteBuf heap = Unpooled.buffer(payload.length, payload.length);
            try {
                watcher.readFull(null, server, heap, null);
                client.write(ByteBuffer.wrap(payload));
                OpResult r = next(watcher);
                assertNull(r.error());
                assertEquals(payload.length, r.size());
                byte[] got = new byte[payload.length];
                heap.getBytes(0, got);
                assertArrayEquals(payload, got);
            } finally {
                heap.release();
            }
        }
    }

    /** Edge-triggered: a slow reader makes writes stop at EAGAIN and resume on the next EPOLLOUT edge. */
    @Test
    void largeTransfersBothWaysWithSlowPeer() throws Exception {
        byte[] out = random(8 << 20, 3);
        byte[] in = random(8 << 20, 4);
        try (ServerSocketChannel listener = listen(); Watcher watcher = Watcher.builder().transport("epoll").build();
             SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
            SocketChannel server = listener.accept();
            ByteBuf src = Unpooled.directBuffer(out.length).writeBytes(out);
            ByteBuf dst = Unpooled.directBuffer(in.length, in.length);
            try {
                watcher.write("w", server, src);
                watcher.readFull("r", server, dst, null);
                Thread.sleep(200);   // the write fills the socket buffers and waits for EPOLLOUT
                CompletableFuture<byte[]> received = readAsync(client, out.length);
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                    try {
                        client.write(ByteBuffer.wrap(in));
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                int done = 0;
                while (done < 2) {
                    for (OpResult r : watcher.waitIO()) {
                        assertNull(r.error(), String.valueOf(r));
                        assertEquals(r.operation() == Operation.WRITE ? out.length : in.length, r.size());
                        done++;
                    }
                }
                sent.get(10, TimeUnit.SECONDS);
                assertArrayEquals(out, received.get(10, TimeUnit.SECONDS));
                byte[] got = new byte[in.length];
                dst.getBytes(0, got);
                assertArrayEquals(in, got);
            } finally {
                src.release();
                dst.release();
            }
        }
    }

    /**
     * Every delegation duplicates a descriptor and closes the caller's: none may be left behind. The count may drop
     * meanwhile (a connection an earlier test dropped, closed by the Cleaner), never grow.
     */
    @Test
    void delegationLeaksNoDescriptors() throws Exception {
        try (ServerSocketChannel listener = listen()) {
            cycle(listener, 1);   // opens the JVM-wide descriptor-passing sockets
            long before = openDescriptors();
            cycle(listener, 200);
            long after = openDescriptors();
            assertTrue(after <= before, "200 delegations left " + (after - before) + " descriptors open");
        }
    }

    /** Delegates {@code n} connections to a fresh watcher, writes on each, frees it, and closes the watcher. */
    private static void cycle(ServerSocketChannel listener, int n) throws Exception {
        try (Watcher watcher = Watcher.builder().transport("epoll").build()) {
            for (int i = 0; i < n; i++) {
                try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
                    SocketChannel server = listener.accept();
                    ByteBuf one = Unpooled.directBuffer(1).writeByte(i);
                    watcher.write(null, server, one);
                    assertNull(next(watcher).error());
                    one.release();
                    watcher.free(server);
                    assertEquals(1, client.read(ByteBuffer.allocate(2)));
                    assertEquals(-1, client.read(ByteBuffer.allocate(1)), "free closed the last descriptor");
                }
            }
        }
    }

    private static long openDescriptors() throws Exception {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static ServerSocketChannel listen() throws Exception {
        return ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private static CompletableFuture<byte[]> readAsync(SocketChannel client, int n) {
        return CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream all = new ByteArrayOutputStream(n);
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            try {
                while (all.size() < n) {
                    buf.clear();
                    int r = client.read(buf);
                    if (r < 0) {
                        break;
                    }
                    all.write(buf.array(), 0, r);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
            return all.toByteArray();
        });
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(US_ASCII);
    }
}
