using System;
using System.Text;

namespace Dsl.Generator.Emit;

/// <summary>An indented text writer: <see cref="Block"/> opens a brace and closes it when disposed.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    public IDisposable Block(string header)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Closer(this, "}");
    }

    /// <summary>A block whose closing brace is followed by <paramref name="closeSuffix"/>, as in <c>};</c>.</summary>
    public IDisposable Block(string header, string closeSuffix)
    {
        Line(header);
        Line("{");
        _indent++;
        return new Closer(this, "}" + closeSuffix);
    }

    public override string ToString() => _text.ToString();

    private sealed class Closer : IDisposable
    {
        private readonly CodeWriter _writer;
        private readonly string _close;

        public Closer(CodeWriter writer, string close)
        {
            _writer = writer;
            _close = close;
        }

        public void Dispose()
        {
            _writer._indent--;
            _writer.Line(_close);
        }
    }
}
