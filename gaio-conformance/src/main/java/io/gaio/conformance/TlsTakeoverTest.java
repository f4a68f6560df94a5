package io.gaio.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gaio.ConnectionClosedException;
import io.gaio.OpResult;
import io.gaio.Watcher;
import io.gaio.tls.TlsHandover;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Netty channel whose {@code SslHandler} completed its handshake, handed to a watcher mid-session
 * ({@link TlsHandover}): neither the plaintext Netty decrypted and the application did not consume, nor the
 * ciphertext Netty read and could not decrypt yet (half a record) is lost; writes, close_notify both ways, refusals
 * and the release of what a handover holds when it is never used or its take-over fails. The client frames its own
 * records ({@link RawTlsClient}) to choose what Netty gets in one read. Netty's channel type is the transport's own
 * ({@link NettyTlsServer}); io_uring takes no Netty channel, so only the refusals run there.
 */
class TlsTakeoverTest extends TransportTestBase {
    /** How many bytes of the first record's plaintext the application consumes before it hands the channel over. */
    private static final int CONSUMED = 100;

    /**
     * The client sends record 1 and the first half of record 2 in one write; the application consumes part of record
     * 1 and hands the channel over with the rest; then the client sends the rest of record 2 and more. gaio's first
     * read returns exactly the unconsumed rest of record 1, the next reads record 2 and the rest; a gaio write
     * reaches the client; close_notify goes both ways.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void takeOverMidSession(String protocol) throws Exception {
        TlsFixture tls = TlsFixture.get(provider());
        byte[] first = randomBytes(300, 61);
        byte[] second = randomBytes(500, 62);
        byte[] later = randomBytes(40_000, 63);
        byte[] reply = randomBytes(20_000, 64);
        BlockingQueue<HandingOver> decided = new LinkedBlockingQueue<>();
        try (NettyTlsServer server = matchingServer(tls.serverContext(protocol), PooledByteBufAllocator.DEFAULT,
                () -> new HandingOver(decided));
             RawTlsClient client = RawTlsClient.connect(tls.jdkContext(), server.address(), protocol);
             Watcher w = newWatcher()) {
            byte[] record1 = client.seal(first);
            byte[] record2 = client.seal(second);
            int half = record2.length / 2;
            client.send(concat(record1, Arrays.copyOf(record2, half)));
            HandingOver app = decided.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(app, "the application got no plaintext");
            assertArrayEquals(Arrays.copyOf(first, CONSUMED), app.consumed, "what the application consumed");

            TlsHandover h = TlsHandover.takeOver(app.channel, app.unconsumed);
            assertEquals(protocol, h.handshake().protocol(), "the handshake Netty's SslHandler made");
            w.read("read", h, null);
            OpResult r = awaitResult(w);
            assertSuccess(r);
            assertArrayEquals(Arrays.copyOfRange(first, CONSUMED, first.length), readable(r.buffer()),
                    "the first read: the plaintext Netty decrypted and the application did not consume");

            client.send(concat(Arrays.copyOfRange(record2, half, record2.length), sealed(client, later)));
            assertArrayEquals(concat(second, later), readFully(w, h, second.length + later.length),
                    "record 2, whose first half Netty had read, then what came after the take-over");

            w.write("write", h, bufferOf(reply));
            OpResult written = awaitResult(w);
            written.buffer().release();
            assertSuccess(written);
            assertArrayEquals(reply, client.receive(reply.length), "what the client decrypted of gaio's write");

            w.shutdownOutput("end", h);
            assertSuccess(awaitResult(w));
            client.awaitCloseNotify();
            client.closeOutbound();
            w.read("read", h, null);
            assertError(awaitResult(w), EOFException.class);
            w.free(h);
            assertEquals(List.of(), app.afterwards, "events and errors the application saw after handing over");
        }
    }

    /**
     * What a handover holds (the engine, the ciphertext and plaintext Netty left) is released when the handover is
     * dropped unused, and at once when its take-over fails because the channel closed meanwhile. Counted by the
     * channel's own allocator, from which both leftovers come.
     */
    @Test
    void unusedOrFailedHandoverReleasesWhatItHolds() throws Exception {
        TlsFixture tls = TlsFixture.get(provider());
        UnpooledByteBufAllocator counted = new UnpooledByteBufAllocator(true);
        BlockingQueue<HandingOver> decided = new LinkedBlockingQueue<>();
        try (NettyTlsServer server = matchingServer(tls.serverContext("TLSv1.3"), counted,
                () -> new HandingOver(decided));
             Watcher w = newWatcher()) {
            try (RawTlsClient client = RawTlsClient.connect(tls.jdkContext(), server.address(), "TLSv1.3")) {
                HandingOver app = decideWithHalfARecordBehind(client, decided);
                TlsHandover.takeOver(app.channel, app.unconsumed);
                assertTrue(used(counted) > 0, "the handover holds the leftovers");
                gcUntil(() -> used(counted) == 0, Duration.ofSeconds(10), "releasing an unused handover's bytes");
            }
            try (RawTlsClient client = RawTlsClient.connect(tls.jdkContext(), server.address(), "TLSv1.3")) {
                HandingOver app = decideWithHalfARecordBehind(client, decided);
                TlsHandover h = TlsHandover.takeOver(app.channel, app.unconsumed);
                assertTrue(used(counted) > 0, "the handover holds the leftovers");
                app.channel.close().sync();
                w.read("read", h, null);
                assertError(awaitResult(w), ConnectionClosedException.class);
                assertEquals(0, used(counted), "bytes held after the failed take-over");
            }
        }
    }

    /**
     * Refused, each with a message that says what to do, and the plaintext given released: a take-over before the
     * handshake completed, one on the channel's own event loop, one without an {@code SslHandler}. No watcher is
     * involved, so Netty's NIO transport serves every transport here.
     */
    @Test
    void refusals() throws Exception {
        TlsFixture tls = TlsFixture.get(provider());
        BlockingQueue<Channel> active = new LinkedBlockingQueue<>();
        Supplier<ChannelHandler> recordActive = () -> new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                active.add(ctx.channel());
                ctx.fireChannelActive();
            }
        };
        try (NettyTlsServer server = NettyTlsServer.nio(tls.serverContext("TLSv1.3"), PooledByteBufAllocator.DEFAULT,
                recordActive);
             Socket silent = new Socket(server.address().getAddress(), server.address().getPort())) {
            Channel ch = active.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(ch, "no connection");

            ByteBuf plain = bufferOf(new byte[] {1, 2, 3});
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TlsHandover.takeOver(ch, plain));
            assertTrue(e.getMessage().contains("handshake has not completed"), e::getMessage);
            assertEquals(0, plain.refCnt(), "a refused take-over releases the plaintext it was given");

            Future<TlsHandover> onLoop = ch.eventLoop().submit(() -> TlsHandover.takeOver(ch)).await();
            e = assertInstanceOf(IllegalStateException.class, onLoop.cause());
            assertTrue(e.getMessage().contains("from another thread"), e::getMessage);

            ch.eventLoop().submit(() -> ch.pipeline().remove(SslHandler.class)).sync();
            e = assertThrows(IllegalStateException.class, () -> TlsHandover.takeOver(ch));
            assertTrue(e.getMessage().contains("no SslHandler"), e::getMessage);
        }
    }

    // ---- helpers ----

    /**
     * The application's handler, behind the SslHandler: on the first plaintext it consumes {@link #CONSUMED} bytes,
     * turns auto-read off and queues itself for the test thread, which hands the channel over with the rest. Plaintext
     * after that (records that came in the same read) is unconsumed too: appended, on the event loop, to the buffer
     * the handover owns.
     */
    private static final class HandingOver extends ChannelInboundHandlerAdapter {
        private final BlockingQueue<HandingOver> decided;
        final List<Object> afterwards = Collections.synchronizedList(new ArrayList<>());
        Channel channel;
        byte[] consumed;
        ByteBuf unconsumed;

        HandingOver(BlockingQueue<HandingOver> decided) {
            this.decided = decided;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf plain = (ByteBuf) msg;
            try {
                if (unconsumed != null) {
                    unconsumed.writeBytes(plain);
                    return;
                }
                ctx.channel().config().setAutoRead(false);
                byte[] c = new byte[CONSUMED];
                plain.readBytes(c);
                consumed = c;
                channel = ctx.channel();
                unconsumed = ctx.alloc().directBuffer().writeBytes(plain);
                decided.add(this);
            } finally {
                plain.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (unconsumed != null) {
                afterwards.add(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            afterwards.add(cause);
        }
    }

    /**
     * The provider of both sides' engines in these tests (Netty's {@code SslHandler} makes the engine gaio takes over);
     * {@link OpenSslTlsTakeoverTest} runs them all again on OpenSSL.
     */
    SslProvider provider() {
        return SslProvider.JDK;
    }

    private static NettyTlsServer matchingServer(SslContext tls, ByteBufAllocator allocator,
                                                 Supplier<ChannelHandler> handler) throws InterruptedException {
        String name = transport().name();
        NettyTlsServer server = NettyTlsServer.forTransport(name, tls, allocator, handler);
        Assumptions.assumeTrue(server != null, "transport " + name + " takes over no Netty channel type (io_uring "
                + "refuses IoUringSocketChannel, README \"Transports\"), so no Netty TLS session can be handed to it");
        return server;
    }

    /** Sends record 1 and half of record 2 in one write; returns the application once it decided to hand over. */
    private static HandingOver decideWithHalfARecordBehind(RawTlsClient client, BlockingQueue<HandingOver> decided)
            throws Exception {
        byte[] record1 = client.seal(randomBytes(300, 65));
        byte[] record2 = client.seal(randomBytes(500, 66));
        client.send(concat(record1, Arrays.copyOf(record2, record2.length / 2)));
        HandingOver app = decided.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(app, "the application got no plaintext");
        return app;
    }

    /** {@code data} as records of at most 10,000 bytes of plaintext each, one after the other. */
    private static byte[] sealed(RawTlsClient client, byte[] data) throws Exception {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (int off = 0; off < data.length; off += 10_000) {
            records.write(client.seal(Arrays.copyOfRange(data, off, Math.min(data.length, off + 10_000))));
        }
        return records.toByteArray();
    }

    /** Reads exactly {@code n} bytes from {@code connection} into a buffer of the test's own. */
    private static byte[] readFully(Watcher w, Object connection, int n) throws InterruptedException {
        ByteBuf buf = directBuffer(n);
        try {
            w.readFull("read", connection, buf, WAIT);
            OpResult r = awaitResult(w);
            assertSuccess(r);
            return readable(buf);
        } finally {
            buf.release();
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    private static long used(UnpooledByteBufAllocator allocator) {
        return allocator.metric().usedDirectMemory() + allocator.metric().usedHeapMemory();
    }
}
