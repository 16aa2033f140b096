using System;
using System.Numerics;

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

    /// <summary>Number of steps taken so far.</summary>
    public long Iterations { get; private set; }

    /// <summary>Updates the model's parameters from its current gradients.</summary>
    public void Step()
    {
        Update(Model.Parameters, Model.Gradients);
        Iterations++;
    }

    /// <summary>The update rule: <paramref name="p"/> and <paramref name="g"/> have the same layout.</summary>
    protected abstract void Update(Span<T> p, ReadOnlySpan<T> g);

    /// <summary>Throws unless <paramref name="value"/> lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    protected static void CheckRange(double value, double min, double max, string name)
    {
        if (!(value >= min && value <= max))
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} in [{min}, {max}].");
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
public sealed class Sgd<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
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
        _momentumBuffer = momentum != 0 ? new T[model.ParameterCount] : [];
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
        bool first = Iterations == 0;
        Span<T> buf = _momentumBuffer;
        for (int i = 0; i < p.Length; i++)
        {
            T d = g[i];
            if (WeightDecay != 0) d += wd * p[i];
            if (Momentum != 0)
            {
                buf[i] = first ? d : buf[i] * mu + oneMinusDampening * d;
                d = Nesterov ? d + mu * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }
}
