namespace Sesame.AspNetCore.Storage;

/// <summary>
/// <see cref="ISessionStore.GetOrCreateSecretAsync"/> for every store (compiled into both the SQLite and the PostgreSQL store): read;
/// if absent, insert-if-absent (the database's "insert or ignore") and read back, so whoever inserted first wins and every caller, in
/// every instance, returns the winner's value.
/// </summary>
internal static class SecretRows
{
    /// <summary>Returns the secret <paramref name="name"/>, creating it with <paramref name="create"/> if absent.</summary>
    public static async Task<byte[]> GetOrCreateAsync<TState>(TState state, string name, Func<byte[]> create,
        Func<TState, string, CancellationToken, Task<byte[]?>> read,
        Func<TState, string, byte[], CancellationToken, Task> insertIfAbsent,
        CancellationToken cancellationToken)
    {
        if (await read(state, name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var candidate = create() ?? throw new InvalidOperationException($"The factory of secret '{name}' returned null.");
        await insertIfAbsent(state, name, candidate, cancellationToken).ConfigureAwait(false);
        return await read(state, name, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Secret '{name}' vanished right after it was stored.");
    }
}
