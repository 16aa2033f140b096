using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Dsl.Runtime.Tests;

/// <summary>Safetensors checkpoints: the format per the public specification, round trips, resuming, and rejection of bad files.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dsl-checkpoints-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>A SmallNet and an Adam optimizer after a few steps, so that every state tensor is non-zero.</summary>
    private static (SmallNet Net, Adam<float> Adam) Trained(int seed)
    {
        var net = new SmallNet(seed);
        var adam = new Adam<float>(net, 0.01, amsGrad: true);
        net.Fit(adam, TrainingData.Classes(24, seed), new FitOptions { Epochs = 2, BatchSize = 8, Seed = seed, Verbose = Verbosity.Silent });
        return (net, adam);
    }

    /// <summary>A minimal reader written from the safetensors specification alone, independent of Checkpoint.</summary>
    private static (JsonObject Header, byte[] Data) ReadBySpec(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + n) % 8);                                  // data section 8-byte aligned (header padded with spaces)
        string json = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", json);
        Assert.Equal(json.TrimEnd(' ').Length, json.TrimEnd().Length);  // padding is spaces only
        return (JsonNode.Parse(json)!.AsObject(), bytes[(8 + (int)n)..]);
    }

    [Fact]
    public void TheFileFollowsTheSafetensorsSpecification()
    {
        var (net, adam) = Trained(seed: 1);
        string path = PathOf("model.safetensors");
        Checkpoint.Save(net, path, adam, new Dictionary<string, string> { ["note"] = "spec test" });

        var (header, data) = ReadBySpec(path);
        JsonObject meta = header["__metadata__"]!.AsObject();
        Assert.Equal("dsl", (string?)meta["format"]);
        Assert.Equal("Adam", (string?)meta["optimizer"]);
        Assert.Equal("6", (string?)meta["optimizer.iterations"]);
        Assert.Equal("0.01", (string?)meta["optimizer.learning_rate"]);
        Assert.Equal("spec test", (string?)meta["note"]);

        // Parameters by their layout names, then the three Adam state tensors (AMSGrad) split the same way.
        string[] names = ["L1.weight", "L1.bias", "L2.weight", "L2.bias"];
        string[] expectedNames = [.. names, .. new[] { "exp_avg", "exp_avg_sq", "max_exp_avg_sq" }.SelectMany(s => names.Select(n => $"optimizer.{s}.{n}"))];
        Assert.Equal(expectedNames, header.Select(p => p.Key).Where(k => k != "__metadata__"));
        long end = 0;
        var floats = new List<float>();
        foreach (string name in expectedNames)
        {
            JsonObject t = header[name]!.AsObject();
            Assert.Equal("F32", (string?)t["dtype"]);
            long[] offsets = t["data_offsets"]!.AsArray().Select(v => (long)v!).ToArray();
            int[] shape = t["shape"]!.AsArray().Select(v => (int)v!).ToArray();
            Assert.Equal(end, offsets[0]);                                 // back to back, in header order here
            Assert.Equal(4L * shape.Aggregate(1, (a, b) => a * b), offsets[1] - offsets[0]);
            end = offsets[1];
            for (long i = offsets[0]; i < offsets[1]; i += 4) floats.Add(BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan((int)i)));
        }
        Assert.Equal(end, data.Length);
        Assert.Equal([3, 4], header["L1.weight"]!["shape"]!.AsArray().Select(v => (int)v!));
        int p = SmallNet.ParameterCount;
        Assert.Equal(net.Parameters.ToArray(), floats.Take(p));
        for (int s = 0; s < 3; s++) Assert.Equal(adam.State[s].Value, floats.Skip(p * (s + 1)).Take(p));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void RoundTripIsBitExactForParametersAndOptimizerState()
    {
        var (net, adam) = Trained(seed: 2);
        string path = PathOf("adam.safetensors");
        Checkpoint.Save(net, path, adam);

        var copy = new SmallNet(seed: 77);
        var copyAdam = new Adam<float>(copy, 0.5, amsGrad: true);
        CheckpointInfo info = Checkpoint.Load(copy, path, copyAdam);
        Assert.Equal(net.Parameters.ToArray(), copy.Parameters.ToArray());
        for (int s = 0; s < adam.State.Count; s++)
        {
            Assert.Equal(adam.State[s].Key, copyAdam.State[s].Key);
            Assert.Equal(adam.State[s].Value, copyAdam.State[s].Value);
        }
        Assert.Equal(6, copyAdam.Iterations);
        Assert.Equal(0.01, copyAdam.LearningRate);
        Assert.Equal("Adam", info.Optimizer);
        Assert.Equal(6L, info.OptimizerIterations);
        Assert.Null(info.Epoch);
        Assert.Equal(16, info.Tensors.Count);

        // Weights only: optimizer tensors in the file are ignored.
        var weightsOnly = new SmallNet(seed: 78);
        Checkpoint.Load(weightsOnly, path);
        Assert.Equal(net.Parameters.ToArray(), weightsOnly.Parameters.ToArray());

        // Double precision: F64 tensors, exact too.
        var d = new SmallNetDouble(seed: 3);
        var sgd = new Sgd<double>(d, 0.1, momentum: 0.9);
        d.Fit(sgd, TrainingData.Classes(16, 3), new FitOptions { Epochs = 1, BatchSize = 4, Verbose = Verbosity.Silent });
        Checkpoint.Save(d, PathOf("double.safetensors"), sgd);
        Assert.All(Checkpoint.Read(PathOf("double.safetensors")).Tensors, t => Assert.Equal("F64", t.DType));
        var d2 = new SmallNetDouble(seed: 4);
        var sgd2 = new Sgd<double>(d2, 0.1, momentum: 0.9);
        Checkpoint.Load(d2, PathOf("double.safetensors"), sgd2);
        Assert.Equal(d.Parameters.ToArray(), d2.Parameters.ToArray());
        Assert.Equal(sgd.State[0].Value, sgd2.State[0].Value);
        // A float model cannot take a double checkpoint.
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(new SmallNet(), PathOf("double.safetensors")));
        Assert.Contains("tensor L1.weight: expected dtype F32 (the model's precision), found F64", e.Message);
    }

    [Fact]
    public void TwoPlusTwoEpochsEqualFourBitForBit()
    {
        Dataset data = TrainingData.Classes(70, seed: 12);
        var options = new FitOptions { Epochs = 4, BatchSize = 16, Seed = 5, ValidationSplit = 0.2, Verbose = Verbosity.Silent };

        var straight = new SmallNet(seed: 8);
        var straightAdam = new Adam<float>(straight, 0.02);
        History four = straight.Fit(straightAdam, data, options with { Schedule = Schedules.InverseTime(0.02, 0.1) });

        var first = new SmallNet(seed: 8);
        var firstAdam = new Adam<float>(first, 0.02);
        string path = PathOf("epoch2.safetensors");
        first.Fit(firstAdam, data, options with
        {
            Epochs = 2,
            Schedule = Schedules.InverseTime(0.02, 0.1),
            Callbacks = [new ModelCheckpoint(path, includeOptimizer: true)],
        });

        // A new process, in effect: fresh model and optimizer, restored from the file, resumed at epoch 3.
        var resumed = new SmallNet(seed: 123);
        var resumedAdam = new Adam<float>(resumed, 0.5);
        CheckpointInfo info = Checkpoint.Load(resumed, path, resumedAdam);
        Assert.Equal(2, info.Epoch);
        History rest = resumed.Fit(resumedAdam, data, options with { InitialEpoch = info.Epoch!.Value, Schedule = Schedules.InverseTime(0.02, 0.1) });

        Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
        for (int s = 0; s < straightAdam.State.Count; s++) Assert.Equal(straightAdam.State[s].Value, resumedAdam.State[s].Value);
        Assert.Equal(straightAdam.Iterations, resumedAdam.Iterations);
        Assert.Equal([3, 4], rest.Epoch);
        Assert.Equal(four.Loss.Skip(2), rest.Loss);
        Assert.Equal(four.ValidationLoss.Skip(2), rest.ValidationLoss);
        Assert.Equal(four.LearningRate.Skip(2), rest.LearningRate);
    }

    [Fact]
    public void ReadsAFileWrittenByPythonFromTheSpecification()
    {
        // Reference/make_training_reference.py wrote this file with json + numpy (tensors out of layout order) and
        // computed the network's softmax outputs with PyTorch.
        JsonElement r = ClippingTests.Reference("safetensors");
        string path = PathOf("torch.safetensors");
        File.WriteAllBytes(path, Convert.FromBase64String(r.GetProperty("file_base64").GetString()!));
        var net = new RefTanhSoftmaxCe();
        CheckpointInfo info = Checkpoint.Load(net, path);
        Assert.Equal("make_training_reference.py", info.Metadata["source"]);
        Assert.Equal(["L2.bias", "L1.weight", "L2.weight", "L1.bias"], info.Tensors.Select(t => t.Name));
        Assert.Equal(r.Floats("params"), net.Parameters.ToArray());
        float[] expected = r.Floats("outputs"), actual = net.Predict(r.Floats("inputs"));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6);
    }

    [Fact]
    public void AnotherArchitectureIsRejectedNamingTheFirstMismatchingTensor()
    {
        var wider = new WiderNet(seed: 1);
        Checkpoint.Save(wider, PathOf("wider.safetensors"));
        var (net, adam) = Trained(seed: 3);
        float[] before = net.Parameters.ToArray();
        float[][] stateBefore = adam.State.Select(s => s.Value.ToArray()).ToArray();

        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(net, PathOf("wider.safetensors"), adam));
        Assert.Equal($"Checkpoint {PathOf("wider.safetensors")}: tensor L1.weight: expected shape [3, 4], found [6, 4] (a checkpoint of another architecture?).", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        for (int s = 0; s < stateBefore.Length; s++) Assert.Equal(stateBefore[s], adam.State[s].Value);
        Assert.Equal(6, adam.Iterations);

        // The other way round, and a file missing the optimizer or holding another optimizer's state.
        Checkpoint.Save(net, PathOf("small.safetensors"));
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(wider, PathOf("small.safetensors")));
        Assert.Contains("tensor L1.weight: expected shape [6, 4], found [3, 4]", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(net, PathOf("small.safetensors"), adam));
        Assert.Contains("expected Adam optimizer state, found none (the file was saved without an optimizer)", e.Message);
        var sgd = new Sgd<float>(net, 0.1, momentum: 0.9);
        Checkpoint.Save(net, PathOf("sgd.safetensors"), sgd);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(net, PathOf("sgd.safetensors"), adam));
        Assert.Contains("expected Adam optimizer state, found Sgd optimizer state", e.Message);
        e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(net, PathOf("sgd.safetensors"), new Sgd<float>(net, 0.1)));
        Assert.Contains("tensor optimizer.momentum_buffer.L1.weight is not part of the state of this Sgd optimizer", e.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(6, adam.Iterations);
        Assert.Throws<ArgumentException>(() => Checkpoint.Load(net, PathOf("sgd.safetensors"), new Sgd<float>(wider, 0.1)));
    }

    /// <summary>Rewrites the header of a valid file with <paramref name="edit"/>, keeping the data.</summary>
    private string WithHeader(string source, string name, Action<JsonObject> edit, Func<byte[], byte[]>? data = null)
    {
        var (header, bytes) = ReadBySpec(source);
        edit(header);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var file = new List<byte>();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        file.AddRange(length);
        file.AddRange(json);
        file.AddRange(data is null ? bytes : data(bytes));
        string path = PathOf(name);
        File.WriteAllBytes(path, file.ToArray());
        return path;
    }

    [Fact]
    public void CorruptedAndTruncatedFilesAreRejectedWithTheModelUntouched()
    {
        var (net, adam) = Trained(seed: 4);
        string good = PathOf("good.safetensors");
        Checkpoint.Save(net, good, adam);
        byte[] bytes = File.ReadAllBytes(good);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);

        var target = new SmallNet(seed: 9);
        var targetAdam = new Adam<float>(target, 0.1, amsGrad: true);
        float[] before = target.Parameters.ToArray();

        void Rejected(string path, string expected)
        {
            var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target, path, targetAdam));
            Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"expected '{expected}' in: {e.Message}");
            Assert.StartsWith($"Checkpoint {path}: ", e.Message);
            Assert.Equal(before, target.Parameters.ToArray());
            Assert.All(targetAdam.State, s => Assert.All(s.Value, v => Assert.Equal(0f, v)));
            Assert.Equal(0, targetAdam.Iterations);
            Assert.Equal(0.1, targetAdam.LearningRate);
        }

        string Bytes(string name, byte[] content)
        {
            File.WriteAllBytes(PathOf(name), content);
            return PathOf(name);
        }

        Rejected(Bytes("empty", []), "expected at least 8 bytes (the header length), found 0");
        Rejected(Bytes("cut-data", bytes[..^3]), $"found only {bytes.Length - 3 - 8 - (int)headerLength} data bytes (truncated)");
        Rejected(Bytes("cut-header", bytes[..40]), $"found {headerLength} (truncated, or not a safetensors file)");
        Rejected(Bytes("extra", [.. bytes, 0, 0, 0, 0]), "(extra bytes at the end)");
        byte[] huge = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue);
        Rejected(Bytes("huge", huge), $"found {ulong.MaxValue}");
        byte[] garbled = (byte[])bytes.Clone();
        garbled[8 + 16] = (byte)'#'; // the '{' that opens __metadata__
        Rejected(Bytes("garbled", garbled), "expected a JSON header, found invalid JSON");
        byte[] notJson = (byte[])bytes.Clone();
        notJson[8] = (byte)'[';
        Rejected(Bytes("bracket", notJson), "expected the header to start with '{', found byte 0x5B");

        Rejected(WithHeader(good, "gap", h => h["L1.bias"]!["data_offsets"] = new JsonArray(52, 64)),
            "expected tensor L1.bias to start at data byte 48, found 52 (a gap in the data section)");
        Rejected(WithHeader(good, "size", h => h["L2.bias"]!["shape"] = new JsonArray(3)),
            "tensor L2.bias: expected 12 bytes for F32 [3], found data_offsets [84, 92] (8 bytes)");
        Rejected(WithHeader(good, "dtype", h => h["L1.weight"]!["dtype"] = "F33"), "tensor L1.weight: expected a safetensors dtype");
        Rejected(WithHeader(good, "f16", h =>
        {
            h["L1.weight"]!["dtype"] = "F16";
            h["L1.weight"]!["shape"] = new JsonArray(3, 8);
        }), "tensor L1.weight: expected shape [3, 4], found [3, 8]");
        Rejected(WithHeader(good, "negative", h => h["L1.weight"]!["shape"] = new JsonArray(-3, 4)), "expected non-negative integer dimensions, found [-3,4]");
        Rejected(WithHeader(good, "field", h => h["L1.weight"]!["extra"] = 1), "expected only dtype (string), shape (array) and data_offsets (array), found 'extra'");
        Rejected(WithHeader(good, "meta", h => h["__metadata__"]!["note"] = 5), "expected __metadata__ value 'note' to be a string, found Number");
        Rejected(WithHeader(good, "iterations", h => h["__metadata__"]!["optimizer.iterations"] = "-1"), "expected a non-negative integer optimizer.iterations in the metadata, found '-1'");

        // Structurally valid files that do not fit the model (weights only, so the parameters come last).
        string weights = PathOf("weights.safetensors");
        Checkpoint.Save(net, weights);
        Rejected(WithHeader(weights, "missing", h => h.Remove("L2.bias"), d => d[..^8]), "tensor L2.bias: expected shape [2], found no such tensor");
        Rejected(WithHeader(weights, "renamed", h =>
        {
            JsonNode t = h["L2.bias"]!;
            h.Remove("L2.bias");
            h["L3.bias"] = t.DeepClone();
        }), "tensor L2.bias: expected shape [2], found no such tensor (the file holds");
        Rejected(WithHeader(weights, "stranger", h =>
        {
            long end = h.Where(p => p.Key != "__metadata__").Max(p => (long)p.Value!["data_offsets"]![1]!);
            h["L9.weight"] = new JsonObject { ["dtype"] = "F32", ["shape"] = new JsonArray(1), ["data_offsets"] = new JsonArray(end, end + 4) };
        }, d => [.. d, 0, 0, 0, 0]), "tensor L9.weight [1] is not a parameter of the model, whose tensors are L1.weight [3, 4], L1.bias [3], L2.weight [2, 3], L2.bias [2]");

        // The good file still loads, and then everything is overwritten.
        Checkpoint.Load(target, good, targetAdam);
        Assert.Equal(net.Parameters.ToArray(), target.Parameters.ToArray());
        Assert.Equal(6, targetAdam.Iterations);
    }

    [Fact]
    public void SavingIsAtomic()
    {
        var (net, adam) = Trained(seed: 5);
        string path = PathOf("atomic.safetensors");
        Checkpoint.Save(net, path, adam);
        byte[] first = File.ReadAllBytes(path);

        // A failure during the write leaves the old file as it was and no temporary file behind.
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[100]);
            throw new IOException("disk full");
        }));
        Assert.Equal(first, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir));

        // A reserved metadata key is refused before anything is written.
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(net, path, adam, new Dictionary<string, string> { ["optimizer"] = "x" }));
        Assert.Equal(first, File.ReadAllBytes(path));

        // Saving again replaces the file whole.
        net.Parameters[0] += 1;
        Checkpoint.Save(net, path);
        var reread = new SmallNet();
        Checkpoint.Load(reread, path);
        Assert.Equal(net.Parameters.ToArray(), reread.Parameters.ToArray());
        Assert.Equal([path], Directory.GetFiles(_dir));
        Checkpoint.Save(net, Path.Combine(_dir, "sub", "dir", "made.safetensors"));
        Assert.True(File.Exists(Path.Combine(_dir, "sub", "dir", "made.safetensors")));
    }
}
