package io.gaio.conformance;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * A TLS client that frames records itself ({@link #seal}) and sends bytes as it is told ({@link #send}), so that a test
 * decides how records split into TCP segments: an {@link SSLEngine} over a blocking {@link Socket} with
 * {@code TCP_NODELAY}, one write per {@code send}.
 */
final class RawTlsClient implements AutoCloseable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    /** Ciphertext read and not yet unwrapped, in read mode. */
    private ByteBuffer cipherIn = ByteBuffer.allocate(0);
    private final ByteBuffer plainIn;
    private final ByteBuffer cipherOut;

    private RawTlsClient(Socket socket, SSLEngine engine) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.engine = engine;
        this.plainIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        this.cipherOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    }

    /** Connects to {@code server} and runs the handshake with {@code protocol} only. */
    static RawTlsClient connect(SSLContext context, InetSocketAddress server, String protocol) throws IOException {
        Socket socket = new Socket(server.getAddress(), server.getPort());
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) TransportTestBase.WAIT.toMillis());
            SSLEngine engine = context.createSSLEngine("localhost", server.getPort());
            engine.setUseClientMode(true);
            SSLParameters p = engine.getSSLParameters();
            p.setProtocols(new String[] {protocol});
            engine.setSSLParameters(p);
            RawTlsClient client = new RawTlsClient(socket, engine);
            client.handshake();
            return client;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP:
                    send(wrap(EMPTY));
                    break;
                case NEED_UNWRAP:
                case NEED_UNWRAP_AGAIN:
                    if (unwrap() < 0) {
                        throw new EOFException("the server closed during the handshake");
                    }
                    break;
                case NEED_TASK:
                    runTasks();
                    break;
                default:
                    return;
            }
        }
    }

    /** The ciphertext of {@code plain} in one record (at most 16 KiB of plaintext). */
    byte[] seal(byte[] plain) throws SSLException {
        ByteBuffer src = ByteBuffer.wrap(plain);
        byte[] record = wrap(src);
        if (src.hasRemaining()) {
            throw new IllegalArgumentException(plain.length + " bytes do not fit one record");
        }
        return record;
    }

    /** Writes {@code bytes} in one write. */
    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads and decrypts exactly {@code n} bytes, answering what the server's records ask for (key updates). */
    byte[] receive(int n) throws IOException {
        byte[] got = new byte[n];
        int have = 0;
        while (have < n) {
            int k = unwrap();
            if (k < 0) {
                throw new EOFException("close_notify after " + have + " of " + n + " bytes");
            }
            answer();
            plainIn.flip();
            int take = Math.min(plainIn.remaining(), n - have);
            plainIn.get(got, have, take);
            have += take;
            if (plainIn.hasRemaining()) {
                throw new IllegalStateException("the server sent more than " + n + " bytes");
            }
            plainIn.clear();
        }
        return got;
    }

    /** Reads until the server's close_notify; fails on plaintext or a TCP end without it. */
    void awaitCloseNotify() throws IOException {
        int k;
        while ((k = unwrap()) == 0) {
            answer();
        }
        if (k > 0) {
            throw new IllegalStateException(k + " bytes of plaintext before the close_notify");
        }
    }

    /** Sends close_notify. */
    void closeOutbound() throws IOException {
        engine.closeOutbound();
        send(wrap(EMPTY));
    }

    /**
     * Unwraps one record into {@link #plainIn}, reading first if needed.
     *
     * @return the plaintext bytes, -1 at close_notify
     */
    private int unwrap() throws IOException {
        while (true) {
            SSLEngineResult res = engine.unwrap(cipherIn, plainIn);
            switch (res.getStatus()) {
                case BUFFER_UNDERFLOW:
                    readMore();
                    continue;
                case CLOSED:
                    return -1;
                case BUFFER_OVERFLOW:
                    throw new IllegalStateException("plaintext left unread: " + res);
                default:
                    if (res.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                        runTasks();
                    }
                    return res.bytesProduced();
            }
        }
    }

    /** After the handshake: sends what a record of the server's asks for (a TLS 1.3 key update's answer). */
    private void answer() throws IOException {
        while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            send(wrap(EMPTY));
        }
    }

    private void readMore() throws IOException {
        byte[] chunk = new byte[16 * 1024];
        int n = in.read(chunk);
        if (n < 0) {
            throw new EOFException("the server closed the TCP connection");
        }
        ByteBuffer more = ByteBuffer.allocate(cipherIn.remaining() + n);
        more.put(cipherIn).put(chunk, 0, n).flip();
        cipherIn = more;
    }

    private byte[] wrap(ByteBuffer src) throws SSLException {
        cipherOut.clear();
        SSLEngineResult res = engine.wrap(src, cipherOut);
        if (res.getStatus() != SSLEngineResult.Status.OK && res.getStatus() != SSLEngineResult.Status.CLOSED) {
            throw new SSLException("wrap: " + res);
        }
        if (res.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        return Arrays.copyOf(cipherOut.array(), cipherOut.position());
    }

    private void runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
