package io.gaio.benchmarks.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The burst chart as hand-written SVG, like gaio's regression chart: connections (log scale) against the median
 * time until every connection's echo was back, one line per server.
 */
final class BurstChart {
    private static final String[] COLORS = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#7f7f7f",
        "#17becf", "#8c564b"};
    private static final int WIDTH = 760;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private BurstChart() {
    }

    static String render(List<Load> bursts, List<ServerKind> servers, Results results, int repetitions) {
        double max = 0;
        for (ServerKind s : servers) {
            for (Load l : bursts) {
                max = Math.max(max, results.median(s, l, "wall_ms").orElse(0));
            }
        }
        double yMax = niceCeiling(max);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\">burst: N connections each "
                + "echo %s once; time to the last echo (median of %d, lower is better)</text>%n", LEFT,
                bursts.isEmpty() ? "" : Load.bytes(bursts.get(0).size()), repetitions));
        axes(svg, bursts, yMax);
        for (int i = 0; i < servers.size(); i++) {
            series(svg, bursts, servers.get(i), results, yMax, COLORS[i % COLORS.length], i);
        }
        return svg.append("</svg>\n").toString();
    }

    private static void axes(StringBuilder svg, List<Load> bursts, double yMax) {
        int plotBottom = HEIGHT - BOTTOM;
        int plotRight = WIDTH - RIGHT;
        for (int t = 0; t <= 5; t++) {
            double v = yMax * t / 5;
            double y = y(v, yMax);
            svg.append(line(LEFT, y, plotRight, y, "#e0e0e0"));
            svg.append(text(LEFT - 8, y + 4, "end", String.format(Locale.ROOT, "%,.0f", v)));
        }
        // Axes after the grid, so that the grid does not paint over them.
        svg.append(line(LEFT, TOP, LEFT, plotBottom, "black")).append(line(LEFT, plotBottom, plotRight, plotBottom,
                "black"));
        for (int i = 0; i < bursts.size(); i++) {
            double x = x(i, bursts.size());
            svg.append(line(x, plotBottom, x, plotBottom + 5, "black"));
            svg.append(text(x, plotBottom + 20, "middle", String.format(Locale.ROOT, "%,d", bursts.get(i).conns())));
        }
        svg.append(text((LEFT + plotRight) / 2.0, HEIGHT - 15, "middle", "connections"));
        svg.append(String.format(Locale.ROOT, "<text transform=\"translate(18,%d) rotate(-90)\" "
                + "text-anchor=\"middle\">completion time (ms)</text>%n", (TOP + plotBottom) / 2));
    }

    private static void series(StringBuilder svg, List<Load> bursts, ServerKind server, Results results, double yMax,
                               String color, int index) {
        List<String> points = new ArrayList<>();
        for (int i = 0; i < bursts.size(); i++) {
            OptionalDouble ms = results.median(server, bursts.get(i), "wall_ms");
            if (ms.isPresent()) {
                double x = x(i, bursts.size());
                double y = y(ms.getAsDouble(), yMax);
                points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n",
                        x, y, color));
            }
        }
        svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                + "points=\"%s\"/>%n", color, String.join(" ", points)));
        double ly = TOP + 10 + index * 22;
        double lx = WIDTH - RIGHT + 20;
        svg.append(line(lx, ly, lx + 24, ly, color, 3));
        svg.append(text(lx + 30, ly + 4, "start", server.id));
    }

    private static double x(int i, int n) {
        int width = WIDTH - RIGHT - LEFT - 40;
        return LEFT + 20 + (n == 1 ? width / 2.0 : width * i / (double) (n - 1));
    }

    private static double y(double v, double yMax) {
        return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * v / yMax;
    }

    /** A round number at least {@code v} whose fifths are round too, so the five grid steps read well. */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return line(x1, y1, x2, y2, color, 1);
    }

    private static String line(double x1, double y1, double x2, double y2, String color, int width) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                + "stroke-width=\"%d\"/>%n", x1, y1, x2, y2, color, width);
    }

    private static String text(double x, double y, String anchor, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>%n", x, y, anchor,
                s.replace("&", "&amp;").replace("<", "&lt;"));
    }
}
