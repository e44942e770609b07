using System.Data.Common;
using System.Text.RegularExpressions;
using Npgsql;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>
/// PostgreSQL through Npgsql: the engine that spans machines. All tables live in one schema
/// (public unless given), so several journals can share a database.
/// </summary>
public sealed partial class PostgresDialect : SqlDialect
{
    readonly NpgsqlDataSource _dataSource;
    readonly string _schema;

    public PostgresDialect(string connectionString, string? schema = null)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new Stlm.Model.StlmException(
                $"bad PostgreSQL connection string '{connectionString}': {e.Message} (expected e.g. Host=127.0.0.1;Username=postgres;Password=…;Database=stlm)", e);
        }
        // A schema named in the connection string ("Search Path=stlm") counts as given.
        var fromConnection = builder.SearchPath?.Split(',')[0].Trim();
        _schema = schema ?? (string.IsNullOrEmpty(fromConnection) ? "public" : fromConnection);
        if (!Identifier().IsMatch(_schema))
            throw new Stlm.Model.StlmException(
                $"PostgreSQL schema name '{_schema}' must be lower-case letters, digits and _ (set it with Search Path=NAME)");
        builder.SearchPath = _schema;
        builder.MaxAutoPrepare = Math.Max(builder.MaxAutoPrepare, 32);
        _dataSource = NpgsqlDataSource.Create(builder);
        AkkaConnectionString = builder.ToString();
        Where = $"{builder.Host}:{builder.Port}/{builder.Database} schema {_schema}";
    }

    public override string Engine => "postgres";

    public override string Where { get; }

    public string Schema => _schema;

    public override string AkkaProvider => "PostgreSQL.15";

    public override string AkkaConnectionString { get; }

    public override string? AkkaSchema => _schema;

    public override bool IsUniqueViolation(DbException e) =>
        e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken ct) =>
        await _dataSource.OpenConnectionAsync(ct);

    // The advisory lock keeps two processes creating the schema at once from colliding on the catalog.
    protected override string SchemaSql => $"""
        SELECT pg_advisory_xact_lock(7460913);
        CREATE SCHEMA IF NOT EXISTS {_schema};
        """;

    public override async Task<bool> HasTableAsync(string table, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        await using var command = Db.Command(connection,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = @schema AND table_name = @name")
            .With("@schema", _schema).With("@name", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct)) > 0;
    }

    /// <summary>Drops the schema and everything in it (tests and throw-away journals).</summary>
    public async Task DropSchemaAsync(CancellationToken ct = default)
    {
        if (_schema == "public") throw new InvalidOperationException("refusing to drop the public schema");
        await using var connection = await _dataSource.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"DROP SCHEMA IF EXISTS {_schema} CASCADE";
        await command.ExecuteNonQueryAsync(ct);
    }

    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await base.DisposeAsync();
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}
