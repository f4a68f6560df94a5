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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * One TLS connection as the engine sees it: a {@link LayeredSocket} over the transport's socket that runs the
 * handshake on readiness, reads and writes plaintext through its {@link TlsRecords}, and tells the engine when its
 * requests may go on. Loop thread only.
 *
 * <p>Reads: ciphertext is read from the socket only inside {@link #read} (a read is pending) or while the handshake
 * needs it. Writes: plaintext is wrapped (at most {@link #WRAP_LIMIT} bytes per call) and handed to the kernel; when
 * the kernel does not take all of it, the call returns {@link TransportSocket#IN_FLIGHT} and the engine keeps those
 * writes lent until the ciphertext is out, so a write completes only once its records are in the kernel. A deadline
 * on a lent write ({@link #cancel}) cannot take back records already made: the write completes with the plaintext
 * they hold, and their ciphertext goes out before anything written later.
 */
final class TlsSocket implements LayeredSocket {
    /** Plaintext wrapped per write call at most: four full records. */
    private static final int WRAP_LIMIT = 4 * 16 * 1024;
    /** How long a closed connection's socket stays open for a send the transport still holds. */
    private static final long CLOSE_GRACE_MILLIS = 1000;

    private final SslContext context;
    private final ByteBufAllocator allocator;
    private final ReadinessListener up;
    private final InetSocketAddress remote;
    private final IoEventLoop loop;
    private final Runnable wakeTask = this::wake;
    private TransportSocket inner;
    private TlsRecords records;
    private SSLEngine engine;
    private CipherOut out;
    private boolean connected;
    private boolean started;
    private boolean handshaking;
    /** What the handshake settled, once it ended. */
    private TlsHandshake settled;
    /** Why the connection cannot go on: every later read (once decrypted bytes are taken) and write throws it. */
    private IOException failure;
    /**
     * Why ciphertext cannot go out any more (EPIPE, a reset): later writes throw it, while reads go on to what the
     * peer sent before, its close_notify included.
     */
    private IOException writeFailure;
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

    /** TLS on a connection the watcher accepts or connects; the engine is made once the transport's socket is. */
    TlsSocket(SslContext context, ByteBufAllocator allocator, ReadinessListener up, InetSocketAddress remote,
              IoEventLoop loop) {
        this.context = context;
        this.allocator = allocator;
        this.up = up;
        this.remote = remote;
        this.loop = loop;
    }

    /**
     * TLS going on over a connection taken over with its session established: {@code records} hold the session's
     * engine and the bytes the previous implementation left. Closed before {@link #wrap}, it releases them.
     */
    static TlsSocket resumed(TlsRecords records, ReadinessListener up, IoEventLoop loop) {
        TlsSocket socket = new TlsSocket(null, null, up, null, loop);
        socket.records = records;
        socket.engine = records.engine;
        socket.out = records.out;
        socket.connected = true;
        socket.started = true;
        socket.settled = TlsHandshake.of(records.engine);
        return socket;
    }

    @Override
    public void wrap(TransportSocket socket) {
        inner = socket;
        if (records != null) {
            return;
        }
        engine = remote == null ? context.newEngine(allocator)
                : context.newEngine(allocator, remote.getHostString(), remote.getPort());
        records = new TlsRecords(engine, allocator);
        out = records.out;
        connected = remote == null;
    }

    @Override
    public IoHandle ioHandle() {
        return inner;
    }

    @Override
    public void attach(IoRegistration registration) {
        inner.attach(registration);
        if (connected && !started) {
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
            // A lent send is collected even after a write failed: left uncollected, its buffer would never return.
            if (writable && wasPending && (writeFailure == null || out.isLent())) {
                flushOrFailWrites();
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
            if (!out.isLent()) {
                closeInner();
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
            // Ciphertext that cannot go out must not keep a level-triggered selector waking.
            write = out.isPending() && writeFailure == null || wantWrite && !handshaking;
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
                        if (records.wrapControl().getStatus() == SSLEngineResult.Status.CLOSED) {
                            throw new SSLHandshakeException("the TLS session closed during the handshake");
                        }
                        break;
                    case NEED_TASK:
                        records.runTasks();
                        break;
                    case NEED_UNWRAP:
                    case NEED_UNWRAP_AGAIN:
                        if (!records.unwrapHandshake(inner)) {
                            return;
                        }
                        break;
                    default:
                        handshaking = false;
                        settled = TlsHandshake.of(engine);
                        wakeNeeded = true;
                }
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Hands waiting ciphertext to the kernel; after the handshake a failure fails only the writes. */
    private void flushOrFailWrites() throws IOException {
        try {
            out.flush(inner);
        } catch (IOException e) {
            if (handshaking) {
                throw e;
            }
            failWrites(e);
        }
    }

    private void failWrites(IOException e) {
        if (writeFailure == null) {
            writeFailure = e;
        }
        wakeNeeded = true;
    }

    /**
     * Whether requests may move bytes: the handshake has ended (moved on here first); throws the failure if it
     * failed.
     */
    private boolean handshaken() throws IOException {
        if (started && handshaking) {
            handshake();
        }
        if (failure != null) {
            throw failure;
        }
        return started && !handshaking;
    }

    // ---- reads ----

    @Override
    public int read(ByteBuf dst) throws IOException {
        try {
            if (records.hasPlaintext()) {
                return records.deliver(dst, 0);
            }
            if (!handshaken()) {
                return 0;
            }
            if (records.hasPlaintext()) {
                return records.deliver(dst, 0);
            }
            if (records.isInputDone()) {
                return -1;
            }
            int n;
            try {
                n = records.unwrapInto(dst, inner);
            } catch (IOException e) {
                throw fail(e);
            }
            // A key update's answer or a close_notify's may wait to go out. A peer that closed meanwhile fails
            // that send (EPIPE): later writes report it, this read still returns what it got, the end included.
            if (out.isPending() && !out.isLent() && writeFailure == null) {
                flushOrFailWrites();
                if (!out.isPending() && lentPlain >= 0) {
                    wakeNeeded = true;
                }
            }
            return n;
        } finally {
            afterCall();
        }
    }

    // ---- writes ----

    @Override
    public long write(ByteBuf[] srcs, int count) throws IOException {
        try {
            if (lentPlain >= 0) {
                return collectWrite();
            }
            if (!handshaken()) {
                return 0;
            }
            if (writeFailure != null) {
                throw writeFailure;
            }
            try {
                // Records committed earlier (a cancelled lent write, a key update) go out first.
                if (out.isPending() && !out.flush(inner)) {
                    return 0;
                }
                long consumed = records.wrapPlaintext(srcs, count, WRAP_LIMIT);
                if (out.flush(inner)) {
                    return consumed;
                }
                lentPlain = consumed;
                return IN_FLIGHT;
            } catch (SSLException e) {
                throw fail(e);
            } catch (IOException e) {
                failWrites(e);
                throw e;
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
        IOException failed = failure != null ? failure : writeFailure;
        if (failed != null) {
            lentPlain = -1;
            throw failed;
        }
        if (!lentCancelled && out.isPending()) {
            try {
                if (!out.flush(inner)) {
                    return IN_FLIGHT;
                }
            } catch (IOException e) {
                lentPlain = -1;
                failWrites(e);
                throw e;
            }
        }
        long n = lentPlain;
        lentPlain = -1;
        lentCancelled = false;
        return n;
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
        shutdownWanted = true;
        advanceShutdown();
        afterCall();
        IOException failed = failure != null ? failure : writeFailure;
        if (failed != null) {
            throw failed;
        }
    }

    /** Sends close_notify once the ciphertext ahead of it is out, then the FIN. */
    private void advanceShutdown() {
        if (!shutdownWanted || handshaking || writeFailure != null) {
            return;
        }
        try {
            if (!closeNotifyWrapped) {
                if (out.isPending() && !out.flush(inner)) {
                    return;
                }
                engine.closeOutbound();
                records.wrapControl();
                closeNotifyWrapped = true;
            }
            if (out.isPending() && !out.flush(inner)) {
                return;
            }
            shutdownWanted = false;
            inner.shutdownOutput();
        } catch (SSLException e) {
            fail(e);
        } catch (IOException e) {
            failWrites(e);
        }
    }

    /** Records why the connection cannot go on, tells the peer with an alert if the engine has one; returns it. */
    private IOException fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        handshaking = false;
        wakeNeeded = true;
        records.dropInput();
        if (!closed) {
            try {
                engine.closeOutbound();
                records.wrapPending();
                if (!out.isLent()) {
                    out.flush(inner);
                }
            } catch (IOException | RuntimeException ignored) {
                // The alert is a courtesy; the failure stands.
            }
        }
        return failure;
    }

    /**
     * Sends close_notify if the session is up and nothing waits ahead of it (without blocking: a full socket buffer
     * loses it), closes the socket (once a send the transport holds came back) and releases every buffer but one the
     * transport still holds.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (inner == null) {
            // A resumed session whose connection the transport could not take over: nothing to send or close.
            closed = true;
            records.release();
            return;
        }
        if (started && !handshaking && failure == null && writeFailure == null && !out.isPending()) {
            try {
                engine.closeOutbound();
                records.wrapControl();
                out.flush(inner);
            } catch (IOException | RuntimeException ignored) {
                // Best effort: the connection ends either way.
            }
        }
        closed = true;
        records.release();
        if (lentPlain >= 0) {
            wakeLater();
        }
        collectAfterClose();
        if (out.isLent()) {
            // A completion-based transport holds the close_notify (or a write's records), maybe not even submitted
            // to the kernel yet: closing the socket now would cancel it, and the peer would see a truncated end. The
            // socket closes when the send comes back, or after CLOSE_GRACE_MILLIS at the latest.
            try {
                loop.schedule(this::closeInner, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
                return;
            } catch (RejectedExecutionException loopGone) {
                // No later: close now.
            }
        }
        inner.close();
    }

    @Override
    public <T> T describe(Class<T> type) {
        return type == TlsHandshake.class ? type.cast(settled) : null;
    }

    /** A close_notify or a write's records the transport still holds keep a closing watcher waiting for them. */
    @Override
    public boolean isLingering() {
        return closed && out.isLent();
    }

    private void closeInner() {
        try {
            inner.close();
        } catch (IOException e) {
            // Closing a descriptor fails only when it was closed: nothing left to do.
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
