namespace Sesame.AspNetCore.Storage;

/// <summary>
/// The migration loop every store runs at start-up (compiled into both the SQLite and the PostgreSQL store): read the schema version,
/// refuse a newer schema than this library knows, apply the missing steps in order and record each. The caller runs it inside one
/// write transaction that it holds exclusively (SQLite: an immediate transaction; PostgreSQL: an advisory lock), so instances starting
/// at once migrate one after another and a crash leaves no half-applied step. How a version is read and recorded, and how a script
/// runs, is the database's dialect and comes in as functions.
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>Brings the schema to <c>migrations.Count</c>; returns the version found.</summary>
    /// <param name="state">The connection and transaction, passed to the functions.</param>
    /// <param name="migrations">Scripts; index <c>i</c> moves the schema from version <c>i</c> to <c>i + 1</c>.</param>
    /// <param name="readVersion">Reads the current version (0 for an empty database).</param>
    /// <param name="execute">Runs one script.</param>
    /// <param name="recordVersion">Records that the schema is now at the given version.</param>
    /// <param name="tooNew">Makes the exception for a schema newer than <paramref name="migrations"/> (found, supported).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    public static async Task<long> MigrateAsync<TState>(TState state, IReadOnlyList<string> migrations,
        Func<TState, CancellationToken, Task<long>> readVersion,
        Func<TState, string, CancellationToken, Task> execute,
        Func<TState, long, CancellationToken, Task> recordVersion,
        Func<long, long, Exception> tooNew,
        CancellationToken cancellationToken)
    {
        var version = await readVersion(state, cancellationToken).ConfigureAwait(false);
        if (version > migrations.Count)
        {
            throw tooNew(version, migrations.Count);
        }

        for (var step = version; step < migrations.Count; step++)
        {
            await execute(state, migrations[(int)step], cancellationToken).ConfigureAwait(false);
            await recordVersion(state, step + 1, cancellationToken).ConfigureAwait(false);
        }

        return version;
    }
}
