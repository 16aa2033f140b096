using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Dsl.Runtime;

/// <summary>One tensor of a checkpoint file.</summary>
/// <param name="Name">Its name: a parameter's <see cref="TensorInfo.Name"/> (<c>L1.weight</c>) or an optimizer state's
/// <c>optimizer.{state}.{parameter}</c> (<c>optimizer.exp_avg.L1.weight</c>).</param>
/// <param name="DType">safetensors element type: <c>F32</c>, <c>F64</c>, ...</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Begin">First byte in the data section.</param>
/// <param name="End">One past its last byte in the data section.</param>
public sealed record CheckpointTensor(string Name, string DType, int[] Shape, long Begin, long End)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name} {DType} {Checkpoint.FormatShape(Shape)}";
}

/// <summary>What a checkpoint file holds, as its header describes it.</summary>
public sealed class CheckpointInfo
{
    internal CheckpointInfo(string path, IReadOnlyList<CheckpointTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Every tensor, in the order of the data section.</summary>
    public IReadOnlyList<CheckpointTensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The epoch after which <c>Fit</c> or <see cref="ModelCheckpoint"/> wrote the file (metadata <c>epoch</c>), or null.</summary>
    public int? Epoch => Metadata.TryGetValue("epoch", out string? s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int e) ? e : null;

    /// <summary>The optimizer whose state the file holds (metadata <c>optimizer</c>, e.g. <c>Adam</c>), or null.</summary>
    public string? Optimizer => Metadata.GetValueOrDefault("optimizer");

    /// <summary>The optimizer's step count when saved (metadata <c>optimizer.iterations</c>), or null.</summary>
    public long? OptimizerIterations
        => Metadata.TryGetValue("optimizer.iterations", out string? s) && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
}

/// <summary>
/// Saves and loads a model's parameters, and optionally its optimizer's state, in the safetensors format
/// (https://github.com/huggingface/safetensors), which PyTorch, NumPy and other tools read:
/// <code>
/// 8 bytes     N, the header's length, unsigned 64-bit little-endian
/// N bytes     the header: UTF-8 JSON, padded with spaces to a multiple of 8 bytes:
///             { "__metadata__": { "format": "dsl", ... },
///               "L1.weight": { "dtype": "F32", "shape": [3, 2], "data_offsets": [0, 24] }, ... }
/// rest        the data: each tensor's values, row-major, little-endian, at [begin, end) of this section,
///             tensors back to back in header order with no gap
/// </code>
/// Parameters are named by the model's <see cref="IModel{T}.ParameterLayout"/> (<c>L1.weight</c>, <c>L1.bias</c>, ...);
/// dtype <c>F32</c> for a float model, <c>F64</c> for a double one. With an optimizer, each of its
/// <see cref="Optimizer{T}.State"/> tensors is split the same way and named <c>optimizer.{state}.{parameter}</c>
/// (<c>optimizer.exp_avg.L1.weight</c>), and the metadata records <c>optimizer</c> (its class name),
/// <c>optimizer.iterations</c> and <c>optimizer.learning_rate</c> (round-trip text). Files are written to a temporary
/// file in the same folder and renamed over the target, so a crash never leaves a half-written checkpoint.
/// </summary>
public static class Checkpoint
{
    /// <summary>Largest header accepted, as the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private static readonly string[] Reserved = ["format", "optimizer", "optimizer.iterations", "optimizer.learning_rate"];

    private static readonly Dictionary<string, int> DTypeSizes = new()
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4, ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>Writes the model's parameters (and the optimizer's state and step count, when given) to <paramref name="path"/>, atomically.</summary>
    /// <param name="model">The model to save.</param>
    /// <param name="path">The file to write; its folder is created if needed.</param>
    /// <param name="optimizer">An optimizer of <paramref name="model"/> whose state to save too, or null.</param>
    /// <param name="metadata">More string pairs for the header's <c>__metadata__</c> (not the reserved <c>format</c>, <c>optimizer*</c>).</param>
    /// <exception cref="ArgumentException">The optimizer belongs to another model, or a metadata key is reserved.</exception>
    public static void Save<T>(IModel<T> model, string path, Optimizer<T>? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string dtype = DTypeOf<T>();
        if (optimizer is not null && !ReferenceEquals(optimizer.Model, model))
            throw new ArgumentException("The optimizer was created for a different model.", nameof(optimizer));

        var meta = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["format"] = "dsl" };
        if (metadata is not null)
            foreach (var (key, value) in metadata)
            {
                ArgumentNullException.ThrowIfNull(value, $"metadata[{key}]");
                if (Reserved.Contains(key)) throw new ArgumentException($"Metadata key '{key}' is reserved for the checkpoint itself.", nameof(metadata));
                meta[key] = value;
            }

        // (name, shape, values) in file order: parameters, then each optimizer state split like them.
        var tensors = new List<(string Name, int[] Shape, ReadOnlyMemory<T> Values)>();
        T[] parameters = model.Parameters.ToArray();
        foreach (TensorInfo t in model.ParameterLayout)
            tensors.Add((t.Name, t.Shape, parameters.AsMemory(t.Offset, t.Length)));
        if (optimizer is not null)
        {
            meta["optimizer"] = OptimizerName(optimizer);
            meta["optimizer.iterations"] = optimizer.Iterations.ToString(CultureInfo.InvariantCulture);
            meta["optimizer.learning_rate"] = optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture);
            foreach (var (state, buffer) in optimizer.State)
                foreach (TensorInfo t in model.ParameterLayout)
                    tensors.Add(($"optimizer.{state}.{t.Name}", t.Shape, buffer.AsMemory(t.Offset, t.Length)));
        }

        byte[] header = Header(dtype, meta, tensors.Select(t => (t.Name, t.Shape, (long)t.Values.Length * SizeOf<T>())));
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var t in tensors) WriteLittleEndian(stream, t.Values.Span);
        });
    }

    /// <summary>
    /// Loads a checkpoint into <paramref name="model"/> (and <paramref name="optimizer"/>: its state tensors, step count and
    /// learning rate). The whole file is read and checked first: the safetensors structure (header length, JSON, dtypes,
    /// shapes, offsets that tile the data section exactly), then that every parameter tensor of the model is there with
    /// its dtype and shape and that the file holds no other parameter, then the optimizer's class, state tensors and
    /// metadata. Only when everything fits is anything copied, so a file that does not fit leaves the model and the
    /// optimizer untouched. Optimizer tensors in the file are ignored when no optimizer is given.
    /// </summary>
    /// <returns>The file's header: tensors and metadata (for example the <see cref="CheckpointInfo.Epoch"/> to resume from).</returns>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file, or was made for another architecture
    /// (the message names the first tensor that does not fit, with the expected and the found shape), precision or optimizer.</exception>
    /// <exception cref="ArgumentException">The optimizer belongs to another model.</exception>
    public static CheckpointInfo Load<T>(IModel<T> model, string path, Optimizer<T>? optimizer = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (optimizer is not null && !ReferenceEquals(optimizer.Model, model))
            throw new ArgumentException("The optimizer was created for a different model.", nameof(optimizer));
        string dtype = DTypeOf<T>();
        byte[] bytes = File.ReadAllBytes(path);
        CheckpointInfo info = Parse(bytes, path, out long dataStart);
        var byName = info.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);

        // Parameters: every tensor of the model, in layout order, with its dtype and shape; then no stranger.
        var layout = model.ParameterLayout;
        var sources = new CheckpointTensor[layout.Count];
        for (int i = 0; i < layout.Count; i++)
            sources[i] = Expect(byName, layout[i].Name, layout[i].Shape, dtype, path);
        var names = layout.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (CheckpointTensor t in info.Tensors)
            if (!t.Name.StartsWith("optimizer.", StringComparison.Ordinal) && !names.Contains(t.Name))
                throw Error(path, $"tensor {t.Name} {FormatShape(t.Shape)} is not a parameter of the model, whose tensors are {string.Join(", ", layout.Select(l => $"{l.Name} {FormatShape(l.Shape)}"))}");

        long iterations = 0;
        double learningRate = 0;
        var stateCopies = new List<(CheckpointTensor Source, T[] Buffer, int Offset)>();
        if (optimizer is not null)
        {
            string expected = OptimizerName(optimizer);
            string found = info.Optimizer ?? throw Error(path, $"expected {expected} optimizer state, found none (the file was saved without an optimizer)");
            if (found != expected) throw Error(path, $"expected {expected} optimizer state, found {found} optimizer state");
            iterations = info.OptimizerIterations ?? throw Error(path, $"expected a non-negative integer optimizer.iterations in the metadata, found '{info.Metadata.GetValueOrDefault("optimizer.iterations")}'");
            if (!info.Metadata.TryGetValue("optimizer.learning_rate", out string? lr)
                || !double.TryParse(lr, NumberStyles.Float, CultureInfo.InvariantCulture, out learningRate) || !(learningRate >= 0) || double.IsInfinity(learningRate))
                throw Error(path, $"expected a finite, non-negative optimizer.learning_rate in the metadata, found '{lr}'");
            var stateNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (state, buffer) in optimizer.State)
                foreach (TensorInfo t in layout)
                {
                    string name = $"optimizer.{state}.{t.Name}";
                    stateNames.Add(name);
                    stateCopies.Add((Expect(byName, name, t.Shape, dtype, path), buffer, t.Offset));
                }
            foreach (CheckpointTensor t in info.Tensors)
                if (t.Name.StartsWith("optimizer.", StringComparison.Ordinal) && !stateNames.Contains(t.Name))
                    throw Error(path, $"tensor {t.Name} is not part of the state of this {expected} optimizer (created with other options?)");
        }

        // Everything fits: now, and only now, overwrite.
        Span<T> parameters = model.Parameters;
        for (int i = 0; i < layout.Count; i++)
            ReadLittleEndian(Bytes(bytes, dataStart, sources[i]), parameters.Slice(layout[i].Offset, layout[i].Length));
        if (optimizer is not null)
        {
            foreach (var (source, buffer, offset) in stateCopies)
                ReadLittleEndian(Bytes(bytes, dataStart, source), buffer.AsSpan(offset, (int)((source.End - source.Begin) / SizeOf<T>())));
            optimizer.Iterations = iterations;
            optimizer.LearningRate = learningRate;
        }
        return info;
    }

    /// <summary>Reads and checks a checkpoint's structure (the whole file), without loading it into a model.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message says what was expected and what was found.</exception>
    public static CheckpointInfo Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllBytes(path), path, out _);
    }

    private static ReadOnlySpan<byte> Bytes(byte[] file, long dataStart, CheckpointTensor t)
        => file.AsSpan((int)(dataStart + t.Begin), (int)(t.End - t.Begin));

    internal static string FormatShape(int[] shape) => "[" + string.Join(", ", shape) + "]";

    private static CheckpointTensor Expect(Dictionary<string, CheckpointTensor> byName, string name, int[] shape, string dtype, string path)
    {
        if (!byName.TryGetValue(name, out CheckpointTensor? t))
            throw Error(path, $"tensor {name}: expected shape {FormatShape(shape)}, found no such tensor (the file holds {string.Join(", ", byName.Values.Take(12).Select(v => $"{v.Name} {FormatShape(v.Shape)}"))}{(byName.Count > 12 ? ", ..." : "")})");
        if (!t.Shape.AsSpan().SequenceEqual(shape))
            throw Error(path, $"tensor {name}: expected shape {FormatShape(shape)}, found {FormatShape(t.Shape)} (a checkpoint of another architecture?)");
        if (t.DType != dtype)
            throw Error(path, $"tensor {name}: expected dtype {dtype} (the model's precision), found {t.DType}");
        return t;
    }

    /// <summary>Checks the whole file against the safetensors format and returns its header.</summary>
    private static CheckpointInfo Parse(byte[] bytes, string path, out long dataStart)
    {
        if (bytes.Length < 8) throw Error(path, $"expected at least 8 bytes (the header length), found {bytes.Length}");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (n < 2 || n > MaxHeaderLength || n > (ulong)(bytes.Length - 8))
            throw Error(path, $"expected a header length between 2 and min({MaxHeaderLength}, {bytes.Length - 8} bytes after the length field), found {n} (truncated, or not a safetensors file)");
        dataStart = 8 + (long)n;
        long dataLength = bytes.Length - dataStart;
        ReadOnlySpan<byte> header = bytes.AsSpan(8, (int)n);
        if (header[0] != (byte)'{') throw Error(path, $"expected the header to start with '{{', found byte 0x{header[0]:X2}");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.AsMemory(8, (int)n));
        }
        catch (JsonException e)
        {
            throw Error(path, $"expected a JSON header, found invalid JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Error(path, $"expected a JSON object header, found {document.RootElement.ValueKind}");
            var tensors = new List<CheckpointTensor>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw Error(path, $"expected unique names in the header, found '{property.Name}' twice");
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Error(path, $"expected __metadata__ to be an object of strings, found {property.Value.ValueKind}");
                    foreach (JsonProperty m in property.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String) throw Error(path, $"expected __metadata__ value '{m.Name}' to be a string, found {m.Value.ValueKind}");
                        if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw Error(path, $"expected unique __metadata__ keys, found '{m.Name}' twice");
                    }
                    continue;
                }
                tensors.Add(ParseTensor(property, dataLength, path));
            }

            // The tensors must tile the data section exactly: sorted by offset, each starting where the last ended.
            long position = 0;
            foreach (CheckpointTensor t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
            {
                if (t.Begin != position)
                    throw Error(path, t.Begin > position
                        ? $"expected tensor {t.Name} to start at data byte {position}, found {t.Begin} (a gap in the data section)"
                        : $"expected tensor {t.Name} to start at data byte {position}, found {t.Begin} (it overlaps the tensor before it)");
                position = t.End;
            }
            if (position != dataLength)
                throw Error(path, $"expected {position} data bytes after the header (the tensors' total), found {dataLength} ({(dataLength < position ? "truncated" : "extra bytes at the end")})");
            return new CheckpointInfo(path, tensors.OrderBy(t => t.Begin).ToArray(), metadata);
        }
    }

    private static CheckpointTensor ParseTensor(JsonProperty property, long dataLength, string path)
    {
        string name = property.Name;
        JsonElement e = property.Value;
        if (e.ValueKind != JsonValueKind.Object) throw Error(path, $"tensor {name}: expected an object with dtype, shape and data_offsets, found {e.ValueKind}");
        string? dtype = null;
        int[]? shape = null;
        long[]? offsets = null;
        foreach (JsonProperty p in e.EnumerateObject())
            switch (p.Name)
            {
                case "dtype" when dtype is null && p.Value.ValueKind == JsonValueKind.String:
                    dtype = p.Value.GetString()!;
                    break;
                case "shape" when shape is null && p.Value.ValueKind == JsonValueKind.Array:
                    shape = p.Value.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out int v) && v >= 0 ? v : -1).ToArray();
                    if (shape.Contains(-1)) throw Error(path, $"tensor {name}: expected non-negative integer dimensions, found {p.Value.GetRawText()}");
                    break;
                case "data_offsets" when offsets is null && p.Value.ValueKind == JsonValueKind.Array:
                    offsets = p.Value.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long v) && v >= 0 ? v : -1).ToArray();
                    if (offsets.Length != 2 || offsets.Contains(-1)) throw Error(path, $"tensor {name}: expected data_offsets [begin, end] of non-negative integers, found {p.Value.GetRawText()}");
                    break;
                default:
                    throw Error(path, $"tensor {name}: expected only dtype (string), shape (array) and data_offsets (array), found '{p.Name}' ({p.Value.ValueKind})");
            }
        if (dtype is null || shape is null || offsets is null)
            throw Error(path, $"tensor {name}: expected dtype, shape and data_offsets, found {string.Join(", ", e.EnumerateObject().Select(p => p.Name))}");
        if (!DTypeSizes.TryGetValue(dtype, out int size))
            throw Error(path, $"tensor {name}: expected a safetensors dtype ({string.Join(", ", DTypeSizes.Keys)}), found '{dtype}'");
        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (a, d) => a * d) * size);
        }
        catch (OverflowException)
        {
            throw Error(path, $"tensor {name}: shape {FormatShape(shape)} is too large");
        }
        if (offsets[1] - offsets[0] != bytes)
            throw Error(path, $"tensor {name}: expected {bytes} bytes for {dtype} {FormatShape(shape)}, found data_offsets [{offsets[0]}, {offsets[1]}] ({offsets[1] - offsets[0]} bytes)");
        if (offsets[1] > dataLength)
            throw Error(path, $"tensor {name}: expected its data at bytes [{offsets[0]}, {offsets[1]}) of the data section, found only {dataLength} data bytes (truncated)");
        return new CheckpointTensor(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static byte[] Header(string dtype, IEnumerable<KeyValuePair<string, string>> metadata, IEnumerable<(string Name, int[] Shape, long Bytes)> tensors)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, shape, bytes) in tensors)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (int d in shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data section starts 8-byte aligned, as the reference implementation does.
        while (buffer.Length % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static void WriteLittleEndian<T>(Stream stream, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        int size = SizeOf<T>();
        byte[] chunk = new byte[size * 4096];
        for (int start = 0; start < values.Length; start += 4096)
        {
            int n = Math.Min(4096, values.Length - start);
            for (int i = 0; i < n; i++)
            {
                Span<byte> d = chunk.AsSpan(i * size, size);
                if (typeof(T) == typeof(float)) BinaryPrimitives.WriteSingleLittleEndian(d, float.CreateTruncating(values[start + i]));
                else BinaryPrimitives.WriteDoubleLittleEndian(d, double.CreateTruncating(values[start + i]));
            }
            stream.Write(chunk, 0, n * size);
        }
    }

    private static void ReadLittleEndian<T>(ReadOnlySpan<byte> source, Span<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, T>(source).CopyTo(target);
            return;
        }
        int size = SizeOf<T>();
        for (int i = 0; i < target.Length; i++)
            target[i] = typeof(T) == typeof(float)
                ? T.CreateTruncating(BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * size)))
                : T.CreateTruncating(BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * size)));
    }

    private static string DTypeOf<T>() where T : unmanaged, IFloatingPointIeee754<T>
        => typeof(T) == typeof(float) ? "F32"
            : typeof(T) == typeof(double) ? "F64"
            : throw new NotSupportedException($"Checkpoints hold float (F32) or double (F64) models, not {typeof(T).Name}.");

    private static int SizeOf<T>() where T : unmanaged => System.Runtime.CompilerServices.Unsafe.SizeOf<T>();

    private static string OptimizerName<T>(Optimizer<T> optimizer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = optimizer.GetType().Name;
        int tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }

    private static InvalidDataException Error(string path, string problem) => new($"Checkpoint {path}: {problem}.");
}
