using System;
using System.Collections.Generic;
using System.IO;

namespace Dsl.Runtime;

/// <summary>
/// Options of <see cref="Training.Fit{T}"/>, named after the arguments of Keras' <c>model.fit</c>. Every property has a
/// default, so <c>new FitOptions { Epochs = 10, BatchSize = 100 }</c> is a complete set.
/// </summary>
public sealed record FitOptions
{
    /// <summary>
    /// Index of the last epoch to run (Keras' <c>epochs</c>): training runs epochs <see cref="InitialEpoch"/> + 1 to
    /// <see cref="Epochs"/>. Default 1.
    /// </summary>
    public int Epochs { get; init; } = 1;

    /// <summary>
    /// Epochs already done, for resuming from a checkpoint (Keras' <c>initial_epoch</c>): the run starts at epoch
    /// <c>InitialEpoch + 1</c>, and the shuffling is replayed so that the order of every later epoch is the one an
    /// uninterrupted run would have used. Default 0.
    /// </summary>
    public int InitialEpoch { get; init; }

    /// <summary>Samples per optimizer step; the last batch of an epoch may be smaller. Default 32, as Keras.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Whether every epoch visits the training samples in a new random order. Default true.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// Seed of the shuffling (a <see cref="System.Random"/> seeded with it, shuffling the sample order once per epoch with
    /// <see cref="System.Random.Shuffle{T}(T[])"/>). Default 0.
    /// </summary>
    public int Seed { get; init; }

    /// <summary>
    /// Fraction of the training data held out for validation, taken from its END before any shuffling, as Keras'
    /// <c>validation_split</c>: the first <c>floor(Count · (1 - ValidationSplit))</c> samples train. 0 (default) for none.
    /// Cannot be combined with <see cref="ValidationData"/>.
    /// </summary>
    public double ValidationSplit { get; init; }

    /// <summary>A separate validation set, evaluated after every epoch (Keras' <c>validation_data</c>); null for none.</summary>
    public Dataset? ValidationData { get; init; }

    /// <summary>
    /// Whether to measure accuracy (Keras' <c>metrics=["accuracy"]</c>); null (default) measures it when the training
    /// data has labels. Accuracy is the fraction of samples whose predicted class is right: the arg-max of the output
    /// for several outputs, <c>output &gt; 0.5</c> for a single (sigmoid) output; for dense targets the true class is the
    /// arg-max of the target row (or <c>target &gt; 0.5</c>).
    /// </summary>
    public bool? Accuracy { get; init; }

    /// <summary>How the training accuracy of an epoch is measured; see <see cref="Runtime.TrainingAccuracy"/>. Default <see cref="TrainingAccuracy.AfterEpoch"/>.</summary>
    public TrainingAccuracy TrainingAccuracy { get; init; } = TrainingAccuracy.AfterEpoch;

    /// <summary>
    /// Learning rate by step: before every step, <c>optimizer.LearningRate = Schedule(optimizer.Iterations)</c> (the
    /// number of steps taken before this one, from 0; see the <c>Schedules</c> class). Null (default) keeps the optimizer's.
    /// </summary>
    public Func<long, double>? Schedule { get; init; }

    /// <summary>
    /// Clips the gradient of every batch to this global L2 norm before the optimizer's step
    /// (<see cref="Clipping.ByGlobalNorm{T}"/>, PyTorch's <c>clip_grad_norm_</c>). Null (default) for none.
    /// </summary>
    public double? ClipNorm { get; init; }

    /// <summary>
    /// Clips every gradient value to <c>[-ClipValue, ClipValue]</c> before the optimizer's step
    /// (<see cref="Clipping.ByValue{T}"/>, PyTorch's <c>clip_grad_value_</c>); applied after <see cref="ClipNorm"/> when
    /// both are set. Null (default) for none.
    /// </summary>
    public double? ClipValue { get; init; }

    /// <summary>Called at the start and end of training, of every epoch and after every batch, in this order.</summary>
    public IReadOnlyList<ICallback> Callbacks { get; init; } = [];

    /// <summary>
    /// Receives one plain line per epoch (<c>Epoch 3/10 - 9.8s - loss: 0.4123 - accuracy: 0.8512 - val_loss: ... -
    /// val_accuracy: ...</c>) and the messages of training (a NaN stop, callbacks' notes). When null, <see cref="Verbose"/>
    /// decides what goes to the console.
    /// </summary>
    public TextWriter? Log { get; init; }

    /// <summary>What to show while training; default <see cref="Verbosity.Auto"/>.</summary>
    public Verbosity Verbose { get; init; } = Verbosity.Auto;

    /// <summary>Test hook: the console the progress bar draws on (the real one when null).</summary>
    internal Spectre.Console.IAnsiConsole? ProgressConsole { get; init; }
}

/// <summary>How <c>Fit</c> reports progress (Keras' <c>verbose</c>).</summary>
public enum Verbosity
{
    /// <summary>
    /// Lines to <see cref="FitOptions.Log"/> when one is given; otherwise a live progress bar when the console is an
    /// interactive terminal, and lines on the console when its output is redirected (<see cref="Console.IsOutputRedirected"/>).
    /// </summary>
    Auto,

    /// <summary>Nothing at all (the <see cref="History"/> still records everything).</summary>
    Silent,

    /// <summary>A live progress bar per epoch on the console (Spectre.Console), with ETA, loss and accuracy; the final state of each bar stays on screen.</summary>
    ProgressBar,

    /// <summary>One plain line per epoch, to <see cref="FitOptions.Log"/> or else to the console.</summary>
    EpochLines,
}

/// <summary>What the <c>accuracy</c> of an epoch measures (validation accuracy is always measured after the epoch).</summary>
public enum TrainingAccuracy
{
    /// <summary>
    /// After the epoch's last step, <c>Forward</c> on the first <c>min(count, 10000)</c> training samples (in the data's
    /// order): the accuracy of the weights the epoch ended with, on a fixed subset. Costs at most 10000 forward passes an
    /// epoch. Keras' running mean lags behind it, because it averages over weights that kept changing during the epoch.
    /// </summary>
    AfterEpoch,

    /// <summary>
    /// Keras' figure: the running mean over the epoch's batches of each batch's accuracy, measured with the weights that
    /// batch was trained from (before its step). The generated <c>TrainStep</c> does not hand out its outputs, so this
    /// costs one extra <c>Forward</c> per batch (about a third more time); with dropout it measures the network without
    /// dropout, where Keras measures it with.
    /// </summary>
    RunningMean,
}
