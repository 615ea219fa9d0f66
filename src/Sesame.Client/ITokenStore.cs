namespace Sesame.Client;

/// <summary>
/// Holds the client's session state (<see cref="SessionTokens"/>). Implementations must make <see cref="Current"/> cheap
/// (no I/O: it is read on every request) and <see cref="UpdateAsync"/> atomic with respect to other updates of the same store.
/// </summary>
public interface ITokenStore
{
    /// <summary>The latest snapshot known to this process. Never null; <see cref="SessionTokens.Empty"/> when nothing is stored.</summary>
    SessionTokens Current { get; }

    /// <summary>Re-reads the backing storage if another process may have changed it, and returns the latest snapshot.
    /// Called inside the refresh flow only (under the refresh lock), never on the per-request path.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<SessionTokens> ReloadAsync(CancellationToken cancellationToken);

    /// <summary>Applies <paramref name="update"/> to the latest snapshot, stores and returns the result.</summary>
    /// <param name="update">Computes the new snapshot from the latest one; must be pure (it may run more than once).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask<SessionTokens> UpdateAsync(Func<SessionTokens, SessionTokens> update, CancellationToken cancellationToken);
}
