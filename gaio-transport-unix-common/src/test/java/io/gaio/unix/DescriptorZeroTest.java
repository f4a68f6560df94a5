package io.gaio.unix;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Duplication in a process without standard input, where the kernel gives a received copy the number 0, which
 * Netty's {@code recvFd} reports as -1. It runs in a child JVM that closes its descriptor 0 (closing it here would cut
 * surefire's channel to its fork), then takes over a connection: the copy must get another number, descriptor 0 must
 * be free again, and closing the copy must end the connection.
 */
@Timeout(60)
class DescriptorZeroTest {

    @Test
    void copyNeverStaysOnDescriptorZero() throws Exception {
        assumeTrue(Epoll.isAvailable() || KQueue.isAvailable(), () -> "no native transport library loads here: "
                + Epoll.unavailabilityCause() + "; " + KQueue.unavailabilityCause());
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", classPath, Child.class.getName());
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Path log = Files.createTempFile("gaio-fd0", ".log");
        try {
            Process child = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // A copy left open keeps the connection open, and the child waiting for its end.
            boolean exited = child.waitFor(30, TimeUnit.SECONDS);
            child.destroyForcibly();
            String output = Files.readString(log, US_ASCII);
            assertTrue(exited, () -> "the child did not finish: " + output);
            assertEquals(0, child.exitValue(), () -> "the child failed: " + output);
            assertTrue(output.contains("OK"), output);
        } finally {
            Files.delete(log);
        }
    }

    /** The child JVM's side; any failure is an exception, which makes the exit status non-zero. */
    static final class Child {
        private Child() {
        }

        public static void main(String[] args) throws Exception {
            if (Epoll.isAvailable()) {
                Epoll.ensureAvailability();
            } else {
                KQueue.ensureAvailability();
            }
            try (ServerSocketChannel listener = ServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                // Once with standard input, so that every class is loaded and every jar open before 0 is freed.
                int copy = takeOverAndClose(listener, false);
                check(copy != 0, "descriptor 0 was free from the start");
                copy = takeOverAndClose(listener, true);
                check(copy != 0, "the copy is descriptor 0");
                check(lowestFreeNumber() == 0, "descriptor 0 is taken after the take-over");
                System.out.println("OK copy " + copy);
            }
        }

        /**
         * Takes over a connection (after freeing descriptor 0, when {@code freeZero}), checks that the copy works and
         * that closing it ends the connection; the copy's number.
         */
        private static int takeOverAndClose(ServerSocketChannel listener, boolean freeZero) throws IOException {
            try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
                SocketChannel server = listener.accept();
                if (freeZero) {
                    new FileDescriptor(0).close();
                    check(lowestFreeNumber() == 0, "descriptor 0 is not free after closing it");
                }
                Socket copy = Descriptors.duplicate(JdkChannelFd.of(server), server.getLocalAddress(),
                        server.getRemoteAddress());
                server.configureBlocking(false);
                server.close();
                ByteBuffer ping = ByteBuffer.allocateDirect(4).put("ping".getBytes(US_ASCII));
                check(copy.write(ping, 0, 4) == 4, "short write");
                copy.close();
                ByteBuffer in = ByteBuffer.allocate(5);
                while (client.read(in) >= 0) {
                    check(in.hasRemaining(), "more than ping");
                }
                check(in.position() == 4, "the client got " + in.position() + " bytes, then the end of stream");
                return copy.intValue();
            }
        }

        /** The number the kernel gives the next descriptor. */
        private static int lowestFreeNumber() throws IOException {
            Socket probe = Socket.newSocketDomain();
            probe.close();
            return probe.intValue();
        }

        private static void check(boolean condition, String message) {
            if (!condition) {
                throw new AssertionError(message);
            }
        }
    }
}
