using Dsl.Generator.Model;

namespace Dsl.Generator.Emit;

/// <summary>Writes the loss statement of <c>TrainTile</c>: the tile's summed loss and the gradient that starts the backward pass.</summary>
internal static class LossEmitter
{
    public static string Formula(Loss loss) => loss switch
    {
        Loss.MeanSquaredError => "per sample (1/K) Σ (y - t)²",
        Loss.SumSquaredError => "per sample Σ (y - t)²",
        Loss.CrossEntropy => "per sample -Σ t log p",
        Loss.BinaryCrossEntropy => "per sample -(1/K) Σ [t log p + (1 - t) log(1 - p)]",
        Loss.HalfSumSquaredError => "per sample 0.5 Σ (y - t)²",
        Loss.KLDivergence => "per sample Σ t' log(t' / p'), t' and p' clipped to [1e-7, 1]",
        Loss.Huber => "per sample (1/K) Σ h(y - t), h(e) = 0.5 e² for |e| ≤ 1, else |e| - 0.5",
        Loss.Hinge => "per sample (1/K) Σ max(0, 1 - t y), a target of 0 read as -1",
        Loss.NegativeLogLikelihood => "per sample -Σ t log max(p, 1e-7)",
        _ => loss.ToString(),
    };

    public static void Emit(CodeWriter w, EmitContext c)
    {
        string T = c.T;
        LayerSpec last = c.Last!;
        int k = last.OutSize;
        string len = $"n * {k}";
        if (c.FusedLoss)
        {
            int i = last.Index;
            bool ce = c.Model.Loss == Loss.CrossEntropy;
            w.Line(ce
                ? "// Loss: softmax + cross-entropy, fused and computed from the logits (log-sum-exp), so dL/dz = (p - t) / batch."
                : "// Loss: sigmoid + binary cross-entropy, fused and computed from the logits, so dL/dz = (p - t) / (K batch).");
            string method = ce ? "SoftmaxCrossEntropy" : "SigmoidBinaryCrossEntropy";
            w.Line($"{T} loss = LossFunctions.{method}<{T}>(_z{i}.AsSpan(0, {len}), _a{i}.AsSpan(0, {len}), t, _d{i}.AsSpan(0, {len}), {k}, scale);");
            return;
        }
        string output = EmitContext.Slice(c.Output(last.Index), len);
        string gradient = EmitContext.Slice(c.Gradient(last.Index), len);
        w.Line($"// Loss: {c.Model.Loss}, {Formula(c.Model.Loss)}; writes dL/dy of the batch mean.");
        w.Line($"{T} loss = LossFunctions.{c.Model.Loss}<{T}>({output}, t, {gradient}, {k}, scale);");
    }
}
