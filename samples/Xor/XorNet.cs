using Dsl;

namespace Samples.Xor;

/// <summary>Seed 000's network: 3 inputs, 4 sigmoid hidden units, 1 sigmoid output, trained on the sum of squared errors.</summary>
[Input(3)]
[Dense(4, Act.Sigmoid)]
[Dense(1, Act.Sigmoid)]
[Loss(Loss.SumSquaredError)]
public partial class XorNet;
