using System;

namespace Dsl
{
    /// <summary>
    /// Declares the shape of one input sample: <c>(features)</c> for flat data or <c>(channels, height, width)</c> for images.
    /// Must be the first layer attribute of a model class.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class InputAttribute : Attribute
    {
        /// <summary>Declares the input shape.</summary>
        /// <param name="shape">The dimensions of one sample, each positive.</param>
        public InputAttribute(params int[] shape) => Shape = shape;

        /// <summary>The dimensions of one sample.</summary>
        public int[] Shape { get; }
    }

    /// <summary>A fully connected layer: <c>y = act(W x + b)</c> with <c>W</c> of shape <c>[units, inputs]</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DenseAttribute : Attribute
    {
        /// <summary>Declares a fully connected layer.</summary>
        /// <param name="units">Number of output units, positive.</param>
        /// <param name="act">The activation applied to the output.</param>
        public DenseAttribute(int units, Act act = Act.Linear)
        {
            Units = units;
            Activation = act;
        }

        /// <summary>Number of output units.</summary>
        public int Units { get; }

        /// <summary>The activation applied to the output.</summary>
        public Act Activation { get; }

        /// <summary>
        /// L2 weight penalty as in Keras' <c>l2(λ)</c>: adds <c>λ * sum(W²)</c> to the batch-mean loss, so <c>2λW</c> to the
        /// weight gradient. Biases are not penalised. Zero (the default) disables it.
        /// </summary>
        public double L2 { get; set; }

        /// <summary>How the weights are initialised. Defaults to <see cref="Dsl.Init.GlorotUniform"/>.</summary>
        public Init Init { get; set; }
    }

    /// <summary>The loss the model is trained on. Without it, a model has <c>Forward</c> only.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class LossAttribute : Attribute
    {
        /// <summary>Declares the training loss.</summary>
        public LossAttribute(Loss loss) => Loss = loss;

        /// <summary>The training loss.</summary>
        public Loss Loss { get; }
    }

    /// <summary>Chooses the floating-point type of a model; without it a model computes in <c>float</c>.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class PrecisionAttribute : Attribute
    {
        /// <summary>Chooses the floating-point type.</summary>
        public PrecisionAttribute(Precision precision) => Precision = precision;

        /// <summary>The floating-point type.</summary>
        public Precision Precision { get; }
    }
}

namespace Dsl
{
    /// <summary>
    /// Reshapes a <c>(channels, height, width)</c> feature map into a flat vector of <c>channels * height * width</c> values,
    /// channel-major as PyTorch's <c>nn.Flatten</c>. The memory layout does not change, so it costs nothing.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class FlattenAttribute : Attribute
    {
    }
}

namespace Dsl
{
    /// <summary>
    /// A 2-D convolution over a <c>(channels, height, width)</c> map: <c>filters</c> kernels of <c>kernel x kernel</c>, weight
    /// <c>[filters, channels, kernel, kernel]</c> and bias <c>[filters]</c> as PyTorch's <c>nn.Conv2d</c>.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class ConvAttribute : Attribute
    {
        /// <summary>Declares a convolution.</summary>
        /// <param name="filters">Number of output channels, positive.</param>
        /// <param name="kernel">Side of the square kernel, positive.</param>
        /// <param name="act">The activation applied to the output.</param>
        public ConvAttribute(int filters, int kernel, Act act = Act.Linear)
        {
            Filters = filters;
            Kernel = kernel;
            Activation = act;
        }

        /// <summary>Number of output channels.</summary>
        public int Filters { get; }

        /// <summary>Side of the square kernel.</summary>
        public int Kernel { get; }

        /// <summary>The activation applied to the output.</summary>
        public Act Activation { get; }

        /// <summary>Step between windows, in both directions. Defaults to 1.</summary>
        public int Stride { get; set; } = 1;

        /// <summary>Border treatment. Defaults to <see cref="Dsl.Padding.Valid"/>.</summary>
        public Padding Padding { get; set; }

        /// <summary>How the weights are initialised (fan_in = channels·k², fan_out = filters·k²). Defaults to Glorot uniform.</summary>
        public Init Init { get; set; }

        /// <summary>L2 weight penalty <c>λ·ΣW²</c> added to the loss, as <see cref="DenseAttribute.L2"/>.</summary>
        public double L2 { get; set; }
    }

    /// <summary>Max pooling: the largest value of each <c>size x size</c> window, per channel (ties: the first, as PyTorch).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MaxPoolAttribute : Attribute
    {
        /// <summary>Declares max pooling.</summary>
        /// <param name="size">Side of the square window, positive.</param>
        public MaxPoolAttribute(int size) => Size = size;

        /// <summary>Side of the square window.</summary>
        public int Size { get; }

        /// <summary>Step between windows; defaults to <see cref="Size"/>. Rows and columns that do not fill a window are dropped.</summary>
        public int Stride { get; set; }
    }

    /// <summary>Average pooling: the mean of each <c>size x size</c> window, per channel.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class AvgPoolAttribute : Attribute
    {
        /// <summary>Declares average pooling.</summary>
        /// <param name="size">Side of the square window, positive.</param>
        public AvgPoolAttribute(int size) => Size = size;

        /// <summary>Side of the square window.</summary>
        public int Size { get; }

        /// <summary>Step between windows; defaults to <see cref="Size"/>. Rows and columns that do not fill a window are dropped.</summary>
        public int Stride { get; set; }
    }

    /// <summary>
    /// Inverted dropout: during <c>TrainStep</c> each value is zeroed with probability <c>rate</c> and the others are scaled by
    /// <c>1 / (1 - rate)</c>; <c>Forward</c> passes values through unchanged. Masks come from a seeded generator.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class DropoutAttribute : Attribute
    {
        /// <summary>Declares dropout.</summary>
        /// <param name="rate">Probability of dropping a value, in [0, 1).</param>
        public DropoutAttribute(double rate) => Rate = rate;

        /// <summary>Probability of dropping a value.</summary>
        public double Rate { get; }
    }
}
