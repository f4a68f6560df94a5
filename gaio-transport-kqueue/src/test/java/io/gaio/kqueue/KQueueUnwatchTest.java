package io.gaio.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueIoEvent;
import io.netty.channel.kqueue.KQueueIoOps;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a socket and a listener ask of their registration over their life, recorded instead of sent to a kqueue, so
 * that it runs wherever Netty's unix-common natives load (Linux too): EV_ADD at attach; at close, EV_DELETE for the
 * same filters unless an event proved them applied, always before the registration is cancelled and the descriptor
 * closed.
 */
class KQueueUnwatchTest {
    private Socket socket;

    @BeforeAll
    static void loadNatives() {
        assumeTrue(Epoll.isAvailable() || KQueue.isAvailable(), () -> "no native library for unix sockets loads here: "
                + Epoll.unavailabilityCause() + "; " + KQueue.unavailabilityCause());
    }

    @AfterEach
    void closeSocket() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }

    @Test
    void socketClosedBeforeAnyEventDeletesItsFiltersFirst() throws IOException {
        assertEquals(List.of("ADD READ", "ADD WRITE", "DELETE READ", "DELETE WRITE", "cancel"), socketsLife(false));
    }

    @Test
    void socketThatHadAnEventLeavesItsFiltersToTheClose() throws IOException {
        assertEquals(List.of("ADD READ", "ADD WRITE", "cancel"), socketsLife(true));
    }

    @Test
    void listenerClosedBeforeAnyArrivalDeletesItsFilterFirst() throws IOException {
        assertEquals(List.of("ADD READ", "DELETE READ", "cancel"), listenersLife(false));
    }

    @Test
    void listenerThatHadAnArrivalLeavesItsFilterToTheClose() throws IOException {
        assertEquals(List.of("ADD READ", "cancel"), listenersLife(true));
    }

    /** A watcher closed after its event loop group: the registration takes nothing, the descriptor still closes. */
    @Test
    void closeOffATerminatedLoopStillClosesTheDescriptor() throws IOException {
        socket = Socket.newSocketStream();
        KQueueSocket handle = new KQueueSocket(socket, (r, w) -> { });
        Recording registration = new Recording(socket);
        handle.attach(registration);
        registration.terminated = true;
        handle.close();
        assertFalse(socket.isOpen());
    }

    /** Attaches a socket, hands it a write event if {@code event}, closes it: what it asked of its registration. */
    private List<String> socketsLife(boolean event) throws IOException {
        socket = Socket.newSocketStream();
        List<String> readiness = new ArrayList<>();
        KQueueSocket handle = new KQueueSocket(socket, (r, w) -> readiness.add(r + " " + w));
        Recording registration = new Recording(socket);
        handle.attach(registration);
        if (event) {
            handle.handle(registration, newEvent(handle.ident(), Kevent.EVFILT_WRITE));
            assertEquals(List.of("false true"), readiness);
        }
        handle.close();
        assertFalse(socket.isOpen());
        return registration.calls;
    }

    /** The same for a listener, with an arrival for the event. */
    private List<String> listenersLife(boolean arrival) throws IOException {
        socket = Socket.newSocketStream();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.listen(1);
        KQueueListener listener = new KQueueListener(socket, KQueueSocket::new, (r, w) -> { });
        Recording registration = new Recording(socket);
        listener.attach(registration);
        if (arrival) {
            listener.handle(registration, newEvent(listener.ident(), Kevent.EVFILT_READ));
        }
        listener.close();
        assertFalse(socket.isOpen());
        return registration.calls;
    }

    private static KQueueIoEvent newEvent(int ident, short filter) {
        return KQueueIoEvent.newEvent(ident, filter, (short) (Kevent.EV_ADD | Kevent.EV_CLEAR), 0, 0, 0);
    }

    /** Records submissions and cancellation; each must come while the descriptor is still open. */
    private static final class Recording implements IoRegistration {
        final List<String> calls = new ArrayList<>();
        private final Socket socket;
        /** Whether to refuse everything as a registration of a terminated loop does, off its thread. */
        boolean terminated;
        private boolean valid = true;

        Recording(Socket socket) {
            this.socket = socket;
        }

        @Override
        public <T> T attachment() {
            return null;
        }

        @Override
        public long submit(IoOps ops) {
            refuseIfTerminated();
            KQueueIoOps kqueue = (KQueueIoOps) ops;
            String flags = kqueue.flags() == (Kevent.EV_ADD | Kevent.EV_CLEAR) ? "ADD"
                    : kqueue.flags() == Kevent.EV_DELETE ? "DELETE" : "flags " + kqueue.flags();
            String filter = kqueue.filter() == Kevent.EVFILT_READ ? "READ"
                    : kqueue.filter() == Kevent.EVFILT_WRITE ? "WRITE" : "filter " + kqueue.filter();
            record(flags + " " + filter);
            return 0;
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public boolean cancel() {
            refuseIfTerminated();
            record("cancel");
            valid = false;
            return true;
        }

        private void record(String call) {
            calls.add(socket.isOpen() ? call : call + " after the descriptor closed");
        }

        private void refuseIfTerminated() {
            if (terminated) {
                throw new RejectedExecutionException("event executor terminated");
            }
        }
    }
}
