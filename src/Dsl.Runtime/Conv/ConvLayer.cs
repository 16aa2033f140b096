using Dsl;

namespace Dsl.Runtime;

/// <summary>
/// The geometry and activation of one convolution layer as compile-time constants. The generator emits a struct
/// implementing this interface for every <c>[Conv]</c> layer and passes it as a type argument to <see cref="ConvKernels"/>:
/// the JIT then compiles the kernels once per layer with every size a constant (loop bounds, strides, which code path to
/// take, which activation to fuse).
/// </summary>
/// <remarks>Maps are <c>[channels, height, width]</c> row-major, one sample after another, as in PyTorch.</remarks>
public interface IConvLayer
{
    /// <summary>Input channels <c>C</c>.</summary>
    static abstract int InChannels { get; }

    /// <summary>Input height <c>H</c>.</summary>
    static abstract int InHeight { get; }

    /// <summary>Input width <c>W</c>.</summary>
    static abstract int InWidth { get; }

    /// <summary>Output channels (filters) <c>F</c>.</summary>
    static abstract int OutChannels { get; }

    /// <summary>Side <c>k</c> of the square kernel.</summary>
    static abstract int Kernel { get; }

    /// <summary>Step between windows.</summary>
    static abstract int Stride { get; }

    /// <summary>Zero rows added above the input; the rest of the total padding goes below.</summary>
    static abstract int PadTop { get; }

    /// <summary>Zero columns added left of the input; the rest goes right.</summary>
    static abstract int PadLeft { get; }

    /// <summary>Output height.</summary>
    static abstract int OutHeight { get; }

    /// <summary>Output width.</summary>
    static abstract int OutWidth { get; }

    /// <summary>The activation applied to <c>W * x + b</c>.</summary>
    static abstract Act Activation { get; }
}
