package io.github.vecprop.train;

import io.github.vecprop.io.AtomicWrite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link History} as an SVG image that any browser opens: on the left the mini-batch loss
 * per step (light) with its moving average (dark), on the right the test accuracy per epoch.
 */
public final class LearningCurves {
    private static final int PANEL_W = 420;
    private static final int PANEL_H = 300;
    private static final int MARGIN = 50;

    private LearningCurves() {
    }

    /** Writes the SVG to {@code file} atomically ({@link AtomicWrite}): never a half-written file. */
    public static void writeSvg(History history, Path file, String title) throws IOException {
        byte[] svg = svg(history, title).getBytes(StandardCharsets.UTF_8);
        AtomicWrite.write(file, out -> out.write(svg));
    }

    /** The SVG document for {@code history}. */
    public static String svg(History history, String title) {
        int width = 2 * (PANEL_W + 2 * MARGIN);
        int height = PANEL_H + 2 * MARGIN + 20;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                width, height));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">%s</text>%n",
                width / 2, escape(title)));

        float[] loss = history.stepLosses();
        double maxLoss = 0;
        for (float l : loss) {
            maxLoss = Math.max(maxLoss, l);
        }
        maxLoss = maxLoss > 0 ? maxLoss : 1;
        int x0 = MARGIN;
        int y0 = MARGIN + 10;
        axes(s, x0, y0, "step", "loss", 1, Math.max(1, loss.length), 0, maxLoss);
        polyline(s, x0, y0, loss, 1, Math.max(1, loss.length), 0, maxLoss, "#9ecae1", 1);
        polyline(s, x0, y0, movingAverage(loss, Math.max(1, loss.length / 50)), 1, Math.max(1, loss.length), 0, maxLoss, "#08519c", 2);

        List<History.Epoch> epochs = history.epochs();
        float[] acc = new float[epochs.size()];
        double minAcc = 1;
        for (int i = 0; i < acc.length; i++) {
            acc[i] = (float) epochs.get(i).testAccuracy();
            minAcc = Math.min(minAcc, acc[i]);
        }
        double lo = Math.max(0, Math.floor(minAcc * 10 - 0.5) / 10);
        int x1 = 3 * MARGIN + PANEL_W;
        axes(s, x1, y0, "epoch", "test accuracy", 1, Math.max(2, acc.length), lo, 1);
        polyline(s, x1, y0, acc, 1, Math.max(2, acc.length), lo, 1, "#a63603", 2);
        for (int i = 0; i < acc.length; i++) {
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#a63603\"/>%n",
                    px(x1, i + 1, 1, Math.max(2, acc.length)), py(y0, acc[i], lo, 1)));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static void axes(StringBuilder s, int x, int y, String xLabel, String yLabel,
                             double xMin, double xMax, double yMin, double yMax) {
        s.append(String.format(Locale.ROOT,
                "<path d=\"M%d %d V%d H%d\" stroke=\"black\" fill=\"none\"/>%n", x, y, y + PANEL_H, x + PANEL_W));
        for (int i = 0; i <= 4; i++) {
            double v = yMin + (yMax - yMin) * i / 4;
            double yy = py(y, v, yMin, yMax);
            s.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    x, yy, x + PANEL_W, yy, x - 4, yy + 4, tick(v)));
            double xv = xMin + (xMax - xMin) * i / 4;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    px(x, xv, xMin, xMax), y + PANEL_H + 16, tick(Math.round(xv))));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                x + PANEL_W / 2, y + PANEL_H + 34, xLabel));
        s.append(String.format(Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">%s</text>%n",
                x - 38, y + PANEL_H / 2, x - 38, y + PANEL_H / 2, yLabel));
    }

    private static void polyline(StringBuilder s, int x, int y, float[] v, double xMin, double xMax, double yMin, double yMax,
                                 String color, int width) {
        if (v.length == 0) {
            return;
        }
        // Thousands of steps in 420 pixels: keep at most two points per pixel column.
        int stride = Math.max(1, v.length / (2 * PANEL_W));
        s.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"").append(width).append("\" points=\"");
        for (int i = 0; i < v.length; i += stride) {
            s.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(x, i + 1, xMin, xMax), py(y, v[i], yMin, yMax)));
        }
        s.append("\"/>\n");
    }

    private static float[] movingAverage(float[] v, int window) {
        float[] out = new float[v.length];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            sum += v[i];
            if (i >= window) {
                sum -= v[i - window];
            }
            out[i] = (float) (sum / Math.min(i + 1, window));
        }
        return out;
    }

    private static double px(int x, double v, double min, double max) {
        return x + PANEL_W * (max == min ? 0 : (v - min) / (max - min));
    }

    private static double py(int y, double v, double min, double max) {
        return y + PANEL_H * (1 - (max == min ? 0 : (v - min) / (max - min)));
    }

    private static String tick(double v) {
        return v == Math.rint(v) && Math.abs(v) >= 1 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
