using System.Reflection;
using Lookalike.Gallery;
using Xunit.Sdk;

namespace Lookalike.Tests.Infrastructure;

/// <summary>A theory row that runs the test on the SQLite store (<see cref="TestStore.Open"/> with <c>sqlite</c>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnSqliteAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StoreOptions.Sqlite]];
}

/// <summary>
/// A theory row that runs the test on the PostgreSQL store, on the server <c>LOOKALIKE_TEST_POSTGRES</c> names (an Npgsql
/// connection string; CI always sets it). Where it is not set the row is skipped, saying so.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnPostgresAttribute : DataAttribute
{
    public OnPostgresAttribute() => Skip = TestStore.PostgresSkipReason;

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StoreOptions.Postgres]];
}

/// <summary>A fact that needs the PostgreSQL server of <c>LOOKALIKE_TEST_POSTGRES</c>; skipped, saying so, without it.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute() => Skip = TestStore.PostgresSkipReason;
}
