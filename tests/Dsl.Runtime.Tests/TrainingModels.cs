using Dsl;

namespace Dsl.Runtime.Tests;

// Models for the training API tests (Fit, Evaluate, Predict, callbacks, checkpoints).

/// <summary>Seed 003's overfitting network: 1-5-5-1, softplus hidden layers, linear output, mean squared error.</summary>
[Input(1), Dense(5, Act.Softplus), Dense(5, Act.Softplus), Dense(1), Loss(Loss.MeanSquaredError)]
public partial class PolyNet;

/// <summary>Logistic regression on two features, for hand-computed Evaluate and Predict.</summary>
[Input(2), Dense(1, Act.Sigmoid), Loss(Loss.BinaryCrossEntropy)]
public partial class LogisticNet;

/// <summary>A small classifier for callbacks and checkpoints: tensors L1.weight [3, 4], L1.bias [3], L2.weight [2, 3], L2.bias [2].</summary>
[Input(4), Dense(3, Act.Tanh), Dense(2, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class SmallNet;

/// <summary>The same tensor names as <see cref="SmallNet"/> with other shapes: a checkpoint of another architecture.</summary>
[Input(4), Dense(6, Act.Tanh), Dense(2, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class WiderNet;

/// <summary><see cref="SmallNet"/> in double precision (F64 checkpoints).</summary>
[Precision(Precision.Double), Input(4), Dense(3, Act.Tanh), Dense(2, Act.Softmax), Loss(Loss.CrossEntropy)]
public partial class SmallNetDouble;

/// <summary>A regression with the Huber loss, whose validation loss Evaluate computes through LossFunctions.Evaluate.</summary>
[Input(1), Dense(4, Act.Tanh), Dense(1), Loss(Loss.Huber)]
public partial class HuberNet;
