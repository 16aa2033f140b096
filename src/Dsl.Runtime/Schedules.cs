using System;
using System.Collections.Generic;

namespace Dsl.Runtime;

/// <summary>
/// Learning-rate schedules: plain functions from the number of optimizer steps taken so far to the learning rate of the
/// next step.
/// </summary>
/// <remarks>
/// <para>
/// A schedule is a <c>Func&lt;long, double&gt;</c> of <c>step</c> = <see cref="Optimizer{T}.Iterations"/> (0 before the
/// first step). A training loop sets <c>optimizer.LearningRate = schedule(optimizer.Iterations)</c> before each step, so
/// the first step uses the initial rate. This is the <c>step</c> Keras passes to a <c>LearningRateSchedule</c>, and
/// PyTorch's <c>last_epoch</c> when a <c>torch.optim.lr_scheduler</c> is stepped after every optimizer step (rather than
/// every epoch). To decay once an epoch, give the step counts in steps: <c>decaySteps = stepsPerEpoch</c>.
/// </para>
/// <para>
/// Every schedule validates its arguments when created (an <see cref="ArgumentOutOfRangeException"/> or
/// <see cref="ArgumentException"/> naming the argument, what was expected and what was found) and throws
/// <see cref="ArgumentOutOfRangeException"/> for a negative step. Evaluating a schedule allocates nothing.
/// Ordered from the simplest to the most elaborate.
/// </para>
/// </remarks>
public static class Schedules
{
    /// <summary>
    /// Piecewise-constant rate, as Keras' <c>PiecewiseConstantDecay(boundaries, values)</c>
    /// (https://keras.io/api/optimizers/learning_rate_schedules/piecewise_constant_decay/): with boundaries
    /// <c>b[0] &lt; b[1] &lt; ... &lt; b[n-1]</c> and <c>n + 1</c> values,
    /// <code>
    /// lr(step) = values[0]   if step &lt;= b[0]
    ///            values[i]   if b[i-1] &lt; step &lt;= b[i]
    ///            values[n]   if step &gt; b[n-1]
    /// </code>
    /// PyTorch's <c>MultiStepLR(milestones, gamma)</c> is the case <c>b[i] = milestones[i] - 1</c>,
    /// <c>values[i] = lr0 * gamma^i</c>.
    /// </summary>
    /// <param name="boundaries">Strictly increasing, non-negative step counts; copied.</param>
    /// <param name="values">One more rate than there are boundaries, each finite and non-negative; copied.</param>
    /// <exception cref="ArgumentNullException">A null list.</exception>
    /// <exception cref="ArgumentException">Boundaries that are negative or not strictly increasing, a count of values other
    /// than <c>boundaries.Count + 1</c>, or a value that is negative, infinite or NaN.</exception>
    public static Func<long, double> PiecewiseConstant(IReadOnlyList<long> boundaries, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != boundaries.Count + 1)
            throw new ArgumentException($"Expected one more value than boundaries ({boundaries.Count + 1} for {boundaries.Count} boundaries), got {values.Count} values.", nameof(values));
        long[] b = [.. boundaries];
        double[] v = [.. values];
        for (int i = 0; i < b.Length; i++)
        {
            if (b[i] < 0 || (i > 0 && b[i] <= b[i - 1]))
                throw new ArgumentException($"Expected non-negative, strictly increasing boundaries, got {b[i]} at index {i}{(i > 0 ? $" after {b[i - 1]}" : "")}.", nameof(boundaries));
        }
        for (int i = 0; i < v.Length; i++)
        {
            if (!IsRate(v[i]))
                throw new ArgumentException($"Expected finite, non-negative learning rates, got {v[i]} at index {i}.", nameof(values));
        }
        return step =>
        {
            CheckStep(step);
            int i = 0;
            while (i < b.Length && step > b[i]) i++;
            return v[i];
        };
    }

    /// <summary>
    /// Step decay, as PyTorch's <c>StepLR(step_size, gamma)</c>
    /// (https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html) stepped once per optimizer step:
    /// <code>
    /// lr(step) = initial * gamma^floor(step / stepSize)
    /// </code>
    /// </summary>
    /// <param name="initial">Rate of the first <paramref name="stepSize"/> steps; finite, non-negative.</param>
    /// <param name="stepSize">Steps between two multiplications by <paramref name="gamma"/>; at least 1.</param>
    /// <param name="gamma">Factor applied every <paramref name="stepSize"/> steps (PyTorch's default 0.1); finite, non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument outside the range given above.</exception>
    public static Func<long, double> Step(double initial, long stepSize, double gamma = 0.1)
    {
        CheckRate(initial, nameof(initial));
        CheckSteps(stepSize, nameof(stepSize));
        if (!IsRate(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, $"Expected a finite, non-negative gamma, got {gamma}.");
        return step =>
        {
            CheckStep(step);
            return initial * Math.Pow(gamma, step / stepSize);
        };
    }

    /// <summary>
    /// Exponential decay, as Keras' <c>ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase)</c>
    /// (https://keras.io/api/optimizers/learning_rate_schedules/exponential_decay/):
    /// <code>
    /// e = step / decaySteps                      (real division; floor(step / decaySteps) if staircase)
    /// lr(step) = initial * decayRate^e
    /// </code>
    /// With <c>decaySteps = 1</c> this is PyTorch's <c>ExponentialLR(gamma: decayRate)</c>. Seed 003's example, decaying by
    /// 0.9 once an epoch of 2 steps, is <c>Exponential(0.1, 2, 0.9, staircase: true)</c>: 0.1, 0.1, 0.09, 0.09, 0.081, 0.081.
    /// </summary>
    /// <param name="initial">Rate of step 0; finite, non-negative.</param>
    /// <param name="decaySteps">Steps over which the rate is multiplied by <paramref name="decayRate"/>; at least 1.</param>
    /// <param name="decayRate">Factor per <paramref name="decaySteps"/> steps; finite, positive (above 1 the rate grows).</param>
    /// <param name="staircase">Whether the rate changes only every <paramref name="decaySteps"/> steps.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument outside the range given above.</exception>
    public static Func<long, double> Exponential(double initial, long decaySteps, double decayRate, bool staircase = false)
    {
        CheckRate(initial, nameof(initial));
        CheckSteps(decaySteps, nameof(decaySteps));
        if (!(decayRate > 0) || double.IsInfinity(decayRate))
            throw new ArgumentOutOfRangeException(nameof(decayRate), decayRate, $"Expected a finite, positive decayRate, got {decayRate}.");
        return step =>
        {
            CheckStep(step);
            double e = staircase ? step / decaySteps : (double)step / decaySteps;
            return initial * Math.Pow(decayRate, e);
        };
    }

    /// <summary>
    /// Inverse-time decay per step, as Keras' legacy <c>decay</c> argument of its optimizers (seed 000's
    /// <c>SGD(lr=0.05, decay=1e-6)</c>):
    /// <code>
    /// lr(step) = initial / (1 + decay * step)
    /// </code>
    /// (Keras' <c>InverseTimeDecay(initial, decay_steps: 1, decay_rate: decay)</c>.)
    /// </summary>
    /// <param name="initial">Rate of step 0; finite, non-negative.</param>
    /// <param name="decay">Decay per step; finite, non-negative.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument outside the range given above.</exception>
    public static Func<long, double> InverseTime(double initial, double decay)
    {
        CheckRate(initial, nameof(initial));
        if (!IsRate(decay)) throw new ArgumentOutOfRangeException(nameof(decay), decay, $"Expected a finite, non-negative decay, got {decay}.");
        return step =>
        {
            CheckStep(step);
            return initial / (1 + decay * step);
        };
    }

    /// <summary>
    /// Polynomial decay from <paramref name="initial"/> to <paramref name="end"/> over <paramref name="decaySteps"/> steps,
    /// then constant, as Keras' <c>PolynomialDecay(initial_learning_rate, decay_steps, end_learning_rate, power)</c> with
    /// <c>cycle=False</c> (https://keras.io/api/optimizers/learning_rate_schedules/polynomial_decay/):
    /// <code>
    /// s = min(step, decaySteps)
    /// lr(step) = (initial - end) * (1 - s / decaySteps)^power + end
    /// </code>
    /// With <c>end = 0</c> this is PyTorch's <c>PolynomialLR(total_iters: decaySteps, power)</c>. Defaults as Keras'
    /// (<c>end = 1e-4</c>, <c>power = 1</c>: linear).
    /// </summary>
    /// <param name="initial">Rate of step 0; finite, non-negative.</param>
    /// <param name="decaySteps">Steps to reach <paramref name="end"/>; at least 1.</param>
    /// <param name="end">Rate from step <paramref name="decaySteps"/> on; finite, non-negative (may exceed <paramref name="initial"/>).</param>
    /// <param name="power">Exponent of the decay; finite, positive.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument outside the range given above.</exception>
    public static Func<long, double> Polynomial(double initial, long decaySteps, double end = 1e-4, double power = 1)
    {
        CheckRate(initial, nameof(initial));
        CheckSteps(decaySteps, nameof(decaySteps));
        CheckRate(end, nameof(end));
        if (!(power > 0) || double.IsInfinity(power))
            throw new ArgumentOutOfRangeException(nameof(power), power, $"Expected a finite, positive power, got {power}.");
        return step =>
        {
            CheckStep(step);
            double s = Math.Min(step, decaySteps);
            return (initial - end) * Math.Pow(1 - s / decaySteps, power) + end;
        };
    }

    /// <summary>
    /// Cosine decay from <paramref name="initial"/> to the floor <c>alpha * initial</c> over <paramref name="decaySteps"/>
    /// steps, then constant, as Keras' <c>CosineDecay(initial_learning_rate, decay_steps, alpha)</c> (without warm-up;
    /// https://keras.io/api/optimizers/learning_rate_schedules/cosine_decay/):
    /// <code>
    /// s = min(step, decaySteps)
    /// lr(step) = initial * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decaySteps)) + alpha)
    /// </code>
    /// For <c>step &lt;= decaySteps</c> this is PyTorch's <c>CosineAnnealingLR(T_max: decaySteps, eta_min: alpha * initial)</c>;
    /// after that PyTorch's rate climbs back up a cosine of period <c>2 * decaySteps</c>, while this one, as Keras', stays at
    /// the floor.
    /// </summary>
    /// <param name="initial">Rate of step 0; finite, non-negative.</param>
    /// <param name="decaySteps">Steps to reach the floor; at least 1.</param>
    /// <param name="alpha">The floor as a fraction of <paramref name="initial"/>, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument outside the range given above.</exception>
    public static Func<long, double> Cosine(double initial, long decaySteps, double alpha = 0)
    {
        CheckRate(initial, nameof(initial));
        CheckSteps(decaySteps, nameof(decaySteps));
        if (!(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"Expected alpha (the floor as a fraction of the initial rate) in [0, 1], got {alpha}.");
        return step =>
        {
            CheckStep(step);
            double s = Math.Min(step, decaySteps);
            return initial * ((1 - alpha) * 0.5 * (1 + Math.Cos(Math.PI * s / decaySteps)) + alpha);
        };
    }

    private static bool IsRate(double value) => value >= 0 && !double.IsInfinity(value);

    private static void CheckRate(double value, string name)
    {
        if (!IsRate(value))
            throw new ArgumentOutOfRangeException(name, value, $"Expected a finite, non-negative {name} learning rate, got {value}.");
    }

    private static void CheckSteps(long value, string name)
    {
        if (value < 1)
            throw new ArgumentOutOfRangeException(name, value, $"Expected {name} of at least 1 step, got {value}.");
    }

    private static void CheckStep(long step)
    {
        if (step < 0)
            throw new ArgumentOutOfRangeException(nameof(step), step, $"Expected a step count (optimizer.Iterations) of at least 0, got {step}.");
    }
}
