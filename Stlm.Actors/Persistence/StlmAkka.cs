using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Stlm.Actors.Persistence.Sql;
using Stlm.Actors.Serialization;

namespace Stlm.Actors.Persistence;

/// <summary>
/// The Akka configuration of every Stlm actor system: Serilog for Akka's own logs
/// (Akka.Logger.Serilog, into the process's Serilog pipeline), the MessagePack serializer for
/// run events, and Akka.Persistence.Sql's journal (fenced), snapshot store and read journal on
/// the database of a <see cref="SqlDialect"/>. The user's HOCON stays with Stlm's own parser;
/// Akka gets only this section, as an Akka Config.
/// <code>
/// using var system = StlmAkka.CreateSystem("stlm", dialect);
/// </code>
/// </summary>
public static class StlmAkka
{
    /// <summary>Akka's tables, prefixed so a journal written before the move to Akka (tables event_journal, tags, snapshot) is told apart.</summary>
    public const string JournalTable = "akka_journal";
    public const string MetadataTable = "akka_journal_metadata";
    public const string TagTable = "akka_tags";
    public const string SnapshotTable = "akka_snapshot";

    /// <summary>A thread of its own per actor (trainer, data loader, checkpoint writer, evaluators).</summary>
    public const string PinnedDispatcher = "akka.actor.pinned-dispatcher";

    /// <summary>Akka's settings without persistence (actors only: benchmarks, tests).</summary>
    public static Config Base { get; } = ConfigurationFactory.ParseString(BaseHocon());

    /// <summary>
    /// Everything an actor system of a session, a view or a tool needs on this database;
    /// <paramref name="createTables"/>: Akka.Persistence.Sql creates its tables when its journal and
    /// snapshot store start (off where they exist: that start compiles linq2db's DDL for nothing).
    /// </summary>
    public static Config For(SqlDialect dialect, bool createTables = true) =>
        ConfigurationFactory.ParseString(PersistenceHocon(dialect, createTables))
            .WithFallback(Base)
            .WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);

    public static ActorSystem CreateSystem(string name, SqlDialect dialect) => ActorSystem.Create(name, For(dialect));

    public static ActorSystem CreateSystem(string name) => ActorSystem.Create(name, Base);

    static string Q(string s) => JsonSerializer.Serialize(s);

    static string BaseHocon()
    {
        var bindings = string.Join("\n", RunEventSerializer.Types.Select(t => $"      {Q(t.FullName + ", " + t.Assembly.GetName().Name)} = stlm-run"));
        return $$"""
            akka {
              loglevel = INFO
              stdout-loglevel = OFF
              # What Akka logs past its loggers (the Serilog logger's last queued events as a system stops) goes to Serilog, not stdout.
              stdout-logger-class = {{Q(typeof(LastResortLogger).FullName + ", " + typeof(LastResortLogger).Assembly.GetName().Name)}}
              loggers = ["Akka.Logger.Serilog.SerilogLogger, Akka.Logger.Serilog"]
              logger-formatter = "Akka.Logger.Serilog.SerilogLogMessageFormatter, Akka.Logger.Serilog"
              log-dead-letters = 0
              log-dead-letters-during-shutdown = off
              log-config-on-start = off
              actor {
                serializers { stlm-run = {{Q(typeof(RunEventSerializer).AssemblyQualifiedName!.Split(", Version")[0])}} }
                serialization-bindings {
            {{bindings}}
                }
                # The trainer, data loader, checkpoint writer and evaluators each own a thread:
                # libtorch work blocks for seconds and must not starve the other actors.
                pinned-dispatcher {
                  type = PinnedDispatcher
                  executor = thread-pool-executor
                }
              }
              # Terminate() just stops the actors; a session runs CoordinatedShutdown itself on SIGINT/SIGTERM.
              coordinated-shutdown.run-by-actor-system-terminate = off
              coordinated-shutdown.run-by-clr-shutdown-hook = off
              coordinated-shutdown.exit-clr = off
              # Its first phase pauses a training run: a checkpoint of a large model takes a while.
              coordinated-shutdown.phases.before-service-unbind.timeout = 30 m
            }
            """;
    }

    /// <summary>The tables Akka.Persistence.Sql creates (tag-write-mode TagTable: no metadata table).</summary>
    public static IReadOnlyList<string> Tables { get; } = [JournalTable, TagTable, SnapshotTable];

    static string PersistenceHocon(SqlDialect dialect, bool createTables)
    {
        var initialize = createTables ? "on" : "off";
        var tables = $$"""
            default {
              schema-name = {{(dialect.AkkaSchema is { } schema ? Q(schema) : "null")}}
              journal.table-name = {{JournalTable}}
              metadata.table-name = {{MetadataTable}}
              tag.table-name = {{TagTable}}
            }
            """;
        var connection = $"""
            connection-string = {Q(dialect.AkkaConnectionString)}
            provider-name = {Q(dialect.AkkaProvider)}
            table-mapping = default
            """;
        return $$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  class = {{Q(typeof(FencedSqlJournal).FullName + ", " + typeof(FencedSqlJournal).Assembly.GetName().Name)}}
                  {{connection}}
                  tag-write-mode = TagTable
                  auto-initialize = {{initialize}}
                  replay-filter.mode = off
                  replay-batch-size = 10000
                  {{tables}}
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  {{connection}}
                  auto-initialize = {{initialize}}
                  default {
                    schema-name = {{(dialect.AkkaSchema is { } s ? Q(s) : "null")}}
                    snapshot.table-name = {{SnapshotTable}}
                  }
                }
              }
              query.journal.sql {
                {{connection}}
                write-plugin = "akka.persistence.journal.sql"
                tag-read-mode = TagTable
                refresh-interval = 200ms
                {{tables}}
              }
            }
            """;
    }
}
