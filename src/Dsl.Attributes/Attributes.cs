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
