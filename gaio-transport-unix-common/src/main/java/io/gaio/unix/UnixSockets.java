package io.gaio.unix;

import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;

/**
 * New TCP sockets and their options, on Netty's unix-common natives, which each native transport's library carries:
 * the transport loads it first. Extends {@link Socket} only to reach its protected factory, which picks the address
 * family ({@link Socket#newSocketStream()} picks IPv6 wherever the JVM prefers it).
 */
final class UnixSockets extends Socket {
    /** The options every native transport sets and reads, as {@link StandardSocketOptions} names them. */
    static final String SUPPORTED = "TCP_NODELAY, SO_KEEPALIVE, SO_RCVBUF, SO_SNDBUF, SO_LINGER, IP_TOS, SO_REUSEADDR "
            + "and SO_REUSEPORT";

    private UnixSockets() {
        super(-1);
    }

    /** A non-blocking TCP socket of the family of {@code address}. */
    static Socket stream(InetSocketAddress address) {
        return new Socket(newSocketStream0(address.getAddress() instanceof Inet6Address));
    }

    /** Binds, saying in the exception what the address and the usual fix are. */
    static void bind(Socket socket, InetSocketAddress address, boolean reusePort) throws IOException {
        try {
            socket.bind(address);
        } catch (IOException e) {
            BindException b = new BindException("could not bind to " + address + ": " + e.getMessage()
                    + (reusePort ? "; every socket listening there must set SO_REUSEPORT"
                    : "; to share a port between listeners, open every one of them with reusePort(true)"));
            b.initCause(e);
            throw b;
        }
    }

    static <T> void setOption(Socket socket, SocketOption<T> option, T value) throws IOException {
        if (option == StandardSocketOptions.TCP_NODELAY) {
            socket.setTcpNoDelay((Boolean) value);
        } else if (option == StandardSocketOptions.SO_KEEPALIVE) {
            socket.setKeepAlive((Boolean) value);
        } else if (option == StandardSocketOptions.SO_RCVBUF) {
            socket.setReceiveBufferSize((Integer) value);
        } else if (option == StandardSocketOptions.SO_SNDBUF) {
            socket.setSendBufferSize((Integer) value);
        } else if (option == StandardSocketOptions.SO_LINGER) {
            socket.setSoLinger((Integer) value);
        } else if (option == StandardSocketOptions.IP_TOS) {
            socket.setTrafficClass((Integer) value);
        } else if (option == StandardSocketOptions.SO_REUSEADDR) {
            socket.setReuseAddress((Boolean) value);
        } else if (option == StandardSocketOptions.SO_REUSEPORT) {
            socket.setReusePort((Boolean) value);
        } else {
            throw unsupported(option);
        }
    }

    @SuppressWarnings("unchecked")
    static <T> T getOption(Socket socket, SocketOption<T> option) throws IOException {
        Object value;
        if (option == StandardSocketOptions.TCP_NODELAY) {
            value = socket.isTcpNoDelay();
        } else if (option == StandardSocketOptions.SO_KEEPALIVE) {
            value = socket.isKeepAlive();
        } else if (option == StandardSocketOptions.SO_RCVBUF) {
            value = socket.getReceiveBufferSize();
        } else if (option == StandardSocketOptions.SO_SNDBUF) {
            value = socket.getSendBufferSize();
        } else if (option == StandardSocketOptions.SO_LINGER) {
            value = socket.getSoLinger();
        } else if (option == StandardSocketOptions.IP_TOS) {
            value = socket.getTrafficClass();
        } else if (option == StandardSocketOptions.SO_REUSEADDR) {
            value = socket.isReuseAddress();
        } else if (option == StandardSocketOptions.SO_REUSEPORT) {
            value = socket.isReusePort();
        } else {
            throw unsupported(option);
        }
        return (T) value;
    }

    private static UnsupportedOperationException unsupported(SocketOption<?> option) {
        return new UnsupportedOperationException("socket option " + option.name() + " is not supported; gaio's "
                + "native transports support " + SUPPORTED);
    }
}
