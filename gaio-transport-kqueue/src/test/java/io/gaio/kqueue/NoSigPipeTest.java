package io.gaio.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.unix.Socket;
import org.junit.jupiter.api.Test;

/** SO_NOSIGPIPE: its value per system, and set on the transport's sockets wherever kqueue runs. */
class NoSigPipeTest {

    @Test
    void optionPerSystem() {
        assertEquals(0x1022, NoSigPipe.option("Mac OS X"));
        assertEquals(0x0800, NoSigPipe.option("FreeBSD"));
        assertEquals(0x0800, NoSigPipe.option("DragonFlyBSD"));
        assertEquals(0, NoSigPipe.option("OpenBSD"), "OpenBSD has no SO_NOSIGPIPE");
        assertEquals(0, NoSigPipe.option("Linux"));
    }

    @Test
    void everySocketOfTheTransportHasIt() throws Exception {
        KQueueAssume.kqueueRuns();
        int option = NoSigPipe.option(System.getProperty("os.name"));
        assumeTrue(option != 0, () -> "no SO_NOSIGPIPE on " + System.getProperty("os.name"));
        Socket socket = Socket.newSocketStream();
        try {
            new KQueueSocket(socket, (r, w) -> { });
            assertNotEquals(0, socket.getIntOpt(NoSigPipe.SOL_SOCKET, option));
        } finally {
            socket.close();
        }
    }
}
