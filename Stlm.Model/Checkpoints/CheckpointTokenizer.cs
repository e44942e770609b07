using System.Security.Cryptography;
using System.Text;
using Stlm.Model.Tokenizers;

namespace Stlm.Model.Checkpoints;

/// <summary>
/// The tokenizer files a checkpoint carries, so eval, generate and export work on a checkpoint
/// after the run's tokenizer.path has moved or gone. The files (a BPE's vocabulary and merges,
/// up to a few MB for GPT-2's) are copied once per run into a content-addressed folder beside the
/// run's step-N folders, <c>tokenizer-&lt;id&gt;/</c>, and each checkpoint.json names that folder
/// relative to itself, with every file's size and SHA-256; checkpoints of the same tokenizer
/// share one copy. <see cref="Spec"/> is the tokenizer spec's kind ("gpt2" or "bpe").
/// </summary>
public sealed record CheckpointTokenizer(string Spec, string Folder, IReadOnlyList<CheckpointFile> Files)
{
    public const string FolderPrefix = "tokenizer-";

    /// <summary>A copy being written (<see cref="CheckpointFolders.CleanStale"/> removes old ones a crash left).</summary>
    public const string TempPrefix = ".tmp-" + FolderPrefix;

    /// <summary>
    /// Copies the BPE files of <paramref name="sourceFolder"/> into <paramref name="runCheckpoints"/>
    /// (once: an existing copy of the same content is reused) and returns the reference a
    /// checkpoint in that folder gives. The copy is written to a temp folder, synced and renamed,
    /// so a crash never leaves a half-written tokenizer under its final name.
    /// </summary>
    public static CheckpointTokenizer Store(string spec, string sourceFolder, string runCheckpoints)
    {
        var (vocab, merges) = BpeFiles.FindIn(sourceFolder)
            ?? throw new StlmException($"tokenizer folder {sourceFolder} holds no BPE files to keep with the checkpoints; check tokenizer.path");
        var files = new[] { vocab, merges }
            .Select(path => new CheckpointFile(Path.GetFileName(path), new FileInfo(path).Length, Sha256(path)))
            .ToArray();
        var folder = FolderPrefix + ContentId(spec, files);
        var target = Path.Combine(runCheckpoints, folder);
        if (Resolve(target, files) is not null)   // no good copy yet
            Copy([vocab, merges], runCheckpoints, target);
        return new CheckpointTokenizer(spec, Path.Combine("..", folder), files);
    }

    /// <summary>
    /// Writes the copy under a temp name and renames it to <paramref name="target"/>; a failure
    /// removes the temp folder (nothing else cleans ".tmp-tokenizer-…" folders) and says what failed.
    /// </summary>
    static void Copy(string[] sources, string runCheckpoints, string target)
    {
        Directory.CreateDirectory(runCheckpoints);
        var temp = Path.Combine(runCheckpoints, $"{TempPrefix}{Path.GetFileName(target)[FolderPrefix.Length..]}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temp);
            foreach (var path in sources)
            {
                var copy = Path.Combine(temp, Path.GetFileName(path));
                File.Copy(path, copy);
                using (var stream = new FileStream(copy, FileMode.Open, FileAccess.ReadWrite)) stream.Flush(flushToDisk: true);
            }
            LibTorch.Safetensors.Durability.SyncDirectory(temp);
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);   // a damaged copy of the same content
            Directory.Move(temp, target);
            LibTorch.Safetensors.Durability.SyncDirectory(runCheckpoints);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw new StlmException($"cannot keep the tokenizer files in {target} ({e.Message.ReplaceLineEndings(" ")}); check that the checkpoints folder is writable and that nothing else has that name");
        }
    }

    /// <summary>The tokenizer spec of the copy a checkpoint at <paramref name="checkpointFolder"/> references, or why it cannot be used.</summary>
    public (string? Spec, string Problem) Locate(string checkpointFolder)
    {
        var folder = Path.GetFullPath(Path.Combine(checkpointFolder, Folder));
        return Resolve(folder, Files) is { } problem ? (null, problem) : ($"{Spec}:{folder}", "");
    }

    /// <summary>Null when <paramref name="folder"/> holds exactly the listed files, else what is wrong.</summary>
    static string? Resolve(string folder, IReadOnlyList<CheckpointFile> files)
    {
        if (!Directory.Exists(folder)) return $"{folder} does not exist";
        foreach (var file in files)
        {
            var path = Path.Combine(folder, file.Name);
            if (!File.Exists(path)) return $"{path} is missing";
            if (new FileInfo(path).Length != file.Bytes || Sha256(path) != file.Sha256) return $"{path} does not match its SHA-256 in checkpoint.json";
        }
        return null;
    }

    static string ContentId(string spec, IEnumerable<CheckpointFile> files) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            spec + "\n" + string.Concat(files.Select(f => $"{f.Name} {f.Bytes} {f.Sha256}\n")))))[..16];

    static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
