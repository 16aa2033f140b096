using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Dsl.Runtime;

/// <summary>
/// Base of the optimizers: one flat update of a model's <see cref="IModel{T}.Parameters"/> from its
/// <see cref="IModel{T}.Gradients"/>. State buffers are allocated in the constructor, so <see cref="Step"/> allocates nothing.
/// </summary>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Binds the optimizer to a model.</summary>
    protected Optimizer(IModel<T> model, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        LearningRate = learningRate;
    }

    /// <summary>The model whose parameters this optimizer updates.</summary>
    public IModel<T> Model { get; }

    /// <summary>The learning rate of the next step; schedules change it between steps.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "Expected a finite, non-negative learning rate.");
            _learningRate = value;
        }
    }
    private double _learningRate;

    /// <summary>Number of steps taken so far. Checkpoints restore it, so schedules and bias corrections resume where they stopped.</summary>
    public long Iterations { get; internal set; }

    /// <summary>
    /// The optimizer's state tensors (momentum buffers, moment estimates, ...), each named and laid out exactly like
    /// <see cref="IModel{T}.Parameters"/>. Checkpoints save and restore them together with <see cref="Iterations"/>.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, T[]>> State => _state;
    private readonly List<KeyValuePair<string, T[]>> _state = [];

    /// <summary>Allocates a zeroed state tensor the size of the parameter buffer and registers it in <see cref="State"/>.</summary>
    protected T[] AddState(string name)
    {
        T[] buffer = new T[Model.ParameterCount];
        _state.Add(new(name, buffer));
        return buffer;
    }

    /// <summary>Updates the model's parameters from its current gradients.</summary>
    public void Step()
    {
        Update(Model.Parameters, Model.Gradients);
        Iterations++;
    }

    /// <summary>The update rule: <paramref name="p"/> and <paramref name="g"/> have the same layout.</summary>
    protected abstract void Update(Span<T> p, ReadOnlySpan<T> g);

    /// <summary>Elements per part of <see cref="Elementwise{TUpdate}"/>: a multiple of every vector width, fixed, so where a vector loop ends never depends on the thread count.</summary>
    private protected const int ChunkSize = 16384;

    /// <summary>An element-wise update of the elements <c>[start, end)</c>.</summary>
    private protected interface IElementwiseUpdate
    {
        void Update(int start, int end);
    }

    private struct ChunkJob<TUpdate> : IParallelPart where TUpdate : struct, IElementwiseUpdate
    {
        public TUpdate Update;
        public int Length;

        public void Execute(int part)
        {
            int start = part * ChunkSize;
            Update.Update(start, Math.Min(Length, start + ChunkSize));
        }
    }

    /// <summary>
    /// Runs an element-wise update over <c>[0, length)</c> in chunks of <see cref="ChunkSize"/>, split across
    /// <see cref="Workers"/>. Each element is updated once, by arithmetic that depends on nothing but its own values, so
    /// the result is the same whatever the thread count.
    /// </summary>
    private protected static void Elementwise<TUpdate>(ref TUpdate update, int length) where TUpdate : struct, IElementwiseUpdate
    {
        var job = new ChunkJob<TUpdate> { Update = update, Length = length };
        Workers.Run(ref job, (length + ChunkSize - 1) / ChunkSize);
    }

    /// <summary>Throws unless <paramref name="value"/> lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    protected static void CheckRange(double value, double min, double max, string name)
    {
        if (!(value >= min && value <= max))
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} in [{min}, {max}].");
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and non-negative.</summary>
    protected static void CheckNonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"Expected a finite, non-negative {name}.");
    }
}

/// <summary>
/// Stochastic gradient descent exactly as PyTorch's <c>torch.optim.SGD</c>
/// (https://pytorch.org/docs/stable/generated/torch.optim.SGD.html). With <c>g = grad + weightDecay * p</c>:
/// <code>
/// if momentum != 0:
///     b = g                                   on the first step
///     b = momentum * b + (1 - dampening) * g  afterwards
///     g = g + momentum * b  if nesterov else  b
/// p = p - lr * g
/// </code>
/// </summary>
public sealed unsafe class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _momentumBuffer;

    /// <summary>Creates the optimizer; arguments and defaults as <c>torch.optim.SGD</c>.</summary>
    public Sgd(IModel<T> model, double learningRate, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(model, learningRate)
    {
        CheckRange(momentum, 0, double.MaxValue, nameof(momentum));
        CheckRange(dampening, double.MinValue, double.MaxValue, nameof(dampening));
        CheckRange(weightDecay, 0, double.MaxValue, nameof(weightDecay));
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException($"Nesterov momentum requires momentum > 0 and dampening = 0, got momentum {momentum} and dampening {dampening}.", nameof(nesterov));
        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        _momentumBuffer = momentum != 0 ? AddState("momentum_buffer") : [];
    }

    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }

    /// <summary>Dampening of the momentum.</summary>
    public double Dampening { get; }

    /// <summary>L2 penalty added to the gradient as <c>weightDecay * p</c>.</summary>
    public double WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override void Update(Span<T> p, ReadOnlySpan<T> g)
    {
        T lr = T.CreateChecked(LearningRate);
        T wd = T.CreateChecked(WeightDecay);
        T mu = T.CreateChecked(Momentum);
        T oneMinusDampening = T.CreateChecked(1 - Dampening);
        fixed (T* pp = p, pg = g, pbuf = _momentumBuffer)
        {
            var update = new SgdUpdate
            {
                P = pp, G = pg, Buf = pbuf, Lr = lr, Wd = wd, Mu = mu, OneMinusDampening = oneMinusDampening,
                First = Iterations == 0, Decay = WeightDecay != 0, HasMomentum = Momentum != 0, Nesterov = Nesterov,
            };
            Elementwise(ref update, p.Length);
        }
    }

    /// <summary>The update of elements <c>[start, end)</c>: vectors, then the same operations in scalar code (no fused multiply-adds, as PyTorch's).</summary>
    private unsafe struct SgdUpdate : IElementwiseUpdate
    {
        public T* P, G, Buf;
        public T Lr, Wd, Mu, OneMinusDampening;
        public bool First, Decay, HasMomentum, Nesterov;

        public readonly void Update(int start, int end)
        {
            int i = start;
            if (Vector512.IsHardwareAccelerated) i = Vectors<Vector512<T>, Simd512<T>>(start, end);
            else if (Vector256.IsHardwareAccelerated) i = Vectors<Vector256<T>, Simd256<T>>(start, end);
            else if (Vector128.IsHardwareAccelerated) i = Vectors<Vector128<T>, Simd128<T>>(start, end);
            for (; i < end; i++)
            {
                T d = G[i];
                if (Decay) d += Wd * P[i];
                if (HasMomentum)
                {
                    Buf[i] = First ? d : Buf[i] * Mu + OneMinusDampening * d;
                    d = Nesterov ? d + Mu * Buf[i] : Buf[i];
                }
                P[i] -= Lr * d;
            }
        }

        private readonly int Vectors<TV, S>(int start, int end) where TV : struct where S : ISimd<TV, T>
        {
            TV lr = S.Broadcast(Lr), wd = S.Broadcast(Wd), mu = S.Broadcast(Mu), omd = S.Broadcast(OneMinusDampening);
            int i = start;
            for (; i + S.Count <= end; i += S.Count)
            {
                TV p = S.Load(P + i), d = S.Load(G + i);
                if (Decay) d = S.Add(d, S.Multiply(wd, p));
                if (HasMomentum)
                {
                    TV b = First ? d : S.Add(S.Multiply(S.Load(Buf + i), mu), S.Multiply(omd, d));
                    S.Store(Buf + i, b);
                    d = Nesterov ? S.Add(d, S.Multiply(mu, b)) : b;
                }
                S.Store(P + i, S.Subtract(p, S.Multiply(lr, d)));
            }
            return i;
        }
    }
}

/// <summary>
/// Adagrad exactly as PyTorch's <c>torch.optim.Adagrad</c> (https://pytorch.org/docs/stable/generated/torch.optim.Adagrad.html;
/// Duchi, Hazan and Singer, https://jmlr.org/papers/v12/duchi11a.html). The accumulator <c>sum</c> starts at
/// <c>initialAccumulatorValue</c>; for step <c>t = 1, 2, ...</c>:
/// <code>
/// g = grad + weightDecay * p                               (if weightDecay != 0)
/// clr = lr / (1 + (t - 1) * learningRateDecay)
/// sum = sum + g * g
/// p = p - clr * g / (sqrt(sum) + epsilon)
/// </code>
/// Every parameter's step size shrinks as its squared gradients pile up. The decayed rate <c>clr</c> is computed in
/// double, as PyTorch's single-tensor implementation (<c>foreach=False</c>) does in Python, and each tensor operation in
/// <typeparamref name="T"/> in PyTorch's order, fused where PyTorch's CPU kernels fuse (as <see cref="Adam{T}"/>).
/// The accumulator is <see cref="Optimizer{T}.State"/> <c>sum</c>.
/// </summary>
public sealed class Adagrad<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _sum;

    /// <summary>Creates the optimizer; arguments and defaults as <c>torch.optim.Adagrad</c> (<c>lr</c>, <c>lr_decay</c>,
    /// <c>weight_decay</c>, <c>initial_accumulator_value</c>, <c>eps</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Any argument negative, infinite or NaN.</exception>
    public Adagrad(IModel<T> model, double learningRate = 1e-2, double learningRateDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double epsilon = 1e-10)
        : base(model, learningRate)
    {
        CheckNonNegative(learningRateDecay, nameof(learningRateDecay));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        CheckNonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue));
        CheckNonNegative(epsilon, nameof(epsilon));
        LearningRateDecay = learningRateDecay;
        WeightDecay = weightDecay;
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = epsilon;
        _sum = AddState("sum");
        Array.Fill(_sum, T.CreateChecked(initialAccumulatorValue));
    }

    /// <summary>Decay of the learning rate: step <c>t</c> uses <c>lr / (1 + (t - 1) * learningRateDecay)</c>.</summary>
    public double LearningRateDecay { get; }

    /// <summary>L2 penalty added to the gradient as <c>weightDecay * p</c>.</summary>
    public double WeightDecay { get; }

    /// <summary>Starting value of every element of the squared-gradient accumulator.</summary>
    public double InitialAccumulatorValue { get; }

    /// <summary>Added to the denominator after the square root.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override void Update(Span<T> p, ReadOnlySpan<T> g)
    {
        // Iterations = t - 1 steps taken before this one.
        T negClr = T.CreateChecked(-(LearningRate / (1 + Iterations * LearningRateDecay)));
        T wd = T.CreateChecked(WeightDecay);
        T eps = T.CreateChecked(Epsilon);
        bool l2 = WeightDecay != 0;
        Span<T> sum = _sum.AsSpan(0, p.Length);
        for (int i = 0; i < p.Length; i++)
        {
            T d = g[i];
            if (l2) d = T.FusedMultiplyAdd(wd, p[i], d);                        // grad.add(param, alpha=wd)
            sum[i] = T.FusedMultiplyAdd(d, d, sum[i]);                          // state_sum.addcmul_(grad, grad, value=1)
            T std = T.Sqrt(sum[i]) + eps;                                       // state_sum.sqrt().add_(eps)
            p[i] += negClr * d / std;                                           // param.addcdiv_(grad, std, value=-clr)
        }
    }
}

/// <summary>
/// RMSprop exactly as PyTorch's <c>torch.optim.RMSprop</c> (https://pytorch.org/docs/stable/generated/torch.optim.RMSprop.html;
/// Hinton's lecture 6e, https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf, and the centered
/// variant of Graves, https://arxiv.org/abs/1308.0850). All buffers start at zero; each step:
/// <code>
/// g = grad + weightDecay * p                               (if weightDecay != 0)
/// v = alpha * v + (1 - alpha) * g * g
/// if centered: gAvg = alpha * gAvg + (1 - alpha) * g
///              avg = sqrt(v - gAvg * gAvg) + epsilon
/// else:        avg = sqrt(v) + epsilon                      (epsilon outside the root, unlike TensorFlow)
/// if momentum > 0: b = momentum * b + g / avg
///                  p = p - lr * b
/// else:            p = p - lr * g / avg
/// </code>
/// There is no bias correction: the average starts at zero, so the first steps are large (about <c>lr / sqrt(1 - alpha)</c>
/// per parameter). Tensor operations in <typeparamref name="T"/> in PyTorch's order, fused where PyTorch's CPU kernels
/// fuse (as <see cref="Adam{T}"/>). <see cref="Optimizer{T}.State"/> holds <c>square_avg</c> (v), <c>momentum_buffer</c>
/// (b, when momentum &gt; 0) and <c>grad_avg</c> (gAvg, when centered).
/// </summary>
public sealed class RmsProp<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _squareAvg, _momentumBuffer, _gradAvg;

    /// <summary>Creates the optimizer; arguments and defaults as <c>torch.optim.RMSprop</c> (<c>lr</c>, <c>alpha</c>,
    /// <c>eps</c>, <c>weight_decay</c>, <c>momentum</c>, <c>centered</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A learning rate, epsilon, weight decay or momentum that is negative,
    /// infinite or NaN, or an alpha outside [0, 1].</exception>
    public RmsProp(IModel<T> model, double learningRate = 1e-2, double alpha = 0.99, double epsilon = 1e-8, double weightDecay = 0,
        double momentum = 0, bool centered = false)
        : base(model, learningRate)
    {
        CheckRange(alpha, 0, 1, nameof(alpha));
        CheckNonNegative(epsilon, nameof(epsilon));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        CheckNonNegative(momentum, nameof(momentum));
        Alpha = alpha;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Momentum = momentum;
        Centered = centered;
        _squareAvg = AddState("square_avg");
        _momentumBuffer = momentum > 0 ? AddState("momentum_buffer") : [];
        _gradAvg = centered ? AddState("grad_avg") : [];
    }

    /// <summary>Smoothing constant of the running averages.</summary>
    public double Alpha { get; }

    /// <summary>Added to the denominator after the square root.</summary>
    public double Epsilon { get; }

    /// <summary>L2 penalty added to the gradient as <c>weightDecay * p</c>.</summary>
    public double WeightDecay { get; }

    /// <summary>Momentum factor of the buffer of scaled gradients (0: none).</summary>
    public double Momentum { get; }

    /// <summary>Whether the squared gradients' average is centered by subtracting the square of the gradients' average.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    protected override void Update(Span<T> p, ReadOnlySpan<T> g)
    {
        // Python floats (double), rounded to T where they meet a tensor, as PyTorch's _single_tensor_rmsprop.
        T alpha = T.CreateChecked(Alpha), oneMinusAlpha = T.CreateChecked(1 - Alpha);
        T eps = T.CreateChecked(Epsilon);
        T wd = T.CreateChecked(WeightDecay);
        T mu = T.CreateChecked(Momentum);
        T negLr = T.CreateChecked(-LearningRate);
        bool l2 = WeightDecay != 0, momentum = Momentum > 0;
        Span<T> v = _squareAvg.AsSpan(0, p.Length);
        Span<T> buf = momentum ? _momentumBuffer.AsSpan(0, p.Length) : default;
        Span<T> gAvg = Centered ? _gradAvg.AsSpan(0, p.Length) : default;
        for (int i = 0; i < p.Length; i++)
        {
            T d = g[i];
            if (l2) d = T.FusedMultiplyAdd(wd, p[i], d);                        // grad.add(param, alpha=wd)
            v[i] = T.FusedMultiplyAdd(oneMinusAlpha * d, d, v[i] * alpha);      // square_avg.mul_(a).addcmul_(grad, grad, value=1 - a)
            T avg;
            if (Centered)
            {
                gAvg[i] = T.FusedMultiplyAdd(oneMinusAlpha, d, gAvg[i] * alpha); // grad_avg.mul_(a).add_(grad, alpha=1 - a)
                avg = T.Sqrt(T.FusedMultiplyAdd(-gAvg[i], gAvg[i], v[i]));     // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
            }
            else
            {
                avg = T.Sqrt(v[i]);                                             // square_avg.sqrt()
            }
            avg += eps;                                                         // avg.add_(eps)
            if (momentum)
            {
                buf[i] = buf[i] * mu + d / avg;                                 // buf.mul_(momentum).addcdiv_(grad, avg)
                p[i] = T.FusedMultiplyAdd(buf[i], negLr, p[i]);                 // param.add_(buf, alpha=-lr)
            }
            else
            {
                p[i] += negLr * d / avg;                                        // param.addcdiv_(grad, avg, value=-lr)
            }
        }
    }
}

/// <summary>
/// Adadelta exactly as PyTorch's <c>torch.optim.Adadelta</c> (https://pytorch.org/docs/stable/generated/torch.optim.Adadelta.html;
/// Zeiler, https://arxiv.org/abs/1212.5701). Both averages start at zero; each step:
/// <code>
/// g = grad + weightDecay * p                               (if weightDecay != 0)
/// v = rho * v + (1 - rho) * g * g
/// delta = sqrt(u + epsilon) / sqrt(v + epsilon) * g        (epsilon inside both roots)
/// u = rho * u + (1 - rho) * delta * delta
/// p = p - lr * delta
/// </code>
/// The step's unit comes from the running average of past steps <c>u</c>, so the default learning rate is 1.
/// Tensor operations in <typeparamref name="T"/> in PyTorch's order, fused where PyTorch's CPU kernels fuse
/// (as <see cref="Adam{T}"/>). <see cref="Optimizer{T}.State"/> holds <c>square_avg</c> (v) and <c>acc_delta</c> (u).
/// </summary>
public sealed class Adadelta<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _squareAvg, _accDelta;

    /// <summary>Creates the optimizer; arguments and defaults as <c>torch.optim.Adadelta</c> (<c>lr</c>, <c>rho</c>,
    /// <c>eps</c>, <c>weight_decay</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A learning rate, epsilon or weight decay that is negative, infinite
    /// or NaN, or a rho outside [0, 1].</exception>
    public Adadelta(IModel<T> model, double learningRate = 1.0, double rho = 0.9, double epsilon = 1e-6, double weightDecay = 0)
        : base(model, learningRate)
    {
        CheckRange(rho, 0, 1, nameof(rho));
        CheckNonNegative(epsilon, nameof(epsilon));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        Rho = rho;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        _squareAvg = AddState("square_avg");
        _accDelta = AddState("acc_delta");
    }

    /// <summary>Decay rate of both running averages.</summary>
    public double Rho { get; }

    /// <summary>Added inside both square roots.</summary>
    public double Epsilon { get; }

    /// <summary>L2 penalty added to the gradient as <c>weightDecay * p</c>.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    protected override void Update(Span<T> p, ReadOnlySpan<T> g)
    {
        // Python floats (double), rounded to T where they meet a tensor, as PyTorch's _single_tensor_adadelta.
        T rho = T.CreateChecked(Rho), oneMinusRho = T.CreateChecked(1 - Rho);
        T eps = T.CreateChecked(Epsilon);
        T wd = T.CreateChecked(WeightDecay);
        T negLr = T.CreateChecked(-LearningRate);
        bool l2 = WeightDecay != 0;
        Span<T> v = _squareAvg.AsSpan(0, p.Length), u = _accDelta.AsSpan(0, p.Length);
        for (int i = 0; i < p.Length; i++)
        {
            T d = g[i];
            if (l2) d = T.FusedMultiplyAdd(wd, p[i], d);                        // grad.add(param, alpha=wd)
            v[i] = T.FusedMultiplyAdd(oneMinusRho * d, d, v[i] * rho);          // square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
            T std = T.Sqrt(v[i] + eps);                                         // square_avg.add(eps).sqrt_()
            T delta = T.Sqrt(u[i] + eps) / std * d;                             // acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
            u[i] = T.FusedMultiplyAdd(oneMinusRho * delta, delta, u[i] * rho);  // acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
            p[i] = T.FusedMultiplyAdd(delta, negLr, p[i]);                      // param.add_(delta, alpha=-lr)
        }
    }
}

/// <summary>
/// Adam exactly as PyTorch's <c>torch.optim.Adam</c> (https://pytorch.org/docs/stable/generated/torch.optim.Adam.html),
/// with its L2-style weight decay (added to the gradient, so it also enters the moments) and the AMSGrad variant.
/// Moments start at zero; for step <c>t = 1, 2, ...</c>:
/// <code>
/// g = grad + weightDecay * p                               (if weightDecay != 0)
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g * g
/// if amsGrad: vMax = max(vMax, v); s = vMax  else  s = v
/// denom = sqrt(s) / sqrt(1 - beta2^t) + epsilon           (epsilon after the bias correction)
/// p = p - (lr / (1 - beta1^t)) * m / denom
/// </code>
/// The bias corrections and the step size are computed in double, as PyTorch's single-tensor implementation
/// (<c>foreach=False</c>, 1.13's default), and every tensor operation in <typeparamref name="T"/> in PyTorch's order;
/// where PyTorch's CPU kernels (AVX2 build) fuse a multiply-add (<c>add</c> with <c>alpha</c>, <c>addcmul</c>), so
/// does this. On gradients given exactly, float32 trajectories equal PyTorch 1.13's bit for bit (tested).
/// </summary>
public sealed class Adam<T> : AdamBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer; arguments and defaults as <c>torch.optim.Adam</c> (<c>betas = (beta1, beta2)</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A learning rate, epsilon or weight decay that is negative, infinite
    /// or NaN, or a beta outside [0, 1).</exception>
    public Adam(IModel<T> model, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 0, bool amsGrad = false)
        : base(model, learningRate, beta1, beta2, epsilon, weightDecay, amsGrad, decoupled: false)
    {
    }
}

/// <summary>
/// AdamW exactly as PyTorch's <c>torch.optim.AdamW</c> (https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html):
/// Adam with decoupled weight decay, which shrinks the parameters directly and never enters the moments. Moments start
/// at zero; for step <c>t = 1, 2, ...</c>, with <c>g = grad</c>:
/// <code>
/// p = p * (1 - lr * weightDecay)
/// m = beta1 * m + (1 - beta1) * g
/// v = beta2 * v + (1 - beta2) * g * g
/// if amsGrad: vMax = max(vMax, v); s = vMax  else  s = v
/// denom = sqrt(s) / sqrt(1 - beta2^t) + epsilon           (epsilon after the bias correction)
/// p = p - (lr / (1 - beta1^t)) * m / denom
/// </code>
/// Scalars in double and tensor operations in <typeparamref name="T"/> in PyTorch's order, as <see cref="Adam{T}"/>.
/// </summary>
public sealed class AdamW<T> : AdamBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the optimizer; arguments and defaults as <c>torch.optim.AdamW</c> (<c>betas = (beta1, beta2)</c>,
    /// weight decay 0.01).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A learning rate, epsilon or weight decay that is negative, infinite
    /// or NaN, or a beta outside [0, 1).</exception>
    public AdamW(IModel<T> model, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8,
        double weightDecay = 1e-2, bool amsGrad = false)
        : base(model, learningRate, beta1, beta2, epsilon, weightDecay, amsGrad, decoupled: true)
    {
    }
}

/// <summary>Hyper-parameters, moment buffers and update rule shared by <see cref="Adam{T}"/> and <see cref="AdamW{T}"/>.</summary>
public abstract unsafe class AdamBase<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _m, _v, _vMax;
    private readonly bool _decoupled;

    /// <summary>Validates the hyper-parameters and allocates the moment buffers.</summary>
    private protected AdamBase(IModel<T> model, double learningRate, double beta1, double beta2, double epsilon, double weightDecay,
        bool amsGrad, bool decoupled)
        : base(model, learningRate)
    {
        CheckBeta(beta1, nameof(beta1), 0);
        CheckBeta(beta2, nameof(beta2), 1);
        CheckNonNegative(epsilon, nameof(epsilon));
        CheckNonNegative(weightDecay, nameof(weightDecay));
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        AmsGrad = amsGrad;
        _decoupled = decoupled;
        _m = AddState("exp_avg");
        _v = AddState("exp_avg_sq");
        _vMax = amsGrad ? AddState("max_exp_avg_sq") : [];
    }

    /// <summary>Decay rate of the first moment (PyTorch's <c>betas[0]</c>).</summary>
    public double Beta1 { get; }

    /// <summary>Decay rate of the second moment (PyTorch's <c>betas[1]</c>).</summary>
    public double Beta2 { get; }

    /// <summary>Added to the denominator after the square root and its bias correction.</summary>
    public double Epsilon { get; }

    /// <summary>
    /// Weight decay: Adam adds <c>weightDecay * p</c> to the gradient before the moments; AdamW multiplies the
    /// parameters by <c>1 - lr * weightDecay</c> each step instead.
    /// </summary>
    public double WeightDecay { get; }

    /// <summary>Whether the AMSGrad variant (maximum of the second moments) is used.</summary>
    public bool AmsGrad { get; }

    /// <inheritdoc/>
    protected override void Update(Span<T> p, ReadOnlySpan<T> g) => Update(p, g, Iterations + 1, LearningRate, _decoupled);

    /// <summary>Step <paramref name="t"/> (from 1) of Adam, or of AdamW if <paramref name="decoupled"/>.</summary>
    private void Update(Span<T> p, ReadOnlySpan<T> g, long t, double lr, bool decoupled)
    {
        // Scalars as PyTorch's _single_tensor_adam(w): Python floats (double), rounded to T where they meet a tensor.
        double biasCorrection1 = 1 - Math.Pow(Beta1, t);
        double biasCorrection2 = 1 - Math.Pow(Beta2, t);
        T negStepSize = T.CreateChecked(-(lr / biasCorrection1));
        T biasCorrection2Sqrt = T.CreateChecked(Math.Sqrt(biasCorrection2));
        T beta1 = T.CreateChecked(Beta1), oneMinusBeta1 = T.CreateChecked(1 - Beta1);
        T beta2 = T.CreateChecked(Beta2), oneMinusBeta2 = T.CreateChecked(1 - Beta2);
        T eps = T.CreateChecked(Epsilon);
        T wd = T.CreateChecked(WeightDecay);
        T decay = T.CreateChecked(1 - lr * WeightDecay);
        bool l2 = !decoupled && WeightDecay != 0, shrink = decoupled && WeightDecay != 0;
        fixed (T* pp = p, pg = g, pm = _m, pv = _v, pvMax = _vMax)
        {
            var update = new AdamUpdate
            {
                P = pp, G = pg, M = pm, V = pv, VMax = pvMax, NegStepSize = negStepSize, BiasCorrection2Sqrt = biasCorrection2Sqrt,
                Beta1 = beta1, OneMinusBeta1 = oneMinusBeta1, Beta2 = beta2, OneMinusBeta2 = oneMinusBeta2, Eps = eps, Wd = wd,
                Decay = decay, L2 = l2, Shrink = shrink, AmsGrad = AmsGrad,
            };
            Elementwise(ref update, p.Length);
        }
    }

    /// <summary>The update of elements <c>[start, end)</c>: vectors, then the same operations in scalar code, in PyTorch's order.</summary>
    private unsafe struct AdamUpdate : IElementwiseUpdate
    {
        public T* P, G, M, V, VMax;
        public T NegStepSize, BiasCorrection2Sqrt, Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, Eps, Wd, Decay;
        public bool L2, Shrink, AmsGrad;

        public readonly void Update(int start, int end)
        {
            int i = start;
            if (Vector512.IsHardwareAccelerated) i = Vectors<Vector512<T>, Simd512<T>>(start, end);
            else if (Vector256.IsHardwareAccelerated) i = Vectors<Vector256<T>, Simd256<T>>(start, end);
            else if (Vector128.IsHardwareAccelerated) i = Vectors<Vector128<T>, Simd128<T>>(start, end);
            for (; i < end; i++)
            {
                T d = G[i];
                if (L2) d = T.FusedMultiplyAdd(Wd, P[i], d);                        // grad.add(param, alpha=wd)
                if (Shrink) P[i] *= Decay;                                          // param.mul_(1 - lr * wd)
                M[i] = T.FusedMultiplyAdd(OneMinusBeta1, d, M[i] * Beta1);          // exp_avg.mul_(b1).add_(grad, alpha=1 - b1)
                V[i] = T.FusedMultiplyAdd(OneMinusBeta2 * d, d, V[i] * Beta2);      // exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1 - b2)
                T s = V[i];
                if (AmsGrad) s = VMax[i] = T.Max(VMax[i], s);                       // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=...)
                T denom = T.Sqrt(s) / BiasCorrection2Sqrt + Eps;                    // (s.sqrt() / bias_correction2_sqrt).add_(eps)
                P[i] += NegStepSize * M[i] / denom;                                 // param.addcdiv_(exp_avg, denom, value=-step_size)
            }
        }

        /// <summary>The scalar loop's operations lane by lane: fused where it fuses, separately rounded where it does not.</summary>
        private readonly int Vectors<TV, S>(int start, int end) where TV : struct where S : ISimd<TV, T>
        {
            TV negStep = S.Broadcast(NegStepSize), bc2 = S.Broadcast(BiasCorrection2Sqrt), b1 = S.Broadcast(Beta1), omb1 = S.Broadcast(OneMinusBeta1);
            TV b2 = S.Broadcast(Beta2), omb2 = S.Broadcast(OneMinusBeta2), eps = S.Broadcast(Eps), wd = S.Broadcast(Wd), decay = S.Broadcast(Decay);
            int i = start;
            for (; i + S.Count <= end; i += S.Count)
            {
                TV p = S.Load(P + i), d = S.Load(G + i);
                if (L2) d = S.Fma(wd, p, d);
                if (Shrink) p = S.Multiply(p, decay);
                TV m = S.Fma(omb1, d, S.Multiply(S.Load(M + i), b1));
                TV v = S.Fma(S.Multiply(omb2, d), d, S.Multiply(S.Load(V + i), b2));
                S.Store(M + i, m);
                S.Store(V + i, v);
                TV s = v;
                if (AmsGrad)
                {
                    s = S.Max(S.Load(VMax + i), s);
                    S.Store(VMax + i, s);
                }
                TV denom = S.Add(S.Divide(S.Sqrt(s), bc2), eps);
                S.Store(P + i, S.Add(p, S.Divide(S.Multiply(negStep, m), denom)));
            }
            return i;
        }
    }

    private static void CheckBeta(double value, string name, int index)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} in [0, 1) (PyTorch's betas[{index}]).");
    }
}
