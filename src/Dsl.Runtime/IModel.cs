using System;
using System.Collections.Generic;
using System.Numerics;

namespace Dsl.Runtime;

/// <summary>
/// What every generated model offers: its sizes, its flat parameter and gradient buffers, and batched inference.
/// Generated classes implement it explicitly beside their <c>const</c> members, so runtime code (optimizers,
/// training loops, checkpoints) works on any model.
/// </summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>, as the model's <c>[Precision]</c> says.</typeparam>
public interface IModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of values in one input sample.</summary>
    int InputSize { get; }

    /// <summary>Number of values in one output sample.</summary>
    int OutputSize { get; }

    /// <summary>Number of trainable parameters.</summary>
    int ParameterCount { get; }

    /// <summary>All parameters in one contiguous buffer, layers in declaration order, each layer's weight then bias.</summary>
    Span<T> Parameters { get; }

    /// <summary>The gradient of the last <c>TrainStep</c>, laid out exactly like <see cref="Parameters"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>Name, shape and offset of every tensor in <see cref="Parameters"/>.</summary>
    IReadOnlyList<TensorInfo> ParameterLayout { get; }

    /// <summary>Runs inference on a whole batch: <c>input.Length / InputSize</c> samples.</summary>
    void Forward(ReadOnlySpan<T> input, Span<T> output);
}

/// <summary>A model declared with a <c>[Loss]</c>: it can compute its loss and gradient.</summary>
public interface ITrainable<T> : IModel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Forward, loss and backward on a batch; returns the batch-mean loss and writes its gradient into <see cref="IModel{T}.Gradients"/>.</summary>
    T TrainStep(ReadOnlySpan<T> input, ReadOnlySpan<T> target);

    /// <summary>As <see cref="TrainStep(ReadOnlySpan{T}, ReadOnlySpan{T})"/> with integer class labels (one-hot targets; for a single output, the label itself).</summary>
    T TrainStep(ReadOnlySpan<T> input, ReadOnlySpan<int> labels);
}

/// <summary>One tensor of a model's parameter buffer.</summary>
/// <param name="Name">PyTorch-style name, for example <c>L1.weight</c>.</param>
/// <param name="Shape">Its dimensions, for example <c>[out, in]</c> for a Dense weight.</param>
/// <param name="Offset">Index of its first element in <see cref="IModel{T}.Parameters"/>.</param>
public sealed record TensorInfo(string Name, int[] Shape, int Offset)
{
    /// <summary>Number of elements.</summary>
    public int Length
    {
        get
        {
            int length = 1;
            foreach (int d in Shape) length *= d;
            return length;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join(", ", Shape)}] @ {Offset}";
}
