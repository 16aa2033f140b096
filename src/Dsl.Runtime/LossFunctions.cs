using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Dsl.Runtime;

/// <summary>
/// <para>
/// The losses of <see cref="Dsl.Loss"/>, each computing, for a tile of samples, the SUM of the per-sample losses
/// and the gradient of <c>scale * that sum</c>. Generated <c>TrainStep</c> code passes <c>scale = 1 / batch</c>,
/// so the gradients are those of the batch-mean loss. <c>K</c> below is the number of outputs per sample (<c>cols</c>),
/// <c>y</c> the model's output (after its activation), <c>t</c> the target, <c>dy</c> the gradient written.
/// </para>
/// <para>
/// Below them, helpers that only evaluate (no gradient) and return the batch MEAN, for training loops and metrics:
/// <see cref="CategoricalCrossEntropy{T}"/>, <see cref="SparseCategoricalCrossEntropy{T}"/>,
/// <see cref="BinaryCrossEntropy{T}"/> and <see cref="Evaluate{T}"/>.
/// </para>
/// </summary>
public static unsafe class LossFunctions
{
    /// <summary>The guard of the probability losses: probabilities are clipped at it before a logarithm (Keras' <c>epsilon()</c>).</summary>
    public const double Epsilon = 1e-7;

    /// <summary>
    /// Mean squared error. Per sample: <c>L = (1/K) * sum_i (y_i - t_i)^2</c>; gradient <c>dy_i = scale * 2 (y_i - t_i) / K</c>.
    /// Batch mean of it equals PyTorch's <c>MSELoss()</c> (mean over all elements).
    /// </summary>
    public static T MeanSquaredError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(y, t, dy, cols);
        T k = T.CreateChecked(cols);
        return SquaredErrors(y, t, dy, (T.One + T.One) * scale / k) / k;
    }

    /// <summary>
    /// Sum of squared errors. Per sample: <c>L = sum_i (y_i - t_i)^2</c>; gradient <c>dy_i = scale * 2 (y_i - t_i)</c>.
    /// Batch mean of it equals PyTorch's <c>MSELoss(reduction='sum') / batch</c>.
    /// </summary>
    public static T SumSquaredError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(y, t, dy, cols);
        return SquaredErrors(y, t, dy, (T.One + T.One) * scale);
    }

    /// <summary>
    /// Half the sum of squared errors, seed 001's <c>0.5 * np.sum((y - t) ** 2)</c>. Per sample: <c>L = 0.5 * sum_i (y_i - t_i)^2</c>;
    /// gradient <c>dy_i = scale * (y_i - t_i)</c>. Batch mean of it equals PyTorch's <c>0.5 * MSELoss(reduction='sum') / batch</c>.
    /// </summary>
    public static T HalfSumSquaredError<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(y, t, dy, cols);
        return SquaredErrors(y, t, dy, scale) / (T.One + T.One);
    }

    /// <summary>
    /// Huber loss with <c>delta = 1</c>, averaged over the K outputs. Per sample: <c>L = (1/K) * sum_i h(y_i - t_i)</c> with
    /// <c>h(e) = 0.5 e^2</c> for <c>|e| &lt;= 1</c> and <c>h(e) = |e| - 0.5</c> otherwise; gradient
    /// <c>dy_i = scale * clamp(y_i - t_i, -1, 1) / K</c>. Batch mean of it equals PyTorch's <c>HuberLoss(delta=1.0)</c>
    /// (mean over all elements) and Keras' <c>Huber(delta=1.0)</c>.
    /// </summary>
    public static T Huber<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(y, t, dy, cols);
        T k = T.CreateChecked(cols);
        T g = scale / k;
        T half = T.One / (T.One + T.One);
        // With c = clamp(e, -1, 1): h(e) = c (e - c/2) in both regions (exactly 0.5 e² inside, |e| - 0.5 outside), h'(e) = c.
        T sum = T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && y.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vy = MemoryMarshal.Cast<T, Vector<T>>(y);
            ReadOnlySpan<Vector<T>> vt = MemoryMarshal.Cast<T, Vector<T>>(t);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(dy);
            Vector<T> one = Vector<T>.One, minusOne = -Vector<T>.One, vhalf = new(half), vg = new(g), acc = Vector<T>.Zero;
            for (int v = 0; v < vy.Length; v++)
            {
                Vector<T> e = vy[v] - vt[v];
                Vector<T> c = Vector.Min(Vector.Max(e, minusOne), one);
                acc += c * (e - vhalf * c);
                vd[v] = vg * c;
            }
            sum = Vector.Sum(acc);
            i = vy.Length * Vector<T>.Count;
        }
        for (; i < y.Length; i++)
        {
            T e = y[i] - t[i];
            T c = T.Clamp(e, -T.One, T.One);
            sum += c * (e - half * c);
            dy[i] = g * c;
        }
        return sum / k;
    }

    /// <summary>
    /// Hinge loss as Keras' <c>hinge</c>. Per sample: <c>L = (1/K) * sum_i max(0, 1 - t'_i y_i)</c> where <c>t'_i = -1</c> if
    /// <c>t_i = 0</c> and <c>t'_i = t_i</c> otherwise, so targets in {-1, 1} are used as they are and 0/1 targets are converted
    /// to -1/1 as Keras converts them. Gradient: <c>dy_i = -scale * t'_i / K</c> where the margin <c>1 - t'_i y_i</c> is
    /// positive, 0 where it is not (the subgradient 0 at the kink). PyTorch: <c>torch.clamp(1 - t' * y, min=0).mean()</c>.
    /// </summary>
    public static T Hinge<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(y, t, dy, cols);
        T k = T.CreateChecked(cols);
        T g = -scale / k;
        T sum = T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && y.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vy = MemoryMarshal.Cast<T, Vector<T>>(y);
            ReadOnlySpan<Vector<T>> vt = MemoryMarshal.Cast<T, Vector<T>>(t);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(dy);
            Vector<T> one = Vector<T>.One, minusOne = -Vector<T>.One, zero = Vector<T>.Zero, vg = new(g), acc = Vector<T>.Zero;
            for (int v = 0; v < vy.Length; v++)
            {
                Vector<T> sign = Vector.ConditionalSelect(Vector.Equals(vt[v], zero), minusOne, vt[v]);
                Vector<T> margin = one - sign * vy[v];
                Vector<T> active = Vector.GreaterThan(margin, zero);
                acc += Vector.ConditionalSelect(active, margin, zero);
                vd[v] = Vector.ConditionalSelect(active, vg * sign, zero);
            }
            sum = Vector.Sum(acc);
            i = vy.Length * Vector<T>.Count;
        }
        for (; i < y.Length; i++)
        {
            T sign = t[i] == T.Zero ? -T.One : t[i];
            T margin = T.One - sign * y[i];
            if (margin > T.Zero)
            {
                sum += margin;
                dy[i] = g * sign;
            }
            else dy[i] = T.Zero;
        }
        return sum / k;
    }

    /// <summary>
    /// Kullback-Leibler divergence of the output distribution <c>p</c> from the target <c>t</c>, as Keras' <c>kl_divergence</c>.
    /// Per sample: <c>L = sum_i t'_i * log(t'_i / p'_i)</c> with <c>t' = clip(t, 1e-7, 1)</c> and <c>p' = clip(p, 1e-7, 1)</c>.
    /// Gradient: <c>dp_i = -scale * t'_i / p_i</c> where <c>1e-7 &lt;= p_i &lt;= 1</c>, 0 where the clip holds <c>p_i</c>.
    /// Equals PyTorch's <c>F.kl_div(log(p'), t', reduction='batchmean')</c>. The output must be probabilities (Softmax).
    /// </summary>
    public static T KLDivergence<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> t, Span<T> dp, int cols, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(p, t, dp, cols);
        T eps = T.CreateChecked(Epsilon);
        T sum = T.Zero;
        for (int i = 0; i < p.Length; i++)
        {
            T tc = T.Clamp(t[i], eps, T.One);
            T pi = p[i];
            if (pi >= eps && pi <= T.One)
            {
                sum += tc * T.Log(tc / pi);
                dp[i] = -scale * tc / pi;
            }
            else
            {
                sum += tc * T.Log(tc / T.Clamp(pi, eps, T.One)); // a NaN output stays NaN here, and in the loss
                dp[i] = T.Zero;
            }
        }
        return sum;
    }

    /// <summary>
    /// Negative log-likelihood of probabilities (seed 001's log-likelihood). Per sample: <c>L = -sum_i t_i * log(max(p_i, 1e-7))</c>,
    /// which is <c>-log p[label]</c> for a one-hot target. Gradient: <c>dp_i = -scale * t_i / p_i</c> where <c>p_i &gt;= 1e-7</c>,
    /// 0 below. Equals PyTorch's <c>F.nll_loss(log(p.clamp(min=1e-7)), labels)</c>. It differs from <see cref="Dsl.Loss.CrossEntropy"/>
    /// (<see cref="SoftmaxCrossEntropy{T}"/>), which is fused with the softmax and computed from the logits by log-sum-exp: the two
    /// agree while every target class has <c>p &gt;= 1e-7</c>; below that this one is capped at <c>-log(1e-7) = 16.1</c> per unit of
    /// target and passes no gradient, and its gradient reaches the logits through the softmax's Jacobian instead of as <c>p - t</c>.
    /// </summary>
    public static T NegativeLogLikelihood<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> t, Span<T> dp, int cols, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckLengths(p, t, dp, cols);
        T eps = T.CreateChecked(Epsilon);
        T sum = T.Zero;
        for (int i = 0; i < p.Length; i++)
        {
            T ti = t[i], pi = p[i];
            if (ti == T.Zero)
            {
                dp[i] = T.Zero;
                continue;
            }
            if (pi >= eps)
            {
                sum -= ti * T.Log(pi);
                dp[i] = -scale * ti / pi;
            }
            else
            {
                sum -= ti * T.Log(T.Max(pi, eps)); // T.Max propagates a NaN output into the loss
                dp[i] = T.Zero;
            }
        }
        return sum;
    }

    /// <summary>
    /// Softmax + cross-entropy, fused and computed from the logits <c>z</c>. Per sample:
    /// <c>L = -sum_i t_i log p_i = sum_i t_i (lse(z) - z_i)</c> with <c>lse(z) = m + log sum_j exp(z_j - m)</c>, <c>m = max_j z_j</c>,
    /// so it stays finite for any logits. Gradient with respect to the logits: <c>dz_i = scale * (p_i * sum_j t_j - t_i)</c>
    /// (<c>p - t</c> for one-hot targets). Equals PyTorch's <c>CrossEntropyLoss</c> with probability targets.
    /// </summary>
    /// <param name="z">Logits <c>[n, cols]</c>.</param>
    /// <param name="p">Softmax of the logits, as the forward pass computed it.</param>
    /// <param name="t">Targets <c>[n, cols]</c>.</param>
    /// <param name="dz">Receives the gradient with respect to the logits; it must not overlap the other buffers.</param>
    /// <param name="cols">Classes per sample.</param>
    /// <param name="scale">Factor of the gradient, <c>1 / batch</c>.</param>
    /// <exception cref="ArgumentException">Lengths that do not match, or <paramref name="dz"/> overlapping another buffer.</exception>
    public static T SoftmaxCrossEntropy<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> p, ReadOnlySpan<T> t, Span<T> dz, int cols, T scale)
        where T : IFloatingPointIeee754<T>
    {
        CheckLengths(z, t, dz, cols);
        if (p.Length != z.Length)
            throw new ArgumentException($"Loss needs the softmax of every logit: expected {z.Length} probabilities, got {p.Length}.", nameof(p));
        if (dz.Overlaps(z) || dz.Overlaps(p) || dz.Overlaps(t))
            throw new ArgumentException("The gradient dz must not share memory with the logits, probabilities or targets.", nameof(dz));
        if (typeof(T) == typeof(float))
        {
            fixed (float* zf = &As<T, float>(z), pf = &As<T, float>(p), tf = &As<T, float>(t), df = &As<T, float>(dz))
            {
                float loss = SoftmaxRows.CrossEntropy(zf, pf, tf, df, z.Length, cols, Unsafe.As<T, float>(ref scale));
                return Unsafe.As<float, T>(ref loss);
            }
        }
        if (typeof(T) == typeof(double))
        {
            fixed (double* zd = &As<T, double>(z), pd = &As<T, double>(p), td = &As<T, double>(t), dd = &As<T, double>(dz))
            {
                double loss = SoftmaxRows.CrossEntropy(zd, pd, td, dd, z.Length, cols, Unsafe.As<T, double>(ref scale));
                return Unsafe.As<double, T>(ref loss);
            }
        }
        // exp(z - max) of every row into dz (overwritten below), by the softmax's vector exponential, over the whole buffer.
        Activations.ShiftRowsByMax<T>(z, dz, cols);
        Activations.ExpInPlace<T>(dz);
        T sum = T.Zero;
        for (int r = 0; r + cols <= z.Length; r += cols)
        {
            ReadOnlySpan<T> zr = z.Slice(r, cols), pr = p.Slice(r, cols), tr = t.Slice(r, cols);
            T max = zr[0];
            for (int i = 1; i < cols; i++) max = T.Max(max, zr[i]);
            T exps = T.Zero;
            for (int i = 0; i < cols; i++) exps += dz[r + i];
            T lse = max + T.Log(exps);
            T tsum = T.Zero;
            for (int i = 0; i < cols; i++)
            {
                if (tr[i] != T.Zero) sum += tr[i] * (lse - zr[i]);
                tsum += tr[i];
            }
            for (int i = 0; i < cols; i++) dz[r + i] = scale * (pr[i] * tsum - tr[i]);
        }
        return sum;
    }

    /// <summary>
    /// Sigmoid + binary cross-entropy, fused and computed from the logits <c>z</c>. Per sample:
    /// <c>L = (1/K) * sum_i [max(z_i, 0) - z_i t_i + log(1 + exp(-|z_i|))]</c>, which equals
    /// <c>-(1/K) * sum_i [t_i log p_i + (1 - t_i) log(1 - p_i)]</c> with <c>p = sigmoid(z)</c> but stays finite for any logits
    /// (PyTorch's <c>BCEWithLogitsLoss</c>; Keras clips p to [1e-7, 1 - 1e-7] instead, which differs only where that clip bites).
    /// Gradient: <c>dz_i = scale * (p_i - t_i) / K</c>.
    /// </summary>
    public static T SigmoidBinaryCrossEntropy<T>(ReadOnlySpan<T> z, ReadOnlySpan<T> p, ReadOnlySpan<T> t, Span<T> dz, int cols, T scale)
        where T : IFloatingPointIeee754<T>
    {
        CheckLengths(z, t, dz, cols);
        T k = T.CreateChecked(cols);
        T g = scale / k;
        T sum = T.Zero;
        for (int i = 0; i < z.Length; i++)
        {
            sum += T.Max(z[i], T.Zero) - z[i] * t[i] + T.LogP1(T.Exp(-T.Abs(z[i])));
            dz[i] = g * (p[i] - t[i]);
        }
        return sum / k;
    }

    /// <summary>
    /// L2 weight penalty as Keras' <c>l2(λ)</c>: returns <c>λ * sum(w²)</c> and adds its gradient <c>2λw</c> to <paramref name="gw"/>.
    /// </summary>
    public static T L2Penalty<T>(ReadOnlySpan<T> w, Span<T> gw, T lambda) where T : IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        T twoLambda = lambda + lambda;
        for (int i = 0; i < w.Length; i++)
        {
            sum += w[i] * w[i];
            gw[i] += twoLambda * w[i];
        }
        return lambda * sum;
    }

    // ---- Evaluation only: batch means, no gradient, accumulated in double. ----

    /// <summary>
    /// Categorical cross-entropy of probabilities against (one-hot or soft) targets, as Keras' <c>categorical_crossentropy</c> on
    /// probabilities: the mean over the <c>probabilities.Length / classes</c> samples of <c>-sum_i t_i * log(max(p_i, 1e-7))</c>,
    /// computed in double. Seed 001 guards with <c>log(p + 1e-7)</c> instead; the two differ by less than <c>1e-7 / p</c>
    /// per unit of target. For a model with a Softmax output this is <see cref="Dsl.Loss.NegativeLogLikelihood"/>'s value, and
    /// <see cref="Dsl.Loss.CrossEntropy"/>'s wherever no target class has <c>p &lt; 1e-7</c>.
    /// </summary>
    /// <param name="probabilities">Model outputs <c>[n, classes]</c>, each row a distribution.</param>
    /// <param name="targets">Targets <c>[n, classes]</c>.</param>
    /// <param name="classes">Classes per sample.</param>
    /// <exception cref="ArgumentException">The lengths do not match, are not a whole number of samples, or there is no sample.</exception>
    public static double CategoricalCrossEntropy<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets, int classes)
        where T : IFloatingPointIeee754<T>
    {
        int n = SamplesOf(probabilities.Length, nameof(probabilities), targets.Length, nameof(targets), classes, nameof(classes));
        double sum = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            double t = double.CreateChecked(targets[i]);
            if (t != 0) sum -= t * Math.Log(Math.Max(double.CreateChecked(probabilities[i]), Epsilon));
        }
        return sum / n;
    }

    /// <summary>
    /// Categorical cross-entropy of probabilities against integer class labels, as Keras' <c>sparse_categorical_crossentropy</c>
    /// on probabilities: the mean over the samples of <c>-log(max(p[label], 1e-7))</c>, computed in double (seed 001's
    /// <c>-np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size</c> with the guard as a clip, see
    /// <see cref="CategoricalCrossEntropy{T}"/>).
    /// </summary>
    /// <param name="probabilities">Model outputs <c>[labels.Length, classes]</c>.</param>
    /// <param name="labels">One class in <c>[0, classes)</c> per sample.</param>
    /// <param name="classes">Classes per sample.</param>
    /// <exception cref="ArgumentException">The lengths do not match or there is no sample.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is not a class.</exception>
    public static double SparseCategoricalCrossEntropy<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<int> labels, int classes)
        where T : IFloatingPointIeee754<T>
    {
        int n = SamplesOf(probabilities.Length, nameof(probabilities), probabilities.Length, nameof(probabilities), classes, nameof(classes));
        if (labels.Length != n)
            throw new ArgumentException($"labels must hold one label for each of the {n} samples in probabilities ({probabilities.Length} values / {classes} classes), found {labels.Length}.", nameof(labels));
        double sum = 0;
        for (int s = 0; s < n; s++)
        {
            int label = labels[s];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label of sample {s} must be a class in [0, {classes}), found {label}.");
            sum -= Math.Log(Math.Max(double.CreateChecked(probabilities[s * classes + label]), Epsilon));
        }
        return sum / n;
    }

    /// <summary>
    /// Binary cross-entropy of probabilities, as seed 000 and Keras' <c>binary_crossentropy</c> on probabilities clip them: the
    /// mean over all values of <c>-[t * log(p') + (1 - t) * log(1 - p')]</c> with <c>p' = clip(p, 1e-7, 1 - 1e-7)</c>, computed
    /// in double (equal to the mean over the samples of the per-sample mean over the K outputs). Training with
    /// <see cref="Dsl.Loss.BinaryCrossEntropy"/> computes the same loss from the logits, unclipped (<see cref="SigmoidBinaryCrossEntropy{T}"/>).
    /// </summary>
    /// <param name="probabilities">Model outputs, each in [0, 1].</param>
    /// <param name="targets">Targets of the same length, usually 0 or 1.</param>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    public static double BinaryCrossEntropy<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> targets)
        where T : IFloatingPointIeee754<T>
    {
        if (probabilities.Length == 0) throw new ArgumentException("probabilities must hold at least one value, found none.", nameof(probabilities));
        if (targets.Length != probabilities.Length)
            throw new ArgumentException($"targets must hold one value for each of the {probabilities.Length} probabilities, found {targets.Length}.", nameof(targets));
        double sum = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            double p = Math.Clamp(double.CreateChecked(probabilities[i]), Epsilon, 1 - Epsilon);
            double t = double.CreateChecked(targets[i]);
            sum -= t * Math.Log(p) + (1 - t) * Math.Log(1 - p);
        }
        return sum / probabilities.Length;
    }

    /// <summary>
    /// The batch-mean value of <paramref name="loss"/> for a model's outputs (after the output activation, as <c>Forward</c> gives
    /// them), e.g. a validation loss. For every loss but the two fused ones this is exactly what <c>TrainStep</c> reports for the
    /// same outputs (the per-sample formulas of <see cref="Dsl.Loss"/>). <see cref="Dsl.Loss.CrossEntropy"/> and
    /// <see cref="Dsl.Loss.BinaryCrossEntropy"/>, which training computes from the logits, are computed from the probabilities
    /// with the 1e-7 clip of <see cref="CategoricalCrossEntropy{T}"/> and <see cref="BinaryCrossEntropy{T}"/>, as Keras reports them.
    /// </summary>
    /// <param name="loss">The loss.</param>
    /// <param name="output">Model outputs <c>[n, outputs]</c>.</param>
    /// <param name="target">Targets <c>[n, outputs]</c>.</param>
    /// <param name="outputs">Outputs per sample (the model's <c>OutputSize</c>).</param>
    /// <exception cref="ArgumentException">The lengths do not match, are not a whole number of samples, or there is no sample.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="loss"/> is not a known loss.</exception>
    public static double Evaluate<T>(Dsl.Loss loss, ReadOnlySpan<T> output, ReadOnlySpan<T> target, int outputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = SamplesOf(output.Length, nameof(output), target.Length, nameof(target), outputs, nameof(outputs));
        switch (loss)
        {
            case Dsl.Loss.CrossEntropy: return CategoricalCrossEntropy(output, target, outputs);
            case Dsl.Loss.BinaryCrossEntropy: return BinaryCrossEntropy(output, target);
            case Dsl.Loss.MeanSquaredError:
            case Dsl.Loss.SumSquaredError:
            case Dsl.Loss.HalfSumSquaredError:
            case Dsl.Loss.KLDivergence:
            case Dsl.Loss.Huber:
            case Dsl.Loss.Hinge:
            case Dsl.Loss.NegativeLogLikelihood:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(loss), loss, $"Expected a value of Dsl.Loss, found {(int)loss}.");
        }
        // Whole samples at a time through the training function, with a pooled buffer for the gradient it also writes.
        int rows = Math.Max(1, 4096 / outputs);
        T[] scratch = ArrayPool<T>.Shared.Rent(rows * outputs);
        try
        {
            double sum = 0;
            for (int start = 0; start < n; start += rows)
            {
                int length = Math.Min(rows, n - start) * outputs;
                ReadOnlySpan<T> y = output.Slice(start * outputs, length), t = target.Slice(start * outputs, length);
                Span<T> dy = scratch.AsSpan(0, length);
                T part = loss switch
                {
                    Dsl.Loss.MeanSquaredError => MeanSquaredError(y, t, dy, outputs, T.Zero),
                    Dsl.Loss.SumSquaredError => SumSquaredError(y, t, dy, outputs, T.Zero),
                    Dsl.Loss.HalfSumSquaredError => HalfSumSquaredError(y, t, dy, outputs, T.Zero),
                    Dsl.Loss.KLDivergence => KLDivergence(y, t, dy, outputs, T.Zero),
                    Dsl.Loss.Huber => Huber(y, t, dy, outputs, T.Zero),
                    Dsl.Loss.Hinge => Hinge(y, t, dy, outputs, T.Zero),
                    _ => NegativeLogLikelihood(y, t, dy, outputs, T.Zero),
                };
                sum += double.CreateChecked(part);
            }
            return sum / n;
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }

    /// <summary><c>sum_i (y_i - t_i)^2</c>, writing <c>dy_i = g (y_i - t_i)</c>; vectorised.</summary>
    private static T SquaredErrors<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, T g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && y.Length >= Vector<T>.Count)
        {
            ReadOnlySpan<Vector<T>> vy = MemoryMarshal.Cast<T, Vector<T>>(y);
            ReadOnlySpan<Vector<T>> vt = MemoryMarshal.Cast<T, Vector<T>>(t);
            Span<Vector<T>> vd = MemoryMarshal.Cast<T, Vector<T>>(dy);
            Vector<T> vg = new(g), acc = Vector<T>.Zero;
            for (int v = 0; v < vy.Length; v++)
            {
                Vector<T> e = vy[v] - vt[v];
                acc += e * e;
                vd[v] = vg * e;
            }
            sum = Vector.Sum(acc);
            i = vy.Length * Vector<T>.Count;
        }
        for (; i < y.Length; i++)
        {
            T e = y[i] - t[i];
            sum += e * e;
            dy[i] = g * e;
        }
        return sum;
    }

    /// <summary>The first element of <paramref name="span"/> as a <typeparamref name="TTo"/> (the caller has checked that the types are the same).</summary>
    private static ref TTo As<TFrom, TTo>(ReadOnlySpan<TFrom> span) => ref Unsafe.As<TFrom, TTo>(ref MemoryMarshal.GetReference(span));

    private static void CheckLengths<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> t, Span<T> dy, int cols)
    {
        if (t.Length != y.Length || dy.Length != y.Length)
            throw new ArgumentException($"Loss needs outputs, targets and gradient of one length, got {y.Length}, {t.Length} and {dy.Length}.");
        if (cols <= 0 || y.Length % cols != 0)
            throw new ArgumentException($"Loss needs a positive number of outputs per sample that divides the {y.Length} outputs, got {cols}.", nameof(cols));
    }

    /// <summary>
    /// The number of samples in <paramref name="length"/> values of <paramref name="size"/> each, which must be a whole, non-zero
    /// number; the other buffer must hold <paramref name="otherLength"/> = <paramref name="length"/> values.
    /// </summary>
    private static int SamplesOf(int length, string name, int otherLength, string otherName, int size, string sizeName)
    {
        if (size <= 0) throw new ArgumentException($"{sizeName} must be a positive number of values per sample, found {size}.", sizeName);
        if (length == 0 || length % size != 0)
            throw new ArgumentException($"{name} must hold a whole, non-zero number of samples of {sizeName} = {size} values, found {length} values.", name);
        if (otherLength != length)
            throw new ArgumentException($"{otherName} must hold {length} values ({length / size} samples x {size}) to match {name}, found {otherLength}.", otherName);
        return length / size;
    }
}
