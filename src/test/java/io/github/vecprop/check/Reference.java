package io.github.vecprop.check;

/**
 * Double-precision forward passes written as the plainest loops, independent of the library's
 * kernels: the oracle the numerical gradients are taken through.
 */
public final class Reference {
    private Reference() {
    }

    /** {@code x (n x in) · W (in x out) + b}. */
    public static double[] affine(double[] x, int n, int in, double[] w, int out, double[] b) {
        double[] y = new double[n * out];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < out; j++) {
                double s = b[j];
                for (int p = 0; p < in; p++) {
                    s += x[r * in + p] * w[p * out + j];
                }
                y[r * out + j] = s;
            }
        }
        return y;
    }

    /** {@code max(0, x)}. */
    public static double[] relu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.max(0, x[i]);
        }
        return y;
    }

    /** {@code 1 / (1 + exp(-x))}. */
    public static double[] sigmoid(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 1 / (1 + Math.exp(-x[i]));
        }
        return y;
    }

    /** {@code tanh(x)}. */
    public static double[] tanh(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.tanh(x[i]);
        }
        return y;
    }

    /** The mean-squared-error loss {@code 1/n * sum 0.5 * (y - t)²} of {@code n} rows. */
    public static double meanSquaredError(double[] y, int n, double[] t) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (y[i] - t[i]) * (y[i] - t[i]);
        }
        return 0.5 * s / n;
    }

    /** Training-mode batch norm of {@code x (n x d)}: per column {@code gamma * (x - mean) / sqrt(var + eps) + beta}, biased variance. */
    public static double[] batchNorm(double[] x, int n, int d, double[] gamma, double[] beta, double eps) {
        double[] y = new double[n * d];
        for (int j = 0; j < d; j++) {
            double m = 0;
            for (int r = 0; r < n; r++) {
                m += x[r * d + j];
            }
            m /= n;
            double v = 0;
            for (int r = 0; r < n; r++) {
                v += (x[r * d + j] - m) * (x[r * d + j] - m);
            }
            v /= n;
            for (int r = 0; r < n; r++) {
                y[r * d + j] = gamma[j] * (x[r * d + j] - m) / Math.sqrt(v + eps) + beta[j];
            }
        }
        return y;
    }

    /** Row softmax of {@code x (n x c)}. */
    public static double[] softmax(double[] x, int n, int c) {
        double[] y = new double[n * c];
        for (int r = 0; r < n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, x[r * c + j]);
            }
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += Math.exp(x[r * c + j] - max);
            }
            for (int j = 0; j < c; j++) {
                y[r * c + j] = Math.exp(x[r * c + j] - max) / sum;
            }
        }
        return y;
    }

    /**
     * Mean cross-entropy {@code -1/n sum t log(softmax(x) + guard)} of scores {@code x} against dense
     * targets {@code t} ({@code n x c}). The library's loss uses {@code guard = 1e-7}, but backprop's
     * {@code (y - t) / n} is the derivative of the unguarded loss, so gradient checks pass 0 (then
     * {@code log softmax} is computed directly, with no rounding of tiny probabilities).
     */
    public static double softmaxCrossEntropy(double[] x, int n, int c, double[] t, double guard) {
        double s = 0;
        for (int r = 0; r < n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, x[r * c + j]);
            }
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += Math.exp(x[r * c + j] - max);
            }
            for (int j = 0; j < c; j++) {
                double logY = x[r * c + j] - max - Math.log(sum);
                s += t[r * c + j] * (guard == 0 ? logY : Math.log(Math.exp(logY) + guard));
            }
        }
        return -s / n;
    }

    /** Dense one-hot targets of {@code labels} as doubles. */
    public static double[] oneHot(int[] labels, int c) {
        return TestData.toDouble(TestData.oneHot(labels, c));
    }

    /** The two-layer net's loss: {@code softmaxCrossEntropy(relu(x·W1 + b1)·W2 + b2, t, guard)}. */
    public static double twoLayerLoss(double[] x, int n, int in, double[] w1, double[] b1, int hidden,
                                      double[] w2, double[] b2, int out, double[] t, double guard) {
        double[] h = relu(affine(x, n, in, w1, hidden, b1));
        return softmaxCrossEntropy(affine(h, n, hidden, w2, out, b2), n, out, t, guard);
    }
}
