package io.gaio.unix;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Descriptor duplication and the JDK descriptor lookup, below any transport. Netty's unix-common natives come with a
 * transport's native library: the tests run where epoll's or kqueue's loads.
 */
@Timeout(30)
class DescriptorsTest {
    private static ServerSocketChannel listener;

    @BeforeAll
    static void loadNativesAndListen() throws IOException {
        assumeTrue(Epoll.isAvailable() || KQueue.isAvailable(), () -> "no native transport library loads here: "
                + Epoll.unavailabilityCause() + "; " + KQueue.unavailabilityCause());
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterAll
    static void stop() throws IOException {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    void jdkDescriptorIsTheChannelsOwn() throws Exception {
        try (SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel server = listener.accept()) {
            // A Socket object over the same number, not a duplicate: it must not be closed here.
            Socket same = new Socket(JdkChannelFd.of(server));
            assertEquals(server.getLocalAddress(), same.localAddress());
            assertEquals(client.getLocalAddress(), same.remoteAddress());
        }
    }

    @Test
    void duplicateCarriesTheConnectionAfterTheOriginalCloses() throws Exception {
        try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
            SocketChannel server = listener.accept();
            Socket copy = Descriptors.duplicate(JdkChannelFd.of(server), server.getLocalAddress(),
                    server.getRemoteAddress());
            try {
                server.configureBlocking(false);
                server.close();
                ByteBuffer ping = ByteBuffer.allocateDirect(4).put("ping".getBytes(US_ASCII));   // native memory only
                assertEquals(4, copy.write(ping, 0, 4));
                assertEquals("ping", readAscii(client, 4));
            } finally {
                copy.close();
            }
            assertEquals(-1, client.read(ByteBuffer.allocate(1)), "closing the last descriptor closes the connection");
        }
    }

    @Test
    void duplicateOfTheWrongDescriptorIsRefused() throws Exception {
        try (SocketChannel a = SocketChannel.open(listener.getLocalAddress());
             SocketChannel b = SocketChannel.open(listener.getLocalAddress());
             SocketChannel aServer = listener.accept(); SocketChannel bServer = listener.accept()) {
            IOException e = assertThrows(IOException.class, () -> Descriptors.duplicate(JdkChannelFd.of(aServer),
                    bServer.getLocalAddress(), bServer.getRemoteAddress()));
            assertTrue(e.getMessage().contains("is not the TCP connection"), e.getMessage());
            assertTrue(a.isOpen() && b.isOpen() && aServer.isOpen() && bServer.isOpen());
        }
    }

    /** The only kind of name outside Linux: the files go as soon as the two ends are connected. */
    @Test
    void fileSystemNamesLeaveNothingBehind() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = countDupDirectories(tmp);
        withFileSystemNames(this::duplicateCarriesTheConnectionAfterTheOriginalCloses);
        assertEquals(before, countDupDirectories(tmp), "no socket files or directories left");
    }

    /** sun_path has 104 bytes on macOS and the BSDs, the NUL included; Netty passes names as UTF-8. */
    @Test
    void socketNamesMustFitTheSmallestSunPath() {
        assertTrue(Descriptors.fitsSocketNames(Path.of("/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/gaio-dup"
                + Long.toUnsignedString(-1L))), "macOS's usual java.io.tmpdir");
        String dir101 = "/" + "d".repeat(100);   // + "/l": 103 bytes
        assertTrue(Descriptors.fitsSocketNames(Path.of(dir101)));
        assertFalse(Descriptors.fitsSocketNames(Path.of(dir101 + "d")));
        assertFalse(Descriptors.fitsSocketNames(Path.of("/" + "d".repeat(99) + "\u00e9")), "é takes two bytes");
        assertTrue(Descriptors.fitsSocketNames(Descriptors.SHORT_TMPDIR.resolve("gaio-dup"
                + Long.toUnsignedString(-1L))), "the fallback");
    }

    /** A java.io.tmpdir too deep for a socket name (even Linux's 108 bytes): the directory goes under /tmp. */
    @Test
    void deepTmpdirFallsBackToTmp() throws Exception {
        String tmpdir = System.getProperty("java.io.tmpdir");
        Path top = Files.createTempDirectory("gaio-deep");
        Path deep = Files.createDirectories(top.resolve("d".repeat(120)));
        long before = countDupDirectories(Descriptors.SHORT_TMPDIR);
        try {
            System.setProperty("java.io.tmpdir", deep.toString());
            try {
                withFileSystemNames(this::duplicateCarriesTheConnectionAfterTheOriginalCloses);
            } finally {
                System.setProperty("java.io.tmpdir", tmpdir);
            }
            assertEquals(0, countDupDirectories(deep), "the attempt under the deep directory was removed");
            assertEquals(before, countDupDirectories(Descriptors.SHORT_TMPDIR), "nothing left under /tmp");
        } finally {
            try (Stream<Path> all = Files.walk(top)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void withFileSystemNames(ThrowingRunnable test) throws Exception {
        Descriptors.useAbstractNames(false);
        try {
            test.run();
        } finally {
            Descriptors.useAbstractNames(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"));
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static long countDupDirectories(Path tmp) throws IOException {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("gaio-dup")).count();
        }
    }

    private static String readAscii(SocketChannel client, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (client.read(buf) < 0) {
                throw new IOException("EOF after " + buf.position() + " bytes");
            }
        }
        return new String(buf.array(), US_ASCII);
    }
}
