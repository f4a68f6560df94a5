package io.gaio.spi;

import io.netty.buffer.ByteBuf;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import java.io.IOException;

/**
 * One delegated connection as a transport sees it: a Netty {@link IoHandle} that forwards readiness to its
 * {@link ReadinessListener}, plus raw non-blocking reads and writes.
 *
 * <p>All methods are called on the event loop thread the socket is registered with. Reads and writes never block
 * and never move the buffers' reader or writer indexes: the engine does that.
 *
 * <p>Life cycle: the engine registers the socket with its event loop, hands it the registration through
 * {@link #attach}, then calls {@link #interest}, {@link #read} and {@link #write} until it calls
 * {@link #close()}, which cancels the registration and releases the socket's descriptor.
 */
public interface TransportSocket extends IoHandle {

    /**
     * Called once, right after registration.
     *
     * @param registration the registration the socket uses for interest changes and to cancel
     */
    void attach(IoRegistration registration);

    /**
     * Which readiness the engine is waiting for. Edge-triggered transports, which watch both directions from
     * registration to close, may ignore this; level-triggered ones must watch exactly these directions so that an
     * idle connection never wakes the loop.
     *
     * @param read  whether a read is pending
     * @param write whether a write is pending
     */
    void interest(boolean read, boolean write);

    /**
     * Reads into {@code dst} from its writer index, at most {@code dst.writableBytes()} bytes, without moving the
     * index.
     *
     * @param dst the buffer to read into
     * @return the number of bytes read; {@code 0} when the read would block; {@code -1} at the end of the stream
     * @throws IOException the socket's error, for example a connection reset
     */
    int read(ByteBuf dst) throws IOException;

    /**
     * Writes the readable bytes of {@code srcs[0..count)} in order, as far as the socket accepts them without
     * blocking, without moving the buffers' reader indexes.
     *
     * @param srcs  the buffers to write, in order
     * @param count how many of {@code srcs} to write
     * @return the number of bytes written, {@code 0} when the write would block
     * @throws IOException the socket's error, for example a broken pipe
     */
    long write(ByteBuf[] srcs, int count) throws IOException;

    /**
     * Cancels the registration and closes the socket. Idempotent. Also called by Netty when the event loop shuts
     * down with the socket still registered.
     */
    @Override
    void close() throws IOException;
}
