package io.gaio.tls;

import io.gaio.spi.LayeredSocket;
import io.gaio.spi.ReadinessListener;
import io.gaio.spi.TransportSocket;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * One TLS connection: an {@link SSLEngine} between the engine's plaintext requests and the transport's socket. Loop
 * thread only.
 *
 * <p>Reads: ciphertext is read from the socket only inside {@link #read} (a read is pending) or while the handshake
 * needs it, and unwrapped straight into the read's buffer when it has room for the record, else into a staging
 * buffer whose rest waits for the next read. Writes: plaintext is wrapped (at most {@link #WRAP_LIMIT} bytes per
 * call) and handed to the kernel; when the kernel does not take all of it, the call returns
 * {@link TransportSocket#IN_FLIGHT} and the engine keeps those writes lent until the ciphertext is out, so a write
 * completes only once its records are in the kernel. A deadline on a lent write ({@link #cancel}) cannot take back
 * records already made: the write completes with the plaintext they hold, and their ciphertext goes out before
 * anything written later.
 */
final class TlsSocket implements LayeredSocket {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** Plaintext wrapped per write call at most: four full records. */
    private static final int WRAP_LIMIT = 4 * 16 * 1024;

    private final SslContext context;
    private final ByteBufAllocator allocator;
    private final ReadinessListener up;
    private final InetSocketAddress remote;
    private final IoEventLoop loop;
    private final CipherIn in;
    private final CipherOut out;
    private final Runnable wakeTask = this::wake;
    private TransportSocket inner;
    private SSLEngine engine;
    private int packetSize;
    private int appSize;
    /** Decrypted bytes no read has taken yet, else null. */
    private ByteBuf plain;
    private boolean connected;
    private boolean started;
    private boolean handshaking;
    /** Why the connection cannot go on: every later read (once buffered plaintext is taken) and write throws it. */
    private IOException failure;
    /** The peer's close_notify came: reads return the end of the stream. */
    private boolean inputDone;
    /** Plaintext bytes of lent writes whose ciphertext is still in {@link #out}; -1 when no write is lent. */
    private long lentPlain = -1;
    /** A deadline hit the lent writes: they complete at their next call, their ciphertext still goes out first. */
    private boolean lentCancelled;
    /** {@code shutdownOutput} waits for ciphertext ahead of the close_notify. */
    private boolean shutdownWanted;
    private boolean closeNotifyWrapped;
    private boolean closed;
    /** Something the engine waits for happened outside {@link #onReadiness}: tell it from a loop task. */
    private boolean wakeNeeded;
    private boolean wakeScheduled;
    private boolean wantRead;
    private boolean wantWrite;
    /** The interest last passed to the transport's socket, -1 when it must be passed again. */
    private int innerInterest = -1;

    TlsSocket(SslContext context, ByteBufAllocator allocator, ReadinessListener up, InetSocketAddress remote,
              IoEventLoop loop) {
        this.context = context;
        this.allocator = allocator;
        this.up = up;
        this.remote = remote;
        this.loop = loop;
        this.in = new CipherIn(allocator);
        this.out = new CipherOut(allocator);
    }

    @Override
    public void wrap(TransportSocket socket) {
        inner = socket;
        engine = remote == null ? context.newEngine(allocator)
                : context.newEngine(allocator, remote.getHostString(), remote.getPort());
        packetSize = engine.getSession().getPacketBufferSize();
        appSize = engine.getSession().getApplicationBufferSize();
        connected = remote == null;
    }

    @Override
    public IoHandle ioHandle() {
        return inner;
    }

    @Override
    public void attach(IoRegistration registration) {
        inner.attach(registration);
        if (connected) {
            begin();
        }
    }

    /** Only the transport's socket is registered; a decorator forwards what it would get. */
    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        inner.handle(registration, event);
    }

    @Override
    public boolean connect(InetSocketAddress address) throws IOException {
        return established(inner.connect(address));
    }

    @Override
    public boolean finishConnect() throws IOException {
        return established(inner.finishConnect());
    }

    private boolean established(boolean done) {
        if (done) {
            connected = true;
            // A level-triggered transport watched for the connect: its interest must be set anew.
            innerInterest = -1;
            begin();
        }
        return done;
    }

    private void begin() {
        started = true;
        handshaking = true;
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            fail(e);
            return;
        }
        handshake();
        updateInterest();
    }

    // ---- readiness ----

    @Override
    public void onReadiness(boolean readable, boolean writable) {
        if (closed) {
            collectAfterClose();
            up.onReadiness(readable, writable);
            return;
        }
        if (!connected) {
            up.onReadiness(readable, writable);
            return;
        }
        boolean wasPending = out.isPending();
        try {
            if (writable && wasPending) {
                out.flush(inner);
            }
            if (handshaking) {
                handshake();
            }
            advanceShutdown();
        } catch (IOException e) {
            fail(e);
        } catch (RuntimeException e) {
            // An SSLEngine's own bug must end this connection, not stall the loop.
            fail(new SSLException("the SSLEngine failed: " + e, e));
        }
        if (handshaking) {
            updateInterest();
            return;
        }
        // The handshake ended or failed, or ciphertext of a lent write went out: the engine's requests may go on.
        boolean news = wakeNeeded || wasPending && !out.isPending();
        wakeNeeded = false;
        up.onReadiness(readable || news, writable && !out.isPending() || news);
        updateInterest();
    }

    private void collectAfterClose() {
        if (out.isLent()) {
            try {
                out.flush(inner);
            } catch (IOException ignored) {
                // Closed: the buffer came back, which is all that matters now.
            }
        }
    }

    /** Tells the engine, from a loop task, about progress made outside {@link #onReadiness}. */
    private void wakeLater() {
        wakeNeeded = false;
        if (!wakeScheduled) {
            wakeScheduled = true;
            try {
                loop.execute(wakeTask);
            } catch (RejectedExecutionException loopGone) {
                wakeScheduled = false;
            }
        }
    }

    private void wake() {
        wakeScheduled = false;
        up.onReadiness(true, true);
        updateInterest();
    }

    @Override
    public void interest(boolean read, boolean write) {
        wantRead = read;
        wantWrite = write;
        updateInterest();
    }

    private void updateInterest() {
        if (closed) {
            return;
        }
        boolean read;
        boolean write;
        if (!connected) {
            read = wantRead;
            write = wantWrite;
        } else {
            read = handshaking ? !out.isPending() : wantRead;
            write = out.isPending() || wantWrite && !handshaking;
        }
        int now = (read ? 1 : 0) | (write ? 2 : 0);
        if (now != innerInterest) {
            innerInterest = now;
            inner.interest(read, write);
        }
    }

    // ---- handshake ----

    /** Moves the handshake on as far as the socket allows; a failure is recorded, never thrown. */
    private void handshake() {
        try {
            while (handshaking) {
                if (out.isPending() && !out.flush(inner)) {
                    return;
                }
                switch (engine.getHandshakeStatus()) {
                    case NEED_WRAP:
                        wrapControl();
                        break;
                    case NEED_TASK:
                        runTasks();
                        break;
                    case NEED_UNWRAP:
                    case NEED_UNWRAP_AGAIN:
                        if (!unwrapHandshake()) {
                            return;
                        }
                        break;
                    default:
                        handshaking = false;
                        wakeNeeded = true;
                }
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Unwraps one handshake record; false when the socket has no bytes now. */
    private boolean unwrapHandshake() throws IOException {
        if (in.needsBytes()) {
            int n = in.fill(inner, packetSize);
            if (n == 0) {
                return false;
            }
            if (n < 0) {
                throw new SSLHandshakeException("the peer closed the connection during the TLS handshake");
            }
        }
        // Application data may follow the peer's last handshake message in the same flight: keep it for a read.
        if (plain == null) {
            plain = allocator.directBuffer(appSize);
        } else {
            plain.ensureWritable(appSize);
        }
        SSLEngineResult res = engine.unwrap(in.bytes(), plain.internalNioBuffer(plain.writerIndex(),
                plain.writableBytes()));
        in.consumed(res.bytesConsumed());
        plain.writerIndex(plain.writerIndex() + res.bytesProduced());
        releasePlainIfEmpty();
        switch (res.getStatus()) {
            case BUFFER_UNDERFLOW:
                in.markUnderflow();
                return true;
            case CLOSED:
                throw new SSLHandshakeException("the peer closed the TLS session during the handshake");
            case BUFFER_OVERFLOW:
                throw new SSLException("the SSLEngine wants more than its application buffer size, " + appSize);
            default:
                return true;
        }
    }

    /** Wraps what the engine has to send without application data: handshake messages, alerts, close_notify. */
    private void wrapControl() throws SSLException {
        SSLEngineResult res = engine.wrap(EMPTY, out.room(packetSize));
        out.produced(res.bytesProduced());
        if (res.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new SSLException("the SSLEngine wants more than its packet buffer size, " + packetSize);
        }
        if (res.getStatus() == SSLEngineResult.Status.CLOSED && handshaking) {
            throw new SSLHandshakeException("the TLS session closed during the handshake");
        }
    }

    /** The JDK provider's certificate checks and key agreement run here, on the event loop. */
    private void runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    // ---- reads ----

    @Override
    public int read(ByteBuf dst) throws IOException {
        try {
            if (plain != null) {
                return deliver(dst, 0);
            }
            if (failure != null) {
                throw failure;
            }
            if (inputDone) {
                return -1;
            }
            if (!started || handshaking) {
                if (started) {
                    handshake();
                }
                if (failure != null) {
                    throw failure;
                }
                if (!started || handshaking) {
                    return 0;
                }
                if (plain != null) {
                    return deliver(dst, 0);
                }
            }
            try {
                return unwrapInto(dst);
            } catch (IOException e) {
                throw fail(e);
            }
        } finally {
            afterCall();
        }
    }

    /** Unwraps records into {@code dst} while it has room and records wait; reads the socket only for the first. */
    private int unwrapInto(ByteBuf dst) throws IOException {
        int produced = 0;
        while (true) {
            if (in.needsBytes()) {
                if (produced > 0) {
                    return produced;
                }
                int n = in.fill(inner, packetSize);
                if (n == 0) {
                    return 0;
                }
                if (n < 0) {
                    throw new SSLException("the peer closed the TCP connection without a TLS close_notify: the data "
                            + "received may be truncated");
                }
            }
            int room = dst.writableBytes() - produced;
            SSLEngineResult res = null;
            boolean direct = dst.nioBufferCount() == 1;
            if (direct) {
                res = engine.unwrap(in.bytes(), dst.nioBuffer(dst.writerIndex() + produced, room));
                direct = res.getStatus() != SSLEngineResult.Status.BUFFER_OVERFLOW;
            }
            if (!direct) {
                // The record's plaintext does not fit (or dst has no single memory region): stage it.
                plain = allocator.directBuffer(appSize);
                res = engine.unwrap(in.bytes(), plain.internalNioBuffer(0, plain.writableBytes()));
                plain.writerIndex(res.bytesProduced());
            }
            in.consumed(res.bytesConsumed());
            if (direct) {
                produced += res.bytesProduced();
            } else {
                produced = deliver(dst, produced);
            }
            switch (res.getStatus()) {
                case CLOSED:
                    inputDone = true;
                    answerCloseNotify();
                    return produced > 0 ? produced : -1;
                case BUFFER_UNDERFLOW:
                    in.markUnderflow();
                    continue;
                case BUFFER_OVERFLOW:
                    throw new SSLException("the SSLEngine wants more than its application buffer size, " + appSize);
                default:
                    afterHandshakeMessage(res.getHandshakeStatus());
            }
            if (produced > 0 && (plain != null || dst.writableBytes() - produced < appSize)) {
                return produced;
            }
        }
    }

    /**
     * After the handshake, a record that makes the engine handshake again is a TLS 1.2 renegotiation, refused, or a
     * TLS 1.3 key update, answered (once nothing the transport holds is in the way).
     */
    private void afterHandshakeMessage(SSLEngineResult.HandshakeStatus status) throws IOException {
        if (status == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                || status == SSLEngineResult.HandshakeStatus.FINISHED) {
            return;
        }
        if (!"TLSv1.3".equals(engine.getSession().getProtocol())) {
            throw new SSLException("the peer started a TLS renegotiation; gaio refuses renegotiation");
        }
        runTasks();
        while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP && !out.isLent()) {
            wrapControl();
        }
        flushFromCall();
    }

    /** Copies staged plaintext into {@code dst} behind {@code produced} bytes; returns the new total. */
    private int deliver(ByteBuf dst, int produced) {
        int n = Math.min(plain.readableBytes(), dst.writableBytes() - produced);
        dst.setBytes(dst.writerIndex() + produced, plain, plain.readerIndex(), n);
        plain.skipBytes(n);
        releasePlainIfEmpty();
        return produced + n;
    }

    private void releasePlainIfEmpty() {
        if (plain != null && !plain.isReadable()) {
            plain.release();
            plain = null;
        }
    }

    /** The peer ended its side: the engine may owe a close_notify of its own (TLS 1.2 does). */
    private void answerCloseNotify() {
        try {
            while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP && !out.isLent()) {
                SSLEngineResult res = engine.wrap(EMPTY, out.room(packetSize));
                out.produced(res.bytesProduced());
                if (res.bytesProduced() == 0) {
                    break;
                }
            }
            flushFromCall();
        } catch (IOException e) {
            // The peer is gone or going: its stream ended cleanly all the same.
        }
    }

    // ---- writes ----

    @Override
    public long write(ByteBuf[] srcs, int count) throws IOException {
        try {
            if (lentPlain >= 0) {
                return collectWrite();
            }
            if (failure != null) {
                throw failure;
            }
            if (!started || handshaking) {
                if (started) {
                    handshake();
                }
                if (failure != null) {
                    throw failure;
                }
                if (!started || handshaking) {
                    return 0;
                }
            }
            try {
                // Records committed earlier (a cancelled lent write, a key update) go out first.
                if (out.isPending() && !out.flush(inner)) {
                    return 0;
                }
                long consumed = wrapPlain(srcs, count);
                if (out.flush(inner)) {
                    return consumed;
                }
                lentPlain = consumed;
                return IN_FLIGHT;
            } catch (IOException e) {
                throw fail(e);
            }
        } finally {
            afterCall();
        }
    }

    private long collectWrite() throws IOException {
        if (closed) {
            lentPlain = -1;
            return 0;
        }
        if (failure != null) {
            lentPlain = -1;
            throw failure;
        }
        if (!lentCancelled && out.isPending()) {
            try {
                if (!out.flush(inner)) {
                    return IN_FLIGHT;
                }
            } catch (IOException e) {
                lentPlain = -1;
                throw fail(e);
            }
        }
        long n = lentPlain;
        lentPlain = -1;
        lentCancelled = false;
        return n;
    }

    /** Wraps plaintext from {@code srcs} without moving their indexes; returns the plaintext bytes consumed. */
    private long wrapPlain(ByteBuf[] srcs, int count) throws SSLException {
        long consumed = 0;
        for (int i = 0; i < count && consumed < WRAP_LIMIT; i++) {
            ByteBuf src = srcs[i];
            int length = src.readableBytes();
            int offset = 0;
            while (offset < length && consumed < WRAP_LIMIT) {
                ByteBuffer from = src.nioBuffer(src.readerIndex() + offset, length - offset);
                SSLEngineResult res = engine.wrap(from, out.room(packetSize));
                out.produced(res.bytesProduced());
                switch (res.getStatus()) {
                    case CLOSED:
                        throw new SSLException("the TLS session's output is closed (close_notify sent or "
                                + "answered); it takes no more writes");
                    case BUFFER_OVERFLOW:
                        throw new SSLException("the SSLEngine wants more than its packet buffer size, "
                                + packetSize);
                    default:
                        break;
                }
                if (res.bytesConsumed() == 0 && res.bytesProduced() == 0) {
                    throw new SSLException("the SSLEngine neither took nor made bytes: " + res);
                }
                if (res.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                offset += res.bytesConsumed();
                consumed += res.bytesConsumed();
            }
        }
        return consumed;
    }

    /** Hands committed ciphertext to the kernel from a read or a write; a lent write learns of it by a wake-up. */
    private void flushFromCall() throws IOException {
        if (out.isPending() && out.flush(inner) && lentPlain >= 0) {
            wakeNeeded = true;
        }
    }

    /** After {@link #read} or {@link #write}: wake the engine if the handshake ended meanwhile. */
    private void afterCall() {
        if (wakeNeeded) {
            wakeLater();
        }
        updateInterest();
    }

    @Override
    public void cancel(boolean read, boolean write) {
        if (write && lentPlain >= 0) {
            lentCancelled = true;
            wakeLater();
        }
    }

    // ---- ending ----

    @Override
    public void shutdownOutput() throws IOException {
        if (failure != null) {
            throw failure;
        }
        shutdownWanted = true;
        advanceShutdown();
        afterCall();
        if (failure != null) {
            throw failure;
        }
    }

    /** Sends close_notify once the ciphertext ahead of it is out, then the FIN. */
    private void advanceShutdown() {
        if (!shutdownWanted || handshaking) {
            return;
        }
        try {
            if (!closeNotifyWrapped) {
                if (out.isPending() && !out.flush(inner)) {
                    return;
                }
                engine.closeOutbound();
                wrapControl();
                closeNotifyWrapped = true;
            }
            if (out.isPending() && !out.flush(inner)) {
                return;
            }
            shutdownWanted = false;
            inner.shutdownOutput();
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Records why the connection cannot go on, tells the peer with an alert if the engine has one; returns it. */
    private IOException fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        handshaking = false;
        wakeNeeded = true;
        in.release();
        // An unwrap that threw may have left a staging buffer without bytes: reads would take it for plaintext.
        releasePlainIfEmpty();
        if (!out.isLent() && !closed) {
            try {
                engine.closeOutbound();
                while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                    SSLEngineResult res = engine.wrap(EMPTY, out.room(packetSize));
                    out.produced(res.bytesProduced());
                    if (res.bytesProduced() == 0) {
                        break;
                    }
                }
                out.flush(inner);
            } catch (IOException | RuntimeException ignored) {
                // The alert is a courtesy; the failure stands.
            }
        }
        return failure;
    }

    /**
     * Sends close_notify if the session is up and nothing waits ahead of it (without blocking: a full socket buffer
     * loses it), closes the socket and releases every buffer but one the transport still holds.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (started && !handshaking && failure == null && !out.isPending()) {
            try {
                engine.closeOutbound();
                wrapControl();
                out.flush(inner);
            } catch (IOException | RuntimeException ignored) {
                // Best effort: the connection ends either way.
            }
        }
        closed = true;
        try {
            inner.close();
        } finally {
            in.release();
            if (plain != null) {
                plain.release();
                plain = null;
            }
            out.close();
            ReferenceCountUtil.release(engine);
            if (lentPlain >= 0) {
                wakeLater();
            }
        }
    }

    // ---- the rest is the transport's ----

    @Override
    public void bind(InetSocketAddress local) throws IOException {
        inner.bind(local);
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        inner.setOption(option, value);
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return inner.getOption(option);
    }

    @Override
    public InetSocketAddress localAddress() throws IOException {
        return inner.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() throws IOException {
        return inner.remoteAddress();
    }

    @Override
    public String toString() {
        return "TLS over " + inner;
    }
}
