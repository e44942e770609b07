using System.Data.Common;

namespace Stlm.Actors.Persistence.Sql;

/// <summary>Small ADO.NET helpers shared by the SQL stores.</summary>
internal static class Db
{
    public static DbCommand Command(DbConnection connection, string sql, DbTransaction? tx = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static void Set(this DbCommand command, string name, object value) => command.Parameters[name].Value = value;

    /// <summary>Stored times are UTC ticks; an unspecified time is taken as UTC.</summary>
    public static long Ticks(DateTime time) =>
        time.Kind == DateTimeKind.Local ? time.ToUniversalTime().Ticks : time.Ticks;

    public static DateTime Time(long ticks) => new(ticks, DateTimeKind.Utc);
}
