namespace Sesame.Client;

/// <summary>Keeps the session in memory: lost when the process ends. The default store.</summary>
public sealed class MemoryTokenStore : ITokenStore
{
    private readonly Lock _gate = new();
    private SessionTokens _current = SessionTokens.Empty;

    /// <inheritdoc />
    public SessionTokens Current => Volatile.Read(ref _current);

    /// <inheritdoc />
    public ValueTask<SessionTokens> ReloadAsync(CancellationToken cancellationToken) => new(Current);

    /// <inheritdoc />
    public ValueTask<SessionTokens> UpdateAsync(Func<SessionTokens, SessionTokens> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            var next = update(_current) ?? SessionTokens.Empty;
            Volatile.Write(ref _current, next);
            return new(next);
        }
    }
}
