using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;

namespace Stlm.Model.LibTorch.Safetensors;

/// <summary>
/// Writes safetensors files the way the reference writer does: tensors ordered by alignment
/// (largest element first) then by name, "__metadata__" first in the header, the header padded
/// with spaces so the data starts at a multiple of 8. The same input gives the same bytes.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes to <paramref name="path"/>. With <paramref name="atomic"/>, the bytes go to a
    /// temporary file beside it that is fsync'd and then renamed over the target, so a crash
    /// leaves either the old file or the complete new one.
    /// </summary>
    public static void WriteFile(string path, IEnumerable<SafetensorsEntry> entries,
        IReadOnlyDictionary<string, string>? metadata = null, bool atomic = true)
    {
        var layout = Layout(entries);
        var header = EncodeHeader(layout, metadata);
        var full = Path.GetFullPath(path);
        var target = atomic ? Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp") : full;
        try
        {
            using (var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteBody(file, header, layout);
                file.Flush(flushToDisk: atomic);
            }
            if (atomic)
            {
                File.Move(target, full, overwrite: true);
                Durability.SyncDirectory(Path.GetDirectoryName(full)!);
            }
        }
        catch
        {
            if (atomic) File.Delete(target);
            throw;
        }
    }

    public static void Write(Stream destination, IEnumerable<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var layout = Layout(entries);
        WriteBody(destination, EncodeHeader(layout, metadata), layout);
    }

    public static byte[] Serialize(IEnumerable<SafetensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var memory = new MemoryStream();
        Write(memory, entries, metadata);
        return memory.ToArray();
    }

    /// <summary>The entries in file order with their data offsets.</summary>
    static ImmutableArray<(SafetensorsEntry Entry, SafetensorsTensorInfo Info)> Layout(IEnumerable<SafetensorsEntry> entries)
    {
        var ordered = entries
            .OrderByDescending(e => e.DType)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var result = ImmutableArray.CreateBuilder<(SafetensorsEntry, SafetensorsTensorInfo)>(ordered.Count);
        long offset = 0;
        foreach (var e in ordered)
        {
            if (e.Name == SafetensorsHeader.MetadataKey || !names.Add(e.Name))
                throw new ArgumentException($"tensor name '{e.Name}' is reserved or used twice");
            var size = e.ByteCount;
            result.Add((e, new SafetensorsTensorInfo(e.Name, e.DType, e.Shape, offset, offset + size)));
            offset += size;
        }
        return result.MoveToImmutable();
    }

    static byte[] EncodeHeader(ImmutableArray<(SafetensorsEntry Entry, SafetensorsTensorInfo Info)> layout, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new StringBuilder("{");
        if (metadata is { Count: > 0 })
        {
            json.Append('"').Append(SafetensorsHeader.MetadataKey).Append("\":{");
            var first = true;
            foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (!first) json.Append(',');
                first = false;
                AppendString(json, key).Append(':');
                AppendString(json, value);
            }
            json.Append('}');
            if (layout.Length > 0) json.Append(',');
        }
        for (var i = 0; i < layout.Length; i++)
        {
            var t = layout[i].Info;
            if (i > 0) json.Append(',');
            AppendString(json, t.Name)
                .Append(":{\"dtype\":\"").Append(t.DType.Name())
                .Append("\",\"shape\":[").AppendJoin(',', t.Shape)
                .Append("],\"data_offsets\":[").Append(t.Begin).Append(',').Append(t.End).Append("]}");
        }
        json.Append('}');

        var bytes = Encoding.UTF8.GetByteCount(json.ToString());
        json.Append(' ', (8 - bytes % 8) % 8);
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    /// <summary>JSON string escaping as serde_json does it: quotes, backslashes and control characters only.</summary>
    static StringBuilder AppendString(StringBuilder json, string s)
    {
        json.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case < ' ': json.Append("\\u").Append(((int)c).ToString("x4")); break;
                default: json.Append(c); break;
            }
        }
        return json.Append('"');
    }

    static void WriteBody(Stream destination, byte[] header, ImmutableArray<(SafetensorsEntry Entry, SafetensorsTensorInfo Info)> layout)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        destination.Write(prefix);
        destination.Write(header);
        foreach (var (entry, info) in layout)
        {
            var counted = new CountingStream(destination, info.ByteCount, entry.Name);
            entry.WriteBytes(counted);
            counted.CheckComplete();
        }
    }
}
