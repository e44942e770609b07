using Stlm.Actors.Persistence.Sql;

namespace Stlm.Tests.Support;

/// <summary>
/// A spec that runs on each journal engine (a subclass per engine picks the database): every
/// <see cref="NewDialect"/> is its own connection pool, as another process would have.
/// </summary>
public abstract class SqlEngineSpec : IAsyncLifetime
{
    readonly List<SqlDialect> _dialects = [];
    SqlTestDatabase _db = null!;

    protected abstract SqlTestDatabase CreateDatabase();

    protected SqlTestDatabase Database => _db;

    protected SqlDialect NewDialect()
    {
        var dialect = _db.CreateDialect();
        _dialects.Add(dialect);
        return dialect;
    }

    public Task InitializeAsync()
    {
        _db = CreateDatabase();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var d in _dialects) await d.DisposeAsync();
        await _db.DisposeAsync();
    }
}
