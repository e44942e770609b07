using Stlm.Actors.Configuration;
using Stlm.Actors.Training.Run;
using Stlm.Tests.Support;

namespace Stlm.Tests.Actors.Training.Run;

public class DataFolderPathsTests
{
    [Fact]
    public void A_checkpoint_inside_the_data_folder_is_journaled_relative_and_one_outside_absolute()
    {
        var paths = new DataFolderPaths("/data/stlm/");
        Assert.Equal("checkpoints/r-7/step-000000012", paths.ToJournal("/data/stlm/checkpoints/r-7/step-000000012"));
        Assert.Equal("/disk2/ckpt/r-7/step-000000012", paths.ToJournal("/disk2/ckpt/r-7/step-000000012"));
        Assert.Equal("/data/stlm-other/x", paths.ToJournal("/data/stlm-other/x"));
    }

    [Fact]
    public void A_relative_path_resolves_against_the_data_folder_of_the_reader()
    {
        Assert.Equal("/moved/here/checkpoints/r-7/step-000000012",
            new DataFolderPaths("/moved/here").Resolve("checkpoints/r-7/step-000000012", "/data/stlm"));
    }

    [Fact]
    public void An_absolute_path_of_an_older_event_is_rebased_into_a_copied_folder_and_kept_when_only_the_original_exists()
    {
        using var dir = new TempDirectory();
        var (original, copy) = (dir.File("original"), dir.File("copy"));
        Directory.CreateDirectory(Path.Combine(original, "checkpoints", "r-1", "step-000000002"));
        var journaled = Path.Combine(original, "checkpoints", "r-1", "step-000000002");

        Assert.Equal(journaled, new DataFolderPaths(copy).Resolve(journaled, original)); // the copy lacks it: the original is used
        Directory.CreateDirectory(Path.Combine(copy, "checkpoints", "r-1", "step-000000002"));
        Assert.Equal(Path.Combine(copy, "checkpoints", "r-1", "step-000000002"), new DataFolderPaths(copy).Resolve(journaled, original));
        Assert.Equal("/disk2/ckpt/r-1/step-000000002", new DataFolderPaths(copy).Resolve("/disk2/ckpt/r-1/step-000000002", original));
    }

    [Fact]
    public void Relocating_a_journaled_config_moves_the_data_folder_and_every_path_under_it_and_nothing_else()
    {
        var journaled = TrainConfigFor("/data/stlm", "checkpoint.dir=\"/disk2/ckpt\"");

        var moved = new DataFolderPaths("/moved/here").Relocate(journaled);

        Assert.Equal("/moved/here", moved.GetString("stlm.data-dir"));
        Assert.Equal("/moved/here/shards/" + journaled.GetString("data.corpus"), moved.GetString("data.shard-dir"));
        Assert.Equal("/disk2/ckpt", moved.GetString("checkpoint.dir"));
        Assert.Equal(journaled.GetLong("training.max-steps"), moved.GetLong("training.max-steps"));
        Assert.Same(journaled, new DataFolderPaths("/data/stlm").Relocate(journaled));
    }

    [Fact]
    public void Relocating_a_config_written_with_a_relative_data_folder_moves_its_paths_too()
    {
        var journaled = TrainConfigFor("./stlm-data");

        var moved = new DataFolderPaths("/moved/here").Relocate(journaled);

        Assert.Equal("/moved/here/checkpoints", moved.GetString("checkpoint.dir"));
        Assert.Equal("/moved/here/journal.db", moved.GetString("journal.sqlite.path"));
    }

    static Config TrainConfigFor(string dataDir, params string[] sets) =>
        Config.ParseString(ConfigLoader.Load(null, [$"stlm.data-dir=\"{dataDir}\"", .. sets], _ => null).ToHocon(), "journaled").Resolve();
}
