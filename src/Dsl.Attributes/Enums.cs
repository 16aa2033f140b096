namespace Dsl
{
    /// <summary>The activation function a layer applies to its output.</summary>
    public enum Act
    {
        /// <summary>Identity: <c>y = z</c>.</summary>
        Linear = 0,
        /// <summary>Logistic sigmoid: <c>y = 1 / (1 + exp(-z))</c>.</summary>
        Sigmoid = 1,
        /// <summary>Hyperbolic tangent: <c>y = tanh(z)</c>.</summary>
        Tanh = 2,
        /// <summary>Rectified linear unit: <c>y = max(z, 0)</c>.</summary>
        ReLU = 3,
        /// <summary>Softplus: <c>y = log(1 + exp(z))</c>.</summary>
        Softplus = 4,
        /// <summary>Softmax over the layer's units: <c>y_i = exp(z_i) / sum_j exp(z_j)</c>.</summary>
        Softmax = 5,
    }

    /// <summary>The loss a model is trained on. <c>TrainStep</c> returns it averaged over the samples of the batch.</summary>
    public enum Loss
    {
        /// <summary>Per sample <c>(1/K) * sum_i (y_i - t_i)^2</c> over the K outputs (PyTorch <c>MSELoss</c>, Keras <c>mean_squared_error</c>).</summary>
        MeanSquaredError = 0,
        /// <summary>Per sample <c>sum_i (y_i - t_i)^2</c> over the outputs (the sum-of-squares error of seed 000).</summary>
        SumSquaredError = 1,
        /// <summary>Per sample <c>-sum_i t_i * log(p_i)</c>; needs a Softmax output layer, computed from its logits with log-sum-exp.</summary>
        CrossEntropy = 2,
        /// <summary>Per sample <c>-(1/K) * sum_i [t_i * log(p_i) + (1 - t_i) * log(1 - p_i)]</c>; needs a Sigmoid output layer, computed from its logits.</summary>
        BinaryCrossEntropy = 3,
        /// <summary>
        /// Per sample <c>0.5 * sum_i (y_i - t_i)^2</c> over the outputs (seed 001's <c>0.5 * np.sum((y - t) ** 2)</c>); its gradient
        /// is <c>y - t</c>. Any output activation. PyTorch: <c>0.5 * F.mse_loss(y, t, reduction='sum') / batch</c>.
        /// </summary>
        HalfSumSquaredError = 4,
        /// <summary>
        /// Kullback-Leibler divergence as Keras' <c>kl_divergence</c>: per sample <c>sum_i t'_i * log(t'_i / p'_i)</c> with
        /// <c>t' = clip(t, 1e-7, 1)</c> and <c>p' = clip(p, 1e-7, 1)</c>. Needs probabilities: a Softmax output layer (a Sigmoid
        /// one is accepted with warning DSL019). PyTorch: <c>F.kl_div(log(p'), t', reduction='batchmean')</c>.
        /// </summary>
        KLDivergence = 5,
        /// <summary>
        /// Huber loss with <c>delta = 1</c>, the mean over the K outputs: per sample <c>(1/K) * sum_i h(y_i - t_i)</c>,
        /// <c>h(e) = 0.5 * e^2</c> for <c>|e| &lt;= 1</c>, else <c>|e| - 0.5</c>. Any output activation.
        /// PyTorch <c>HuberLoss(delta=1.0)</c>, Keras <c>Huber(delta=1.0)</c>.
        /// </summary>
        Huber = 6,
        /// <summary>
        /// Hinge loss as Keras' <c>hinge</c>: per sample <c>(1/K) * sum_i max(0, 1 - t_i * y_i)</c>, targets in {-1, 1}; a target of
        /// exactly 0 is read as -1, so 0/1 targets (and the integer-label overload of <c>TrainStep</c>) work as Keras converts them.
        /// Needs a Linear or Tanh output layer.
        /// </summary>
        Hinge = 7,
        /// <summary>
        /// Negative log-likelihood of probabilities: per sample <c>-sum_i t_i * log(max(p_i, 1e-7))</c>, which is <c>-log p[label]</c>
        /// for a one-hot target (seed 001's log-likelihood; PyTorch <c>F.nll_loss(log(p.clamp(min=1e-7)), labels)</c>). Needs a
        /// Softmax output layer (a Sigmoid one is accepted with warning DSL019). Unlike <see cref="CrossEntropy"/>, which is fused
        /// with the softmax and computed from the logits, it reads the probabilities themselves, clips them at 1e-7 and
        /// back-propagates <c>-t / p</c> through the softmax.
        /// </summary>
        NegativeLogLikelihood = 8,
    }

    /// <summary>How a layer's weights are initialised (biases always start at zero).</summary>
    public enum Init
    {
        /// <summary>Glorot (Xavier) uniform: <c>U(-a, a)</c>, <c>a = sqrt(6 / (fan_in + fan_out))</c>. Keras' default.</summary>
        GlorotUniform = 0,
        /// <summary>Glorot (Xavier) normal: <c>N(0, sqrt(2 / (fan_in + fan_out)))</c>.</summary>
        GlorotNormal = 1,
        /// <summary>He (Kaiming) uniform: <c>U(-a, a)</c>, <c>a = sqrt(6 / fan_in)</c>.</summary>
        HeUniform = 2,
        /// <summary>He (Kaiming) normal: <c>N(0, sqrt(2 / fan_in))</c>.</summary>
        HeNormal = 3,
        /// <summary>LeCun normal: <c>N(0, 1 / sqrt(fan_in))</c>, i.e. <c>randn / sqrt(fan_in)</c> as seed 002 initialises.</summary>
        LeCunNormal = 4,
        /// <summary>
        /// Plain normal: <c>N(0, 0.05)</c> whatever the fans; Keras' <c>RandomNormal()</c> default and Keras 1's
        /// <c>init='normal'</c>, which seed 000's CNN uses for its Dense layers.
        /// </summary>
        Normal = 5,
    }

    /// <summary>The floating-point type a model computes in.</summary>
    public enum Precision
    {
        /// <summary><c>float</c> (the default).</summary>
        Single = 0,
        /// <summary><c>double</c>: for gradient checking and numerically delicate work.</summary>
        Double = 1,
    }
}

namespace Dsl
{
    /// <summary>How a convolution treats the border of its input.</summary>
    public enum Padding
    {
        /// <summary>No padding: the window stays inside the input; output size <c>floor((n - k) / stride) + 1</c>.</summary>
        Valid = 0,
        /// <summary>
        /// Zero padding as Keras/TensorFlow's "same": output size <c>ceil(n / stride)</c>; an odd total padding puts the extra
        /// row and column at the bottom and right.
        /// </summary>
        Same = 1,
    }
}
