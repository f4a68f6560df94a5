package io.gaio.unix;

import io.gaio.spi.TransportSocket;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;

/**
 * What every native transport's socket does the same way, on its descriptor: connecting, half-closing, socket options
 * and addresses. A readiness-based subclass ({@link EdgeTriggeredSocket}) hears about a connect's outcome from its
 * edge-triggered registration by itself; a completion-based one asks for it in {@link #connectPending()}.
 */
public abstract class UnixSocket implements TransportSocket {
    private final Socket socket;

    /**
     * A socket that owns {@code socket} from now on.
     *
     * @param socket a non-blocking TCP socket, connected or not
     */
    protected UnixSocket(Socket socket) {
        this.socket = socket;
    }

    /**
     * The descriptor this socket owns.
     *
     * @return the socket
     */
    protected final Socket socket() {
        return socket;
    }

    /**
     * Called when a connect is under way, so that readiness follows when it ends. Edge-triggered transports have
     * nothing to do: the socket is watched for writability from registration on.
     *
     * @throws IOException when the transport cannot watch for the outcome
     */
    protected void connectPending() throws IOException {
    }

    @Override
    public final void bind(InetSocketAddress local) throws IOException {
        UnixSockets.bind(socket, local, false);
    }

    @Override
    public final boolean connect(InetSocketAddress remote) throws IOException {
        boolean connected = socket.connect(remote);
        if (!connected) {
            connectPending();
        }
        return connected;
    }

    @Override
    public final boolean finishConnect() throws IOException {
        boolean connected = socket.finishConnect();
        if (!connected) {
            connectPending();
        }
        return connected;
    }

    @Override
    public final void shutdownOutput() throws IOException {
        socket.shutdown(false, true);
    }

    @Override
    public final <T> void setOption(SocketOption<T> option, T value) throws IOException {
        UnixSockets.setOption(socket, option, value);
    }

    @Override
    public final <T> T getOption(SocketOption<T> option) throws IOException {
        return UnixSockets.getOption(socket, option);
    }

    @Override
    public final InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public final InetSocketAddress remoteAddress() {
        return socket.remoteAddress();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(fd " + socket.intValue() + ")";
    }
}
