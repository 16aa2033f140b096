using Dsl;

namespace Dsl.Runtime.Tests;

// Models for the losses added after the first four (HalfSumSquaredError, KLDivergence, Huber, Hinge,
// NegativeLogLikelihood): double precision for gradient checks (LossGradientCheckTests), with each loss on every output
// activation it accepts, above the unroll threshold (kernel path) and after a convolution.

[Precision(Precision.Double), Input(3), Dense(4, Act.Tanh), Dense(3, Act.Linear), Loss(Loss.HalfSumSquaredError)]
public partial class HalfSseLinear;
[Precision(Precision.Double), Input(3), Dense(4, Act.Softplus), Dense(3, Act.Sigmoid), Loss(Loss.HalfSumSquaredError)]
public partial class HalfSseSigmoid;
[Precision(Precision.Double), Input(3), Dense(4, Act.ReLU), Dense(3, Act.Softmax), Loss(Loss.HalfSumSquaredError)]
public partial class HalfSseSoftmax;

[Precision(Precision.Double), Input(3), Dense(4, Act.Sigmoid), Dense(3, Act.Linear), Loss(Loss.Huber)]
public partial class HuberLinear;
[Precision(Precision.Double), Input(3), Dense(4, Act.Tanh), Dense(3, Act.Softplus), Loss(Loss.Huber)]
public partial class HuberSoftplus;
[Precision(Precision.Double), Input(20), Dense(15, Act.Tanh), Dense(20, Act.Linear), Loss(Loss.Huber)]
public partial class KernelHuber;
[Precision(Precision.Double), Input(1, 5, 5), Conv(2, 3, Act.Tanh), Flatten, Dense(2), Loss(Loss.Huber)]
public partial class ConvHuber;

[Precision(Precision.Double), Input(3), Dense(4, Act.ReLU), Dense(3, Act.Linear), Loss(Loss.Hinge)]
public partial class HingeLinear;
[Precision(Precision.Double), Input(3), Dense(4, Act.Sigmoid), Dense(3, Act.Tanh), Loss(Loss.Hinge)]
public partial class HingeTanh;
[Precision(Precision.Double), Input(3), Dense(4, Act.Tanh), Dense(1, Act.Tanh), Loss(Loss.Hinge)]
public partial class HingeSingle;

[Precision(Precision.Double), Input(3), Dense(4, Act.Tanh), Dense(3, Act.Softmax), Loss(Loss.KLDivergence)]
public partial class KlSoftmax;
[Precision(Precision.Double), Input(20), Dense(16, Act.ReLU), Dense(20, Act.Softmax), Loss(Loss.KLDivergence)]
public partial class KernelKl;

[Precision(Precision.Double), Input(3), Dense(4, Act.Sigmoid), Dense(3, Act.Softmax), Loss(Loss.NegativeLogLikelihood)]
public partial class NllSoftmax;
[Precision(Precision.Double), Input(20), Dense(16, Act.Softplus), Dense(20, Act.Softmax, L2 = 0.01), Loss(Loss.NegativeLogLikelihood)]
public partial class KernelNll;
[Precision(Precision.Double), Input(2, 4, 4), Conv(2, 3, Act.ReLU), Conv(4, 2, Act.Softmax), Loss(Loss.NegativeLogLikelihood)]
public partial class ConvSoftmaxNll;

// Float models mirroring the "models" of Reference/make_loss_reference.py: 4 -> 6 tanh -> 3 with each new loss.
[Input(4), Dense(6, Act.Tanh), Dense(3), Loss(Loss.HalfSumSquaredError)]
public partial class RefHalfSseLinear;
[Input(4), Dense(6, Act.Tanh), Dense(3), Loss(Loss.Huber)]
public partial class RefHuberLinear;
[Input(4), Dense(6, Act.Tanh), Dense(3, Act.Tanh), Loss(Loss.Hinge)]
public partial class RefHingeTanh;
[Input(4), Dense(6, Act.Tanh), Dense(3, Act.Softmax), Loss(Loss.KLDivergence)]
public partial class RefKlSoftmax;
[Input(4), Dense(6, Act.Tanh), Dense(3, Act.Softmax), Loss(Loss.NegativeLogLikelihood)]
public partial class RefNllSoftmax;
