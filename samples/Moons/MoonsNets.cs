using Dsl;

namespace Samples.Moons;

// Seed 002's network, 2 -> H -> 2: tanh hidden layer, softmax output, cross-entropy, L2 on both weight matrices.
// Hidden sizes are part of the type, checked and unrolled at compile time, so each size the sample offers is a class.
//
// The tutorial minimises (1/N)·[Σ_samples -log p + (λ/2)·ΣW²] with λ = 0.01 by stepping W -= ε·(Σ_samples ∇ + λW),
// ε = 0.01, N = 200. TrainStep returns the batch mean and L2 = μ adds μ·ΣW², so μ = λ / (2N) = 2.5e-5 gives the
// same loss and, with learning rate ε·N = 2, exactly the same steps.

/// <summary>The tutorial's network with H = 3.</summary>
[Input(2)]
[Dense(3, Act.Tanh, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class MoonsNet;

[Input(2)]
[Dense(1, Act.Tanh, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class MoonsNetH1;

[Input(2)]
[Dense(2, Act.Tanh, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class MoonsNetH2;

[Input(2)]
[Dense(4, Act.Tanh, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class MoonsNetH4;

[Input(2)]
[Dense(5, Act.Tanh, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class MoonsNetH5;

[Input(2)]
[Dense(20, Act.Tanh, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class MoonsNetH20;

[Input(2)]
[Dense(50, Act.Tanh, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Dense(2, Act.Softmax, L2 = MoonsSample.L2, Init = Init.LeCunNormal)]
[Loss(Loss.CrossEntropy)]
public partial class MoonsNetH50;
