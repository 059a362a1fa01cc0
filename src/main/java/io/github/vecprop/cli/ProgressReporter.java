package io.github.vecprop.cli;

import io.github.vecprop.train.History;
import io.github.vecprop.train.TrainingListener;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress on stderr. On an interactive terminal: one line redrawn in place at most ten
 * times a second (epoch, a bar, step, loss, examples/s, ETA). Otherwise (stderr redirected, or the
 * {@code CI} environment variable set): a plain line every few seconds, so logs stay readable.
 * Either way, one line per epoch with the mean loss and test accuracy.
 */
final class ProgressReporter implements TrainingListener {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long PLAIN_NANOS = 5_000_000_000L;
    private static final int BAR = 24;

    private final PrintStream err;
    private final boolean interactive;
    private final int batchSize;
    private final long start = System.nanoTime();
    private long lastPrint;
    private boolean lineOpen;

    ProgressReporter(PrintStream err, boolean interactive, int batchSize) {
        this.err = err;
        this.interactive = interactive;
        this.batchSize = batchSize;
        this.lastPrint = start;
    }

    /** True when stderr is likely a terminal a person watches. */
    static boolean interactiveTerminal() {
        java.io.Console console = System.console();
        String term = System.getenv("TERM");
        return console != null && console.isTerminal() && System.getenv("CI") == null && term != null && !term.equals("dumb");
    }

    @Override
    public void onStep(int epoch, int step, int totalSteps, double loss) {
        long now = System.nanoTime();
        boolean last = step == totalSteps;
        if (!last && now - lastPrint < (interactive ? REDRAW_NANOS : PLAIN_NANOS)) {
            return;
        }
        lastPrint = now;
        double seconds = (now - start) / 1e9;
        double perSecond = step * (double) batchSize / Math.max(seconds, 1e-9);
        double eta = seconds / step * (totalSteps - step);
        if (interactive) {
            int filled = (int) ((long) BAR * step / Math.max(1, totalSteps));
            err.printf(Locale.ROOT, "\repoch %d [%s%s] %d/%d loss %.4f %,.0f ex/s ETA %s ",
                    epoch, "#".repeat(filled), ".".repeat(BAR - filled), step, totalSteps, loss, perSecond, time(eta));
            err.flush();
            lineOpen = true;
        } else {
            err.printf(Locale.ROOT, "epoch %d step %d/%d loss %.4f %,.0f ex/s ETA %s%n",
                    epoch, step, totalSteps, loss, perSecond, time(eta));
        }
    }

    @Override
    public void onEpoch(History.Epoch e) {
        if (lineOpen) {
            err.print("\r\033[K");
            lineOpen = false;
        }
        err.printf(Locale.ROOT, "epoch %d: step %d, mean loss %.4f, test accuracy %.4f%n",
                e.epoch(), e.step(), e.meanLoss(), e.testAccuracy());
    }

    private static String time(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60) : s + "s";
    }
}
