package io.gaio.unix;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.UUID;

/**
 * Duplicates socket descriptors. Netty has no {@code dup()}, but passing a descriptor over an AF_UNIX connection
 * (SCM_RIGHTS) makes the kernel install a second descriptor for the same socket, with public API only; Netty's
 * {@code recvFd} also sets the copy non-blocking. One connection, made on first use, serves the whole JVM and is
 * made again after an error.
 *
 * <p>Netty's unix-common natives come with each native transport's library: the transport loads it before the first
 * duplication.
 */
final class Descriptors {
    /**
     * The longest file name, in bytes, a unix socket can be bound to everywhere: {@code sun_path} holds 104 bytes on
     * macOS and the BSDs (108 on Linux), the terminating NUL included.
     */
    static final int MAX_SOCKET_PATH = 103;
    /** Where the sockets' directory goes when {@code java.io.tmpdir} is too deep for their names: short everywhere. */
    static final Path SHORT_TMPDIR = Path.of("/tmp");
    private static final String LISTENER_NAME = "l";
    private static final String CLIENT_NAME = "c";

    /** Both ends of the connection; guarded by the class lock. */
    private static Socket sender;
    private static Socket receiver;
    /** Whether names live in Linux's abstract namespace rather than the file system; guarded by the class lock. */
    private static boolean abstractNames = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    private Descriptors() {
    }

    /**
     * A duplicate of descriptor {@code fd}, checked to be the TCP connection from {@code local} to {@code remote}:
     * the number came from another object, which a racing thread may have closed meanwhile. A connection the peer
     * has already reset has no remote address any more; it is taken as it is, and its first read or write reports
     * the reset.
     */
    static Socket duplicate(int fd, SocketAddress local, SocketAddress remote) throws IOException {
        Socket copy = new Socket(pass(fd));
        SocketAddress actualRemote = copy.remoteAddress();
        if (!local.equals(copy.localAddress()) || (actualRemote != null && !remote.equals(actualRemote))) {
            copy.close();
            throw new IOException("descriptor " + fd + " is not the TCP connection " + local + " -> " + remote);
        }
        return copy;
    }

    private static synchronized int pass(int fd) throws IOException {
        if (sender == null) {
            connect();
        }
        try {
            int copy = sendAndReceive(fd);
            if (copy == 0) {
                // The copy got the lowest free number, 0: this process has no standard input. There the socket would
                // be System.in, and the standard input of child processes that inherit it, keeping the connection
                // open after free(). Pass it once more, to a number above 0 since 0 is taken now, and free 0 again.
                FileDescriptor zero = new FileDescriptor(0);
                try {
                    copy = sendAndReceive(0);
                } finally {
                    zero.close();
                }
            }
            return copy;
        } catch (IOException e) {
            // Whatever went wrong, a fresh connection cannot hold a stale message.
            disconnect();
            throw e;
        }
    }

    /**
     * Passes {@code fd} through the connection: the number of the copy, 0 included. Netty's {@code recvFd} returns a
     * received descriptor 0 as -1, as it does the end of stream (and 0 for EAGAIN), but neither end of stream nor
     * EAGAIN can be here: both ends are ours, and the byte that carries the descriptor is queued when
     * {@code sendFd} returns.
     */
    private static int sendAndReceive(int fd) throws IOException {
        if (sender.sendFd(fd) > 0) {
            int copy = receiver.recvFd();
            if (copy > 0) {
                return copy;
            }
            if (copy == -1) {
                return 0;
            }
        }
        throw new IOException("could not pass descriptor " + fd + " through the local socket");
    }

    private static void connect() throws IOException {
        if (abstractNames) {
            // Abstract names (leading NUL, Linux only) leave no file behind and vanish with the sockets.
            String name = "\0gaio-dup-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
            connect(name, name + "-c");
            return;
        }
        // Elsewhere: files in a directory only this user may enter, removed once the two ends are connected; under
        // /tmp when java.io.tmpdir is too deep for a socket name (ENAMETOOLONG otherwise).
        Path dir = privateDirectory(Path.of(System.getProperty("java.io.tmpdir")));
        if (!fitsSocketNames(dir)) {
            Files.delete(dir);
            dir = privateDirectory(SHORT_TMPDIR);
        }
        Path name = dir.resolve(LISTENER_NAME);
        Path clientName = dir.resolve(CLIENT_NAME);
        try {
            connect(name.toString(), clientName.toString());
        } finally {
            Files.deleteIfExists(name);
            Files.deleteIfExists(clientName);
            Files.delete(dir);
        }
    }

    private static Path privateDirectory(Path parent) throws IOException {
        return Files.createTempDirectory(parent, "gaio-dup",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /**
     * Whether the sockets' names in {@code dir} fit {@code sun_path} on every system ({@link #MAX_SOCKET_PATH}), as
     * Netty passes them: UTF-8, not resolved. Both names are one character long.
     */
    static boolean fitsSocketNames(Path dir) {
        return dir.resolve(LISTENER_NAME).toString().getBytes(StandardCharsets.UTF_8).length <= MAX_SOCKET_PATH;
    }

    private static void connect(String name, String clientName) throws IOException {
        Socket listener = Socket.newSocketDomain();
        Socket client = null;
        try {
            listener.bind(new DomainSocketAddress(name));
            listener.listen(4);
            client = Socket.newSocketDomain();
            client.bind(new DomainSocketAddress(clientName));
            client.connect(new DomainSocketAddress(name));
            receiver = acceptOwn(listener, clientName);
            sender = client;
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
            throw e;
        } finally {
            closeQuietly(listener);
        }
    }

    /**
     * Chooses how the local connection is named from the next connection on; for tests of the file-system names,
     * which are the only kind outside Linux.
     */
    static synchronized void useAbstractNames(boolean use) {
        disconnect();
        abstractNames = use;
    }

    /**
     * Abstract names are visible to every local process ({@code /proc/net/unix}), and a file name to every process of
     * this user: accept only our own client, or another process could be handed our sockets.
     */
    private static Socket acceptOwn(Socket listener, String clientName) throws IOException {
        byte[] unusedAddress = new byte[32];
        int fd;
        while ((fd = listener.accept(unusedAddress)) >= 0) {
            Socket accepted = new Socket(fd);
            DomainSocketAddress peer = accepted.remoteDomainSocketAddress();
            if (peer != null && clientName.equals(peer.path())) {
                return accepted;
            }
            closeQuietly(accepted);
        }
        throw new IOException("the local socket for duplicating descriptors did not connect");
    }

    private static void disconnect() {
        closeQuietly(sender);
        closeQuietly(receiver);
        sender = null;
        receiver = null;
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Nothing was sent through it that could be lost.
            }
        }
    }
}
