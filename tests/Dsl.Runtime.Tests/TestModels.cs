using Dsl;

namespace Dsl.Runtime.Tests;

// Double-precision models for gradient checks: every activation, in a hidden and in the output layer, with each loss
// it can be trained on, plus models above the unroll threshold (kernel path), a Flatten, and L2 penalties.

[Precision(Precision.Double), Input(3), Dense(4, Act.Linear), Dense(3, Act.Linear), Loss(Loss.MeanSquaredError)]
public partial class MseLinear;
[Precision(Precision.Double), Input(3), Dense(4, Act.Sigmoid), Dense(3, Act.Sigmoid), Loss(Loss.MeanSquaredError)]
public partial class MseSigmoid;
[Precision(Precision.Double), Input(3), Dense(4, Act.Tanh), Dense(3, Act.Tanh), Loss(Loss.MeanSquaredError)]
public partial class MseTanh;
[Precision(Precision.Double), Input(3), Dense(4, Act.ReLU), Dense(3, Act.ReLU), Loss(Loss.MeanSquaredError)]
public partial class MseReLU;
[Precision(Precision.Double), Input(3), Dense(4, Act.Softplus), Dense(3, Act.Softplus), Loss(Loss.MeanSquaredError)]
public partial class MseSoftplus;
[Precision(Precision.Double), Input(3), Dense(4, Act.Tanh), Dense(3, Act.Softmax), Loss(Loss.MeanSquaredError)]
public partial class MseSoftmax;

[Precision(Precision.Double), Input(3), Dense(4, Act.Linear), Dense(3, Act.Linear), Loss(Loss.SumSquaredError)]
public partial class SseLinear;
[Precision(Precision.Double), Input(3), Dense(4, Act.Sigmoid), Dense(3, Act.Sigmoid), Loss(Loss.SumSquaredError)]
public partial class SseSigmoid;
[Precision(Precision.Double), Input(3), Dense(4, Act.Tanh), Dense(3, Act.Tanh), Loss(Loss.SumSquaredError)]
public partial class SseTanh;
[Precision(Precision.Double), Input(3), Dense(4, Act.ReLU), Dense(3, Act.ReLU), Loss(Loss.SumSquaredError)]
public partial class SseReLU;
[Precision(Precision.Double), Input(3), Dense(4, Act.Softplus), Dense(3, Act.Softplus), Loss(Loss.SumSquaredError)]
public partial class SseSoftplus;
[Precision(Precision.Double), Input(3), Dense(4, Act.Tanh), Dense(3, Act.Softmax), Loss(Loss.SumSquaredError)]
public partial class SseSoftmax;

[Precision(Precision.Double), Input(3), Dense(4, Act.Sigmoid), Dense(3, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class CeSoftmax;
[Precision(Precision.Double), Input(3), Dense(4, Act.Softplus), Dense(2, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class BceSigmoid;

// Above the unroll threshold (64 multiply-adds): these layers go through the runtime's kernels.
[Precision(Precision.Double), Input(20), Dense(16, Act.ReLU), Dense(12, Act.Softplus), Dense(30, Act.Tanh), Dense(5, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class KernelCe;
[Precision(Precision.Double), Input(20), Dense(15, Act.Sigmoid), Dense(20, Act.Softmax), Loss(Loss.MeanSquaredError)]
public partial class KernelSoftmaxMse;
[Precision(Precision.Double), Input(30), Dense(10, Act.Tanh), Dense(26, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class KernelBce;
[Precision(Precision.Double), Input(2, 3, 3), Flatten, Dense(4, Act.Tanh), Dense(2, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class FlattenBce;
[Precision(Precision.Double), Input(3), Dense(5, Act.Tanh, L2 = 0.01), Dense(2, Act.Softmax, L2 = 0.003), Loss(Loss.CrossEntropy)]
public partial class RegularisedCe;
[Precision(Precision.Double), Input(20), Dense(30, Act.Tanh, L2 = 0.02), Dense(3, Act.Linear, L2 = 0.5), Loss(Loss.MeanSquaredError)]
public partial class RegularisedKernelMse;

// Float models mirroring the PyTorch reference cases (Reference/make_dense_reference.py).
[Input(4), Dense(5, Act.Tanh), Dense(3, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class RefTanhSoftmaxCe;
[Input(3), Dense(6, Act.Sigmoid), Dense(2, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class RefSigmoidBce;
[Input(20), Dense(40, Act.ReLU), Dense(30, Act.Softplus), Dense(2), Loss(Loss.MeanSquaredError)]
public partial class RefWideReluSoftplusMse;
[Input(3), Dense(4, Act.Sigmoid), Dense(1, Act.Sigmoid), Loss(Loss.SumSquaredError)]
public partial class RefSseSigmoid;

// A float model with scalar and kernel layers, for the MathNet comparison and the allocation check.
[Input(20), Dense(16, Act.ReLU), Dense(12, Act.Softplus), Dense(30, Act.Tanh), Dense(5, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class MixedFloat;

// Inference only: no [Loss], so no TrainStep.
[Input(4), Dense(3, Act.Tanh), Dense(2)]
public partial class InferenceOnly;

// Convolution, pooling and dropout, in double precision for gradient checks.
[Precision(Precision.Double), Input(2, 7, 6), Conv(3, 3, Act.Tanh), MaxPool(2, Stride = 1), Flatten, Dense(3, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class ConvValidMaxPool;
[Precision(Precision.Double), Input(2, 5, 5), Conv(3, 3, Act.Softplus, Padding = Padding.Same), AvgPool(5), Flatten, Dense(2, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class ConvSameAvgPool;
[Precision(Precision.Double), Input(1, 6, 7), Conv(2, 3, Act.ReLU, Stride = 2, Padding = Padding.Same), Conv(2, 3, Act.Tanh), Flatten, Dense(2), Loss(Loss.MeanSquaredError)]
public partial class ConvSameStride2;
[Precision(Precision.Double), Input(1, 7, 7), Conv(2, 3, Act.Sigmoid, Stride = 2), MaxPool(3), Flatten, Dense(3, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class ConvValidStride2;
[Precision(Precision.Double), Input(1, 6, 6), Conv(2, 3), AvgPool(2), Flatten, Dense(2, L2 = 0.01), Loss(Loss.SumSquaredError)]
public partial class ConvAvgPoolSse;
[Precision(Precision.Double), Input(6), Dense(8, Act.Tanh), Dropout(0.5), Dense(3, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class DenseDropout;
[Precision(Precision.Double), Input(2, 4, 4), Conv(3, 3, Act.Tanh, Padding = Padding.Same), MaxPool(2), Dropout(0.3), Flatten, Dense(2, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class ConvDropout;

// Seed 000's network, float32, for the comparison with PyTorch (Reference/make_cnn_reference.py).
// Its second pooling drops the last row and column of its 9x9 input, as PyTorch and Keras do: warning DSL017,
// silenced for this project in the csproj.
[Input(1, 28, 28)]
[Conv(4, 5, Act.Tanh)]
[Conv(8, 3, Act.Tanh)]
[MaxPool(2)]
[Conv(16, 3, Act.ReLU)]
[MaxPool(2)]
[Flatten]
[Dense(128, Act.Tanh)]
[Dense(10, Act.Softmax)]
[Loss(Loss.CrossEntropy)]
public partial class SeedCnn;
