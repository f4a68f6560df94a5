package io.gaio.benchmarks.jmh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** Connected pairs of loopback TCP sockets, both ends JDK channels ready to hand to a watcher. */
final class LoopbackPairs {
    /** One end of each pair, the writing side in the benchmarks. */
    final SocketChannel[] a;
    /** The other end, the reading side. */
    final SocketChannel[] b;

    private LoopbackPairs(int n) {
        a = new SocketChannel[n];
        b = new SocketChannel[n];
    }

    static LoopbackPairs open(int n) throws IOException {
        LoopbackPairs pairs = new LoopbackPairs(n);
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), n);
            for (int i = 0; i < n; i++) {
                pairs.a[i] = noDelay(SocketChannel.open(listener.getLocalAddress()));
                pairs.b[i] = noDelay(listener.accept());
            }
        }
        return pairs;
    }

    private static SocketChannel noDelay(SocketChannel channel) throws IOException {
        return channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
}
