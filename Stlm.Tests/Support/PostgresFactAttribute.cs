namespace Stlm.Tests.Support;

/// <summary>
/// A fact that needs the test PostgreSQL: skipped, with the reason, only when STLM_TEST_PG is
/// unset (`./stlm test` starts the server and sets it, so there it always runs).
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresTestDatabase.Variable)))
            Skip = $"{PostgresTestDatabase.Variable} is not set: this test needs PostgreSQL; run it with ./stlm test, which starts one and sets it";
    }
}
