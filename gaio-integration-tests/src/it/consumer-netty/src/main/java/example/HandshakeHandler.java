package example;

import io.gaio.Watcher;
import io.gaio.WatcherClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * The handshake: the client sends {@code HELLO\n} and waits for {@code OK\n}. Then the handler removes itself and
 * hands the channel to a gaio watcher; anything else gets {@code ERR\n} and a close.
 */
public final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final int MAX_LINE = 64;

    private final Watcher watcher;
    private ByteBuf line;

    public HandshakeHandler(Watcher watcher) {
        this.watcher = watcher;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        line = ctx.alloc().buffer(16);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        line.release();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            line.writeBytes(in);
        } finally {
            in.release();
        }
        int eol = line.indexOf(line.readerIndex(), line.writerIndex(), (byte) '\n');
        if (eol < 0) {
            if (line.readableBytes() > MAX_LINE) {
                reject(ctx);
            }
            return;
        }
        String greeting = line.toString(line.readerIndex(), eol - line.readerIndex(), StandardCharsets.US_ASCII);
        // A client sends nothing more before it has the answer. Bytes Netty read past the line would stay with this
        // pipeline, out of the watcher's reach, so such a client is rejected too.
        if (!greeting.equals("HELLO") || eol + 1 != line.writerIndex()) {
            reject(ctx);
            return;
        }
        Channel ch = ctx.channel();
        ch.config().setAutoRead(false); // Netty reads nothing more: the next bytes are the watcher's
        ctx.pipeline().remove(this);
        ch.writeAndFlush(Unpooled.copiedBuffer("OK\n", StandardCharsets.US_ASCII)).addListener((ChannelFuture ok) -> {
            if (!ok.isSuccess()) {
                ch.close();
                return;
            }
            // The watcher shares this event loop group, maybe this very loop: take the channel off its loop first,
            // and hand it over once that is done.
            ch.deregister().addListener((ChannelFuture deregistered) -> {
                if (!deregistered.isSuccess()) {
                    ch.close();
                    return;
                }
                try {
                    watcher.read(null, ch, null);
                } catch (WatcherClosedException e) {
                    ch.close();
                }
            });
        });
    }

    private static void reject(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(Unpooled.copiedBuffer("ERR\n", StandardCharsets.US_ASCII))
                .addListener(ChannelFutureListener.CLOSE);
    }
}
