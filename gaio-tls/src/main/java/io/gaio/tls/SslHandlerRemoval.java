package io.gaio.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import javax.net.ssl.SSLEngine;

/**
 * Takes a TLS session out of a Netty channel's pipeline. Removing an {@code SslHandler} makes it forward its
 * cumulation, the ciphertext it read and could not unwrap yet (a partial record), to the next handler
 * ({@code ByteToMessageDecoder.handlerRemoved}), and release its engine ({@code SslHandler.handlerRemoved0}). So this
 * handler goes right behind it for the removal, keeps those bytes, and swallows the events the removal fires (the
 * read's end, and a failed close that would tell the application its TLS session broke); the engine is retained
 * first.
 */
final class SslHandlerRemoval extends ChannelInboundHandlerAdapter {
    /** The ciphertext the removed SslHandler forwarded. */
    private ByteBuf cipher = Unpooled.EMPTY_BUFFER;

    private SslHandlerRemoval() {
    }

    /**
     * Takes the session of {@code channel}'s SslHandler, on the channel's event loop, from another thread, which waits
     * for it. {@code plain} goes with the session, and is released if this fails.
     *
     * @throws IllegalStateException when this runs on the channel's event loop, or the channel cannot be taken: not
     *                               registered, closed, without an SslHandler, before the handshake completed, or
     *                               with writes pending
     */
    static TakenSession detach(Channel channel, ByteBuf plain) {
        try {
            if (!channel.isRegistered()) {
                throw new IllegalStateException("the channel is not registered with an event loop: hand it over "
                        + "while it is, the SslHandler's removal runs there");
            }
            if (channel.eventLoop().inEventLoop()) {
                throw new IllegalStateException("TlsHandover.takeOver waits for the channel's event loop, so it "
                        + "cannot run there: call it from another thread (turn auto-read off in your handler, then "
                        + "hand the channel to an executor)");
            }
            return channel.eventLoop().submit(() -> detachOnLoop(channel, plain)).syncUninterruptibly().getNow();
        } catch (RuntimeException e) {
            plain.release();
            throw e;
        }
    }

    private static TakenSession detachOnLoop(Channel channel, ByteBuf plain) {
        ChannelPipeline pipeline = channel.pipeline();
        ChannelHandlerContext sslContext = pipeline.context(SslHandler.class);
        if (sslContext == null) {
            throw new IllegalStateException("the channel's pipeline has no SslHandler: hand a plaintext channel to "
                    + "the watcher as it is (w.read(context, channel, buffer))");
        }
        SslHandler ssl = (SslHandler) sslContext.handler();
        if (!ssl.handshakeFuture().isSuccess()) {
            Throwable failed = ssl.handshakeFuture().cause();
            throw new IllegalStateException("the channel's TLS handshake has not completed"
                    + (failed != null ? " (it failed: " + failed + ")" : "") + ": hand the channel over once "
                    + "sslHandler.handshakeFuture() succeeded, for example from a listener on it");
        }
        if (!channel.isActive()) {
            throw new IllegalStateException("the channel is closed");
        }
        // Plaintext written and not yet flushed becomes records now; records the kernel does not take would be lost.
        channel.flush();
        ChannelOutboundBuffer unsent = channel.unsafe().outboundBuffer();
        if (unsent != null && !unsent.isEmpty()) {
            throw new IllegalStateException("the channel has writes the kernel did not take yet: hand it over once "
                    + "their futures completed");
        }
        // Nothing more is read into the pipeline: what comes next stays in the kernel for the watcher.
        channel.config().setAutoRead(false);
        SSLEngine engine = ReferenceCountUtil.retain(ssl.engine());
        SslHandlerRemoval removal = new SslHandlerRemoval();
        try {
            pipeline.addAfter(sslContext.name(), null, removal);
            pipeline.remove(ssl);
            pipeline.remove(removal);
        } catch (RuntimeException e) {
            removal.cipher.release();
            ReferenceCountUtil.release(engine);
            throw e;
        }
        return new TakenSession(engine, removal.cipher, plain, channel.alloc());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            cipher = cipher.isReadable() ? Unpooled.wrappedBuffer(cipher, (ByteBuf) msg) : (ByteBuf) msg;
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** The end of the removed SslHandler's last read, which was ours. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof SslCloseCompletionEvent)) {
            ctx.fireUserEventTriggered(evt);
        }
    }
}
