using Dsl;

namespace Dsl.Benchmarks.Workloads;

// The networks of the five workloads of issue 6, declared as a user would. Each is the network of the peer script named
// in its summary (benchmarks/peers/); initial weights come from Dsl's own initialisers, which does not change the
// amount of work.

/// <summary>
/// W1 (peers/w1_moons.py, seed 002): 2-3-2, tanh then softmax, cross-entropy, L2 on both weight matrices; the same
/// declaration as samples/Moons' <c>MoonsNet</c>. The tutorial's λ = 0.01 on a summed loss of 200 samples is
/// <c>L2 = λ / (2·200)</c> on Dsl's batch-mean loss (see <see cref="W1Moons.L2"/>).
/// </summary>
[Input(2)]
[Dense(3, Act.Tanh, L2 = W1Moons.L2, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = W1Moons.L2, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class W1MoonsNet;

/// <summary>W2 and W5 (peers/w2_mlp.py, peers/w5_latency.py): 784-128 tanh, 10 softmax, cross-entropy.</summary>
[Input(784)]
[Dense(128, Act.Tanh)]
[Dense(10, Act.Softmax)]
[Loss(Loss.CrossEntropy)]
public partial class W2MlpNet;

/// <summary>W3 (peers/w3_wide_sigmoid.py, seed 003): 784-784-784-10, sigmoid hidden layers, softmax, cross-entropy.</summary>
[Input(784)]
[Dense(784, Act.Sigmoid)]
[Dense(784, Act.Sigmoid)]
[Dense(10, Act.Softmax)]
[Loss(Loss.CrossEntropy)]
public partial class W3WideSigmoidNet;

/// <summary>
/// W4 (peers/w4_cnn.py, seed 000): the convolutional network of samples/FashionCnn. The second pooling drops the last
/// row and column of its 9x9 map, as PyTorch and Keras do (warning DSL017, silenced in the project file).
/// </summary>
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
public partial class W4CnnNet;
