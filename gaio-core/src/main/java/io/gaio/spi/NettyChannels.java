package io.gaio.spi;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;

/** What every transport does to a Netty channel it takes over. */
public final class NettyChannels {
    private NettyChannels() {
    }

    /**
     * Takes a Netty channel off the event loop that served it, so Netty reads and writes nothing more, and waits for
     * that. Bytes Netty had already read and the pipeline had not consumed stay with the application.
     *
     * @param channel a channel about to be delegated; nothing happens if it is not registered
     * @throws IOException when the channel is registered with the calling thread's own event loop (Netty defers
     *                     such a deregistration, so it cannot be awaited there: the owner must deregister it before
     *                     the first request), or when deregistration fails
     */
    public static void deregister(Channel channel) throws IOException {
        if (!channel.isRegistered()) {
            return;
        }
        if (channel.eventLoop().inEventLoop()) {
            throw new IOException("the Netty channel is still registered with the watcher's own event loop: call "
                    + "channel.deregister() and submit the first request once its future completes");
        }
        ChannelFuture deregistered = channel.deregister().awaitUninterruptibly();
        if (!deregistered.isSuccess()) {
            throw new IOException("could not deregister the Netty channel", deregistered.cause());
        }
    }
}
